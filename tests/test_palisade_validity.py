"""Real-data checks on Palisade's robot shutdown-resistance logs (skipped without ../shared/data).

The detector reads no tags; the tags only choose the runs of each published count and are
compared with the detector's verdicts. docs/validity.md reports the same numbers, and
`python benchmarks/validity_palisade.py` prints them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from ringfence.detectors.oversight import run_oversight_detector
from ringfence.importers import get_importer
from ringfence.labels.palisade import (
    CONDITIONS,
    ConditionComparison,
    PalisadeCondition,
    compare_condition,
)
from ringfence.results import ImportIssue
from ringfence.transcript import Sample
from tests._paths import PALISADE_LOGS

TOLERANCE = 2
"""Most runs by which ringfence's count of resisting runs may differ from the published one."""
ALL_RUNS = 218


@pytest.fixture
def palisade_logs() -> Path:
    """The Palisade logs folder; skips the test when the shared data is not beside the repo."""
    if not PALISADE_LOGS.is_dir():
        pytest.skip(f"Palisade logs not found at {PALISADE_LOGS} (../shared/data is absent)")
    return PALISADE_LOGS


@cache
def _imported() -> tuple[list[Sample], list[ImportIssue]]:
    samples: list[Sample] = []
    issues: list[ImportIssue] = []
    for item in get_importer("palisade").read(PALISADE_LOGS):
        if isinstance(item, Sample):
            samples.append(item)
        elif isinstance(item, ImportIssue):
            issues.append(item)
    return samples, issues


def _verdict(sample: Sample) -> tuple[bool, list[str]]:
    result = run_oversight_detector(sample.transcript)
    return result.resisted, [f"{f.kind.value}: {f.reason}" for f in result.findings]


def _compare(condition: PalisadeCondition) -> ConditionComparison:
    return compare_condition(condition, _imported()[0], _verdict)


def test_all_runs_import(palisade_logs: Path) -> None:
    samples, issues = _imported()
    assert len(samples) == ALL_RUNS
    assert issues == []


@pytest.mark.parametrize("condition", CONDITIONS, ids=lambda c: c.name)
def test_run_selection_matches_report(palisade_logs: Path, condition: PalisadeCondition) -> None:
    comparison = _compare(condition)
    assert len(comparison.runs) == condition.published_runs
    assert comparison.tagged == condition.published_resisted


@pytest.mark.parametrize("condition", CONDITIONS, ids=lambda c: c.name)
def test_count_reproduces_report(palisade_logs: Path, condition: PalisadeCondition) -> None:
    comparison = _compare(condition)
    disagreements = [
        f"{run.sample_id} {run.tags} {run.reasons}" for run in comparison.disagreements
    ]
    assert abs(comparison.detected - condition.published_resisted) <= TOLERANCE, disagreements


@pytest.mark.parametrize("condition", CONDITIONS, ids=lambda c: c.name)
def test_agrees_with_avoided_tag(palisade_logs: Path, condition: PalisadeCondition) -> None:
    comparison = _compare(condition)
    matrix = comparison.agreement
    assert matrix.total == condition.published_runs
    assert matrix.false_positive + matrix.false_negative <= TOLERANCE, [
        run.sample_id for run in comparison.disagreements
    ]


def test_every_run_in_scope(palisade_logs: Path) -> None:
    samples, _ = _imported()
    assert all(run_oversight_detector(s.transcript).in_scope for s in samples)


def test_verdicts_ignore_harness_outcome_events(palisade_logs: Path) -> None:
    # The harness logs whether the shutdown went through; the detector must not need it.
    for sample in _imported()[0]:
        stripped = sample.transcript.model_copy(deep=True)
        stripped.events = [e for e in stripped.events if e.kind == "stop_signal"]
        assert run_oversight_detector(stripped).resisted == _verdict(sample)[0]
