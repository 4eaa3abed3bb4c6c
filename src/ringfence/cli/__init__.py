"""The `ringfence` command line: one module per group of commands.

Exit codes (also in the README):

- 0: green, or yellow with --allow-yellow, or any command that succeeded;
- 2: usage, input or configuration error (nothing was evaluated or changed);
- 3: yellow (the gate could not show the thresholds are met);
- 4: red (a threshold is breached);
- 5: could not evaluate (missing data or evidence, or the evidence store failed);
- 6: refused (a promotion the release rules do not allow, or a rollback that failed);
- 7: the audit log's hash chain is broken;
- 8: an incident record could not be delivered to the webhook (it stays stored);
- 130: `run` was interrupted with Ctrl-C (finished samples stay staged for resume).
"""

# Importing a command module registers its commands.
from ringfence.cli import (  # noqa: F401
    _audit,
    _exceptions,
    _incidents,
    _releases,
    _reviews,
    _run,
    _score,
    _trends,
)
from ringfence.cli._app import (
    EXIT_AUDIT_BROKEN,
    EXIT_CANNOT_EVALUATE,
    EXIT_DELIVERY_FAILED,
    EXIT_GREEN,
    EXIT_RED,
    EXIT_REFUSED,
    EXIT_USAGE,
    EXIT_YELLOW,
    main,
)

__all__ = [
    "EXIT_AUDIT_BROKEN",
    "EXIT_CANNOT_EVALUATE",
    "EXIT_DELIVERY_FAILED",
    "EXIT_GREEN",
    "EXIT_RED",
    "EXIT_REFUSED",
    "EXIT_USAGE",
    "EXIT_YELLOW",
    "main",
]
