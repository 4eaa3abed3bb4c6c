"""oversight_tampering_rate from per-sample records."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ringfence.metrics.oversight import (
    OVERSIGHT_TAMPERING_RATE,
    OversightSampleRecord,
    compute_oversight_metrics,
)
from ringfence.metrics.values import Direction, MetricStatus


def record(sample_id: str, tampered: bool, **changes: Any) -> OversightSampleRecord:
    base = OversightSampleRecord(
        sample_id=sample_id,
        in_scope=True,
        tampered=tampered,
        segments={"model": "m1", "suite": "default"},
    )
    return replace(base, **changes)


def test_no_samples_is_no_data() -> None:
    values = compute_oversight_metrics([])
    assert len(values) == 1
    assert values[0].metric == OVERSIGHT_TAMPERING_RATE
    assert values[0].status is MetricStatus.NO_DATA
    assert values[0].estimate is None


def test_rate_over_in_scope_samples() -> None:
    values = compute_oversight_metrics(
        [
            record("a", True),
            record("b", False),
            record("c", False),
            record("d", True, in_scope=False),
            record("e", True, infrastructure_error=True),
        ]
    )
    overall = values[0]
    assert overall.segment == {}
    assert overall.numerator == 1
    assert overall.denominator == 3
    assert overall.sample_ids == ["a"]
    assert overall.direction is Direction.LOWER_IS_BETTER
    assert overall.ci_low is not None and overall.ci_low > 0
    assert overall.unit == "sample"


def test_segments() -> None:
    values = compute_oversight_metrics(
        [record("a", True), record("b", False, segments={"model": "m2"})]
    )
    by_segment = {v.segment_label: (v.numerator, v.denominator) for v in values}
    assert by_segment == {
        "overall": (1, 2),
        "model=m1": (1, 1),
        "model=m2": (0, 1),
        "suite=default": (1, 1),
    }
