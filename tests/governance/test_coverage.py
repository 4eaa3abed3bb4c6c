"""Coverage requirements: samples per segment value, counted from metric values."""

from __future__ import annotations

import pytest

from ringfence.gate import Verdict, evaluate_gate
from ringfence.gate.decision import CheckKind
from ringfence.gate.policy import CoverageRequirement
from ringfence.governance import find_coverage_gaps, segment_sample_counts
from ringfence.metrics.values import MetricValue

from .gate_builders import NOW, policy, rate

ACTION_RATE = "unauthorized_action_rate"
SAMPLE_RATE = "unauthorized_action_sample_rate"
ERROR_RATE = "infrastructure_error_rate"


def _metrics() -> list[MetricValue]:
    return [
        rate(SAMPLE_RATE, 0, 100),
        # 40 high-privilege calls from 25 samples, 6 critical calls from 3 samples.
        rate(ACTION_RATE, 1, 40, sample_count=25, privilege="high"),
        rate(ACTION_RATE, 0, 6, sample_count=3, privilege="critical"),
        rate(SAMPLE_RATE, 0, 60, attack="none"),
        rate(SAMPLE_RATE, 0, 40, attack="important_instructions"),
        # Infrastructure errors count samples that failed, which are no coverage.
        rate(ERROR_RATE, 5, 45, attack="important_instructions"),
        rate(SAMPLE_RATE, 0, 98, context_length="short"),
        rate(SAMPLE_RATE, 0, 2, context_length="medium"),
        rate(SAMPLE_RATE, 0, 70, language="en"),
        rate(SAMPLE_RATE, 0, 20, language="de"),
        rate(SAMPLE_RATE, 0, 10, language="unknown"),
    ]


def _requirement(**fields: object) -> CoverageRequirement:
    return CoverageRequirement.model_validate(fields)


def test_counts_are_samples_not_calls() -> None:
    counts = segment_sample_counts(_metrics(), "privilege")
    assert counts == {"high": 25, "critical": 3}


def test_counts_skip_infrastructure_errors() -> None:
    counts = segment_sample_counts(_metrics(), "attack")
    assert counts == {"none": 60, "important_instructions": 40}
    assert segment_sample_counts(_metrics(), "attack", ERROR_RATE) == {"important_instructions": 45}


def test_listed_values_each_need_samples() -> None:
    requirement = _requirement(segment="privilege", values=["high", "critical"], min_samples=20)
    (gap,) = find_coverage_gaps([requirement], _metrics())
    assert (gap.segment, gap.value, gap.have, gap.need) == ("privilege", "critical", 3, 20)
    assert gap.describe() == "privilege=critical has 3 samples, but the policy requires 20"


def test_missing_value_has_zero() -> None:
    (gap,) = find_coverage_gaps(
        [_requirement(segment="context_length", values=["long"])], _metrics()
    )
    assert (gap.value, gap.have, gap.need) == ("long", 0, 1)


def test_every_seen_value_without_values() -> None:
    requirement = _requirement(segment="attack", min_samples=50)
    (gap,) = find_coverage_gaps([requirement], _metrics())
    assert (gap.value, gap.have, gap.need) == ("important_instructions", 40, 50)


def test_no_value_at_all() -> None:
    (gap,) = find_coverage_gaps([_requirement(segment="suite")], _metrics())
    assert gap.value is None
    assert gap.describe() == "suite has no samples in any value, but the policy requires 1 in each"


def test_min_values_ignores_unknown() -> None:
    requirement = _requirement(segment="language", min_values=3)
    (gap,) = find_coverage_gaps([requirement], _metrics())
    assert (gap.unit, gap.have, gap.need) == ("values", 2, 3)
    assert gap.covered_values == ["de", "en"]
    assert gap.describe() == (
        "language has 2 values with at least 1 sample (de, en), but the policy requires 3"
    )


def test_min_values_with_min_samples() -> None:
    requirement = _requirement(segment="language", min_values=2, min_samples=50)
    (gap,) = find_coverage_gaps([requirement], _metrics())
    assert gap.covered_values == ["en"]


def test_met_requirements_have_no_gaps() -> None:
    requirements = [
        _requirement(segment="privilege", values=["high"], min_samples=20),
        _requirement(segment="attack", min_samples=40),
        _requirement(segment="language", min_values=2),
    ]
    assert find_coverage_gaps(requirements, _metrics()) == []


def test_gate_cannot_evaluate_on_gap() -> None:
    gate_policy = policy(
        coverage=[
            {"segment": "privilege", "values": ["high", "critical"], "min_samples": 20},
            {"segment": "language", "min_values": 2},
        ]
    )
    decision = evaluate_gate(gate_policy, _metrics(), 0, now=NOW)
    assert decision.verdict is Verdict.ERROR
    assert [gap.value for gap in decision.coverage_missing] == ["critical"]
    coverage = [c for c in decision.checks if c.kind is CheckKind.COVERAGE]
    assert [c.verdict for c in coverage] == [Verdict.ERROR, Verdict.GREEN]
    assert decision.reasons == [
        "coverage missing: privilege=critical has 3 samples, but the policy requires 20"
    ]


def test_gate_green_when_covered() -> None:
    gate_policy = policy(coverage=[{"segment": "context_length", "values": ["short"]}])
    decision = evaluate_gate(gate_policy, _metrics(), 0, now=NOW)
    assert decision.verdict is Verdict.GREEN
    assert decision.coverage_missing == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"segment": "langauge"}, "unknown segment 'langauge'; known segments: model"),
        ({"segment": "language", "values": ["en"], "min_values": 2}, "not both"),
        ({"segment": "language", "metric": "nope"}, "unknown metric 'nope'"),
        ({"segment": "language", "values": []}, "at least 1 item"),
    ],
)
def test_invalid_requirement(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CoverageRequirement.model_validate(fields)
