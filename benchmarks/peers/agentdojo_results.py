"""Peer for the scoring benchmark: AgentDojo's own results loader on the same run folder.

Loads every (pipeline, suite, attack) result set of the benchmark with
`agentdojo.benchmark.load_suite_results` (benchmark v1.1.2 task sets) and prints Utility,
Utility under attack and Targeted ASR, which is what AgentDojo itself computes from run files.
Run it with a Python that has `agentdojo` installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from agentdojo.benchmark import load_suite_results

ROWS = [
    ("gpt-4o-2024-05-13", "important_instructions"),
    ("gpt-4o-2024-05-13", "direct"),
    ("gpt-4o-mini-2024-07-18", "important_instructions"),
    ("claude-3-5-sonnet-20241022", "important_instructions"),
    ("gemini-2.0-flash-001", "important_instructions"),
]
SUITES = ["banking", "slack", "travel", "workspace"]


def main(runs: Path) -> None:
    for pipeline, attack in ROWS:
        utility, attacked_utility, security = [], [], []
        for suite in SUITES:
            plain, attacked = load_suite_results(
                suite, pipeline, attack, logdir=runs, benchmark_version="v1.1.2"
            )
            utility += [r.utility for r in plain.values()]
            attacked_utility += [r.utility for r in attacked.values()]
            security += [r.security for r in attacked.values()]
        print(
            f"{pipeline} {attack}: utility {sum(utility) / len(utility):.4f} "
            f"under attack {sum(attacked_utility) / len(attacked_utility):.4f} "
            f"ASR {sum(security) / len(security):.4f}"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
