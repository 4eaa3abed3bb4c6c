"""The `ringfence` command line: one module per group of commands.

Exit codes (also in the README):

- 0: green, or yellow with --allow-yellow, or any command that succeeded;
- 2: usage, input or configuration error (nothing was evaluated or changed);
- 3: yellow (the gate could not show the thresholds are met);
- 4: red (a threshold is breached);
- 5: could not evaluate (missing data or evidence, or the evidence store failed).
"""

from ringfence.cli import _score  # noqa: F401  (registers its commands)
from ringfence.cli._app import (
    EXIT_CANNOT_EVALUATE,
    EXIT_GREEN,
    EXIT_RED,
    EXIT_USAGE,
    EXIT_YELLOW,
    main,
)

__all__ = [
    "EXIT_CANNOT_EVALUATE",
    "EXIT_GREEN",
    "EXIT_RED",
    "EXIT_USAGE",
    "EXIT_YELLOW",
    "main",
]
