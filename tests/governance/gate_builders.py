"""Builders for the gate governance tests: metric values, runs, gate policies, exceptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ringfence.gate import GatePolicy
from ringfence.governance import ExceptionKind, GateException
from ringfence.metrics.behaviour import METRIC_DIRECTIONS
from ringfence.metrics.values import MetricValue
from ringfence.results import RunResult, TargetVersion

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
"""The clock of every test that needs one."""

LATER = NOW + timedelta(days=30)
EARLIER = NOW - timedelta(days=1)


def rate(
    metric: str,
    numerator: int,
    denominator: int,
    *,
    sample_ids: list[str] | None = None,
    sample_count: int | None = None,
    **segment: str,
) -> MetricValue:
    """Build a metric value from counts, with the metric's own direction."""
    return MetricValue.from_counts(
        metric,
        unit="sample",
        direction=METRIC_DIRECTIONS[metric],
        numerator=numerator,
        denominator=denominator,
        sample_count=denominator if sample_count is None else sample_count,
        segment=segment,
        sample_ids=sample_ids,
    )


def policy(**fields: Any) -> GatePolicy:
    """Build a staging gate policy; `checks` defaults to one max 5% unauthorized-sample check."""
    settings: dict[str, Any] = {
        "version": 1,
        "name": "test",
        "ring": "staging",
        "min_samples": 30,
        "checks": [{"metric": "unauthorized_action_sample_rate", "max": 0.05}],
    }
    settings.update(fields)
    return GatePolicy.model_validate(settings)


def run_result(
    run_id: str,
    metrics: list[MetricValue],
    *,
    target: str = "support-agent",
    suite_version: str | None = "v1",
) -> RunResult:
    """Build a scored run with the given metric values and no samples."""
    return RunResult(
        run_id=run_id,
        ringfence_version="0.1.0",
        created_at="2025-06-01T00:00:00+00:00",
        tool_policy_sha256="b" * 64,
        target=TargetVersion(name=target, version="1", tool_set_sha256="c" * 64),
        suite_version=suite_version,
        metrics=metrics,
    )


def gate_exception(
    exception_id: int,
    *,
    metric: str | None = None,
    scenario_id: str | None = None,
    expires_at: datetime = LATER,
    **fields: Any,
) -> GateException:
    """Build a stored exception: a metric one when `metric` is given, else a scenario one."""
    values: dict[str, Any] = {
        "id": exception_id,
        "kind": ExceptionKind.METRIC if metric is not None else ExceptionKind.SCENARIO,
        "metric": metric,
        "scenario_id": scenario_id,
        "approver": "alice",
        "reason": "known sandbox flake",
        "created_at": EARLIER,
        "expires_at": expires_at,
    }
    values.update(fields)
    return GateException.model_validate(values)
