"""Catalog metrics on hand-built records, with hand-computed values."""

from __future__ import annotations

import math

import pytest

from ringfence.detectors.interaction import InteractionFacts
from ringfence.detectors.refusal import RefusalScore
from ringfence.metrics import MetricStatus, MetricValue
from ringfence.metrics.catalog import (
    AUTHORIZATION_FAILURE_RATE,
    CLARIFICATION_RATE,
    ESCALATION_LATENCY_SECONDS,
    ESCALATION_LATENCY_TURNS,
    HALLUCINATION_RATE,
    LOGGING_COMPLETENESS,
    MISSED_ESCALATION_RATE,
    OVER_REFUSAL_RATE,
    POLICY_EVIDENCE_COVERAGE,
    REFUSAL_QUALITY,
    SEVERITY_PER_100,
    CatalogRecord,
    compute_catalog_metrics,
)


def _facts(**changes: object) -> InteractionFacts:
    base: dict[str, object] = dict(
        escalation_required=False,
        escalated=False,
        escalation_latency_turns=None,
        escalation_latency_seconds=None,
        ambiguous=False,
        asked_clarification=False,
        contradicted=False,
        recovered=False,
        user_turns=1,
        user_corrections=0,
    )
    base.update(changes)
    return InteractionFacts(**base)  # type: ignore[arg-type]


def _refusal(points: tuple[bool, bool, bool, bool], expected: bool = True) -> RefusalScore:
    return RefusalScore(
        refused=True,
        expected_refusal=expected,
        declined_correctly=points[0],
        cited_policy=points[1],
        offered_alternative=points[2],
        kept_workflow=points[3],
        expected_comply=not expected,
    )


def _find(values: list[MetricValue], metric: str, **segment: str) -> MetricValue:
    (value,) = [v for v in values if v.metric == metric and v.segment == segment]
    return value


def _records() -> list[CatalogRecord]:
    return [
        CatalogRecord(
            "a",
            {"task_type": "qa", "context_length": "short"},
            answered=True,
            hallucination_kinds={"invented_entity"},
            refusal=_refusal((True, True, False, True)),
            severity_points=10.0,
            interaction=_facts(
                escalation_required=True,
                escalated=True,
                escalation_latency_turns=1,
                escalation_latency_seconds=4.0,
            ),
            tool_calls=4,
            denied_calls=1,
            actions=2,
            complete_actions=2,
            clauses={"P1", "P2", "P3"},
            exercised_clauses={"P1"},
        ),
        CatalogRecord(
            "b",
            {"task_type": "qa", "context_length": "long"},
            answered=True,
            refusal=_refusal((False, False, False, False), expected=False),
            expected_comply=True,
            severity_points=3.0,
            interaction=_facts(
                escalation_required=True,
                escalated=True,
                escalation_latency_turns=3,
                escalation_latency_seconds=10.0,
                ambiguous=True,
                asked_clarification=True,
            ),
            tool_calls=2,
            actions=1,
            complete_actions=0,
            clauses={"P2"},
            exercised_clauses={"P2"},
        ),
        CatalogRecord(
            "c",
            {"task_type": "ops", "context_length": "short"},
            answered=True,
            expected_comply=True,
            interaction=_facts(escalation_required=True, ambiguous=True),
        ),
        CatalogRecord(
            "d",
            {},
            answered=True,
            infrastructure_error=True,
            hallucination_kinds={"invented_entity"},
        ),
    ]


def test_hallucination_rate_and_segments() -> None:
    values = compute_catalog_metrics(_records())
    overall = _find(values, HALLUCINATION_RATE)
    assert (overall.numerator, overall.denominator) == (1, 3)
    assert _find(values, HALLUCINATION_RATE, context_length="short").denominator == 2
    assert _find(values, HALLUCINATION_RATE, task_type="ops").numerator == 0
    assert _find(values, HALLUCINATION_RATE, kind="invented_entity").numerator == 1


def test_refusal_quality_pools_criteria() -> None:
    value = _find(compute_catalog_metrics(_records()), REFUSAL_QUALITY)
    assert (value.numerator, value.denominator) == (3, 8)
    assert value.unit == "criterion"
    assert value.estimate == pytest.approx(0.375)


def test_over_refusal_over_valid_requests() -> None:
    value = _find(compute_catalog_metrics(_records()), OVER_REFUSAL_RATE)
    assert (value.numerator, value.denominator) == (1, 2)


def test_severity_per_100_samples_is_a_mean() -> None:
    value = _find(compute_catalog_metrics(_records()), SEVERITY_PER_100)
    # Points 10, 3 and 0 over three scored samples: 100 * 13 / 3 per 100 samples.
    assert value.estimate == pytest.approx(1300 / 3)
    assert value.denominator == 3
    assert value.ci_low is not None
    assert value.ci_high is not None
    assert value.ci_low <= value.estimate <= value.ci_high


def test_escalation_latency_and_misses() -> None:
    values = compute_catalog_metrics(_records())
    turns = _find(values, ESCALATION_LATENCY_TURNS)
    seconds = _find(values, ESCALATION_LATENCY_SECONDS)
    missed = _find(values, MISSED_ESCALATION_RATE)
    assert turns.estimate == pytest.approx(2.0)
    # Two values 1 and 3: mean 2, sd sqrt(2), t(1) = 12.706.
    assert turns.ci_high == pytest.approx(2 + 12.706 * math.sqrt(2) / math.sqrt(2))
    assert seconds.estimate == pytest.approx(7.0)
    assert (missed.numerator, missed.denominator) == (1, 3)


def test_clarification_rate() -> None:
    value = _find(compute_catalog_metrics(_records()), CLARIFICATION_RATE)
    assert (value.numerator, value.denominator) == (1, 2)


def test_systems_metrics() -> None:
    values = compute_catalog_metrics(_records())
    denied = _find(values, AUTHORIZATION_FAILURE_RATE)
    logged = _find(values, LOGGING_COMPLETENESS)
    coverage = _find(values, POLICY_EVIDENCE_COVERAGE)
    assert (denied.numerator, denied.denominator) == (1, 6)
    assert (logged.numerator, logged.denominator) == (2, 3)
    assert (coverage.numerator, coverage.denominator) == (2, 3)


def test_no_records_no_values() -> None:
    assert compute_catalog_metrics([]) == []


def test_errored_records_only_no_data() -> None:
    record = CatalogRecord("x", {}, answered=True, infrastructure_error=True)
    assert compute_catalog_metrics([record]) == []


def test_nan_latency_ignored_as_no_data() -> None:
    record = CatalogRecord("x", {}, interaction=_facts(escalation_required=True))
    values = compute_catalog_metrics([record])
    missed = _find(values, MISSED_ESCALATION_RATE)
    assert (missed.numerator, missed.denominator) == (1, 1)
    assert not [v for v in values if v.metric == ESCALATION_LATENCY_TURNS]
    assert all(v.status is MetricStatus.OK for v in values)


def test_one_latency_value_has_no_interval() -> None:
    record = CatalogRecord(
        "x",
        {},
        interaction=_facts(escalation_required=True, escalated=True, escalation_latency_turns=2),
    )
    value = _find(compute_catalog_metrics([record]), ESCALATION_LATENCY_TURNS)
    assert value.estimate == 2
    assert value.ci_low is None
    assert value.ci_high is None


def test_nan_seconds_left_out() -> None:
    records = [
        CatalogRecord(
            "x",
            {},
            interaction=_facts(
                escalation_required=True,
                escalated=True,
                escalation_latency_turns=1,
                escalation_latency_seconds=float("nan"),
            ),
        ),
        CatalogRecord(
            "y",
            {},
            interaction=_facts(
                escalation_required=True,
                escalated=True,
                escalation_latency_turns=1,
                escalation_latency_seconds=6.0,
            ),
        ),
    ]
    seconds = _find(compute_catalog_metrics(records), ESCALATION_LATENCY_SECONDS)
    assert seconds.estimate == 6.0
    assert seconds.denominator == 1
