"""Agreement of ringfence's own attack verdicts with the attack labels a dataset carries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from ringfence.results import Agreement, SampleOutcome

GROUPINGS: tuple[tuple[str, ...], ...] = (("model",), ("model", "suite"))


def compute_agreement(outcomes: Iterable[SampleOutcome]) -> list[Agreement]:
    """Confusion matrices per model and per model and suite, over attacked labelled samples."""
    cells: dict[tuple[tuple[str, str], ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for outcome in outcomes:
        if outcome.attack_succeeded is None or outcome.label_attack_succeeded is None:
            continue
        cell = _cell(outcome.attack_succeeded, outcome.label_attack_succeeded)
        values = {"model": outcome.model or "unknown", "suite": outcome.suite or "unknown"}
        for grouping in GROUPINGS:
            key = tuple((name, values[name]) for name in grouping)
            cells[key][cell] += 1
    return [
        Agreement(
            group=dict(key),
            true_positive=counts[0],
            false_positive=counts[1],
            false_negative=counts[2],
            true_negative=counts[3],
        )
        for key, counts in sorted(cells.items(), key=lambda item: (len(item[0]), item[0]))
    ]


def binary_agreement(
    verdicts: Iterable[tuple[bool, bool]], group: Mapping[str, str] | None = None
) -> Agreement:
    """Confusion matrix of (ringfence's verdict, the label's verdict) pairs for one group."""
    counts = [0, 0, 0, 0]
    for detected, labelled in verdicts:
        counts[_cell(detected, labelled)] += 1
    return Agreement(
        group=dict(group or {}),
        true_positive=counts[0],
        false_positive=counts[1],
        false_negative=counts[2],
        true_negative=counts[3],
    )


def _cell(detected: bool, labelled: bool) -> int:
    if detected and labelled:
        return 0
    if detected:
        return 1
    if labelled:
        return 2
    return 3
