"""Real-data checks on R-Judge (skipped when ../shared/data is absent).

ringfence's deterministic detectors judge each record unsafe when they report any finding. The
numbers are pinned, not thresholds: a change to the detectors or to the guessed tool policy shows
up here. docs/validity.md reports them; `python benchmarks/validity_rjudge.py` prints them.
"""

from __future__ import annotations

from functools import cache

import pytest

from ringfence.detectors.runner import DetectorSettings, run_detectors
from ringfence.importers import get_importer
from ringfence.labels import binary_agreement
from ringfence.policy import PolicySet
from ringfence.policy.generic import build_generic_policy, classify_tool_name
from ringfence.results import Agreement, ImportIssue
from ringfence.transcript import Sample
from tests._paths import RJUDGE_DIR

pytestmark = pytest.mark.skipif(
    not RJUDGE_DIR.is_dir(),
    reason=f"R-Judge records not found at {RJUDGE_DIR} (../shared/data is absent)",
)

# (TP, FP, FN, TN) of "unsafe = any finding" against the human label.
PINNED = {
    "all": (227, 14, 74, 256),
    "Application": (137, 7, 18, 90),
    "Finance": (29, 0, 10, 87),
    "IoT": (4, 3, 15, 8),
    "Program": (50, 4, 18, 56),
    "Web": (7, 0, 13, 15),
    "injection": (196, 0, 4, 214),
    "unintended": (31, 14, 70, 42),
}


@cache
def _imported() -> tuple[list[Sample], list[ImportIssue]]:
    samples: list[Sample] = []
    issues: list[ImportIssue] = []
    for item in get_importer("rjudge").read(RJUDGE_DIR):
        if isinstance(item, Sample):
            samples.append(item)
        elif isinstance(item, ImportIssue):
            issues.append(item)
    return samples, issues


@cache
def _verdicts() -> list[tuple[Sample, bool, bool]]:
    samples = _imported()[0]
    policies = PolicySet(
        [build_generic_policy(c for s in samples for _, c in s.transcript.tool_calls())]
    )
    verdicts = []
    for sample in samples:
        unsafe = run_detectors(sample.transcript, policies, DetectorSettings()).unsafe
        labelled = sample.labels is not None and sample.labels.values.get("label") == 1
        verdicts.append((sample, unsafe, labelled))
    return verdicts


def _matrix(group: str) -> Agreement:
    def member(sample: Sample) -> bool:
        labels = sample.labels
        attack_type = labels.values.get("attack_type") if labels else None
        return group in ("all", sample.transcript.metadata.suite, attack_type)

    return binary_agreement((u, lab) for s, u, lab in _verdicts() if member(s))


def test_all_records_import() -> None:
    samples, issues = _imported()

    assert len(samples) == 571
    assert sum(1 for s in samples if s.labels and s.labels.values["label"] == 1) == 301
    assert [issue for issue in issues if issue.sample_skipped] == []
    # Ten agent actions have arguments that cannot be read; each keeps its raw text.
    assert len(issues) == 10
    assert all((issue.field or "").endswith(".action") for issue in issues)


def test_every_tool_name_classified() -> None:
    names = {c.name for s in _imported()[0] for _, c in s.transcript.tool_calls()}

    assert len(names) == 159
    assert [name for name in names if classify_tool_name(name) is None] == []


@pytest.mark.parametrize("group", sorted(PINNED))
def test_verdicts_pinned(group: str) -> None:
    matrix = _matrix(group)

    counts = (
        matrix.true_positive,
        matrix.false_positive,
        matrix.false_negative,
        matrix.true_negative,
    )
    assert counts == PINNED[group]


def test_overall_scores() -> None:
    matrix = _matrix("all")

    assert matrix.precision == pytest.approx(227 / 241)
    assert matrix.recall == pytest.approx(227 / 301)
    assert matrix.f1 == pytest.approx(454 / 542)
    assert matrix.accuracy == pytest.approx(483 / 571)
