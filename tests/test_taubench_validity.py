"""Real-data checks on τ-bench's gpt-4o airline trajectories (skipped when ../shared/data is
absent).

docs/validity.md reports the same numbers; `python benchmarks/validity_taubench.py` prints them.
"""

from __future__ import annotations

from functools import cache

import pytest

from ringfence.detectors.runner import DetectorSettings, run_detectors
from ringfence.importers import get_importer
from ringfence.labels import GoldComparison, compare_with_gold
from ringfence.metrics import pass_hat_k_curve
from ringfence.policy import resolve_tool_policies
from ringfence.results import ImportIssue
from ringfence.transcript import Sample
from tests._paths import TAUBENCH_AIRLINE

pytestmark = pytest.mark.skipif(
    not TAUBENCH_AIRLINE.is_file(),
    reason=f"τ-bench trajectories not found at {TAUBENCH_AIRLINE} (../shared/data is absent)",
)

# τ-bench README leaderboard (commit 9ed9fd9), Airline table, row "TC (gpt-4o)".
PUBLISHED_PASS_HAT_K = {1: 0.420, 2: 0.273, 3: 0.220, 4: 0.200}


@cache
def _imported() -> tuple[list[Sample], list[ImportIssue]]:
    samples: list[Sample] = []
    issues: list[ImportIssue] = []
    for item in get_importer("taubench").read(TAUBENCH_AIRLINE):
        if isinstance(item, Sample):
            samples.append(item)
        elif isinstance(item, ImportIssue):
            issues.append(item)
    return samples, issues


@cache
def _comparisons() -> list[GoldComparison]:
    policies = resolve_tool_policies(["taubench"])
    found = [compare_with_gold(sample, policies) for sample in _imported()[0]]
    return [comparison for comparison in found if comparison is not None]


def test_all_trajectories_import() -> None:
    samples, issues = _imported()

    assert len(samples) == 200
    assert len({s.transcript.sample_id for s in samples}) == 200
    assert {s.transcript.metadata.epoch for s in samples} == {0, 1, 2, 3}
    assert {s.transcript.metadata.suite for s in samples} == {"airline"}
    assert [issue for issue in issues if issue.sample_skipped] == []
    # gpt-4o reuses tool-call ids in later turns; each of the 73 reuses is reported.
    assert len(issues) == 73
    assert all("duplicated" in issue.reason for issue in issues)


def test_pass_hat_k_reproduces_published() -> None:
    trials = [
        (s.transcript.metadata.task_id or "", bool(s.labels and s.labels.task_completed))
        for s in _imported()[0]
    ]

    for value in pass_hat_k_curve(trials, PUBLISHED_PASS_HAT_K):
        assert value.estimate is not None
        assert round(value.estimate, 3) == PUBLISHED_PASS_HAT_K[value.k], value.k
        assert value.scenario_count == 50
        assert value.trial_count == 200
        assert value.excluded_scenarios == []


def test_write_calls_beyond_gold_pinned() -> None:
    comparisons = _comparisons()
    extra = [call for c in comparisons for call in c.extra_calls]

    assert sum(c.write_calls for c in comparisons) == 298
    assert len(extra) == 203
    assert sum(1 for c in comparisons if c.extra_calls) == 121
    assert sum(1 for call in extra if call.tool_error) == 73
    assert sum(1 for call in extra if call.tool_name == "transfer_to_human_agents") == 42


def test_successful_trials_write_only_gold() -> None:
    # Where reward is 1 the final database matched gold, so every accepted database write must
    # match a gold action. Only hand-offs to a human may remain, because they change no data.
    samples = {s.transcript.sample_id: s for s in _imported()[0]}
    for comparison in _comparisons():
        labels = samples[comparison.sample_id].labels
        if labels is None or not labels.task_completed:
            continue
        accepted = [call for call in comparison.extra_calls if not call.tool_error]
        assert {call.tool_name for call in accepted} <= {"transfer_to_human_agents"}


def test_unauthorized_detector_flags_nothing() -> None:
    # The data has no injections, and the users ask for every kind of change they get. So
    # ringfence's detector reports nothing, and only the gold check finds the wrong writes.
    policies = resolve_tool_policies(["taubench"])
    flagged = [
        s.transcript.sample_id
        for s in _imported()[0]
        if run_detectors(s.transcript, policies, DetectorSettings()).unsafe
    ]

    assert flagged == []
