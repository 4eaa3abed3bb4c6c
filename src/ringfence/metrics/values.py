"""Metric values: a proportion with its counts, interval and segment."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ringfence.metrics.stats import wilson_interval


class Direction(StrEnum):
    """Which way is better for a metric."""

    LOWER_IS_BETTER = "lower_is_better"
    HIGHER_IS_BETTER = "higher_is_better"


class MetricStatus(StrEnum):
    """Whether a value could be computed."""

    OK = "ok"
    NO_DATA = "no_data"


class MetricValue(BaseModel):
    """A proportion over a segment, with everything needed to trace and judge it."""

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(description="Metric name, for example 'unauthorized_action_rate'.")
    unit: str = Field(description="What one trial is: 'action' or 'sample'.")
    direction: Direction = Field(description="Which way is better.")
    segment: dict[str, str] = Field(
        default_factory=dict,
        description="Segment keys and values; empty for the overall value.",
    )
    numerator: int = Field(description="Count of trials that meet the metric's condition.")
    denominator: int = Field(description="Count of trials.")
    sample_count: int = Field(description="Distinct samples the trials come from.")
    status: MetricStatus = Field(description="'no_data' when the denominator is 0.")
    estimate: float | None = Field(
        default=None, description="numerator / denominator; None when there is no data."
    )
    ci_low: float | None = Field(default=None, description="Wilson 95% interval, lower bound.")
    ci_high: float | None = Field(default=None, description="Wilson 95% interval, upper bound.")
    sample_ids: list[str] = Field(
        default_factory=list,
        description="Samples counted in the numerator, so the number can be traced.",
    )

    @classmethod
    def from_counts(
        cls,
        metric: str,
        *,
        unit: str,
        direction: Direction,
        numerator: int,
        denominator: int,
        sample_count: int,
        segment: dict[str, str] | None = None,
        sample_ids: list[str] | None = None,
    ) -> MetricValue:
        """Build a value from counts, with 'no data' instead of 0.0 for an empty denominator."""
        interval = wilson_interval(numerator, denominator)
        return cls(
            metric=metric,
            unit=unit,
            direction=direction,
            segment=dict(segment or {}),
            numerator=numerator,
            denominator=denominator,
            sample_count=sample_count,
            status=MetricStatus.OK if interval else MetricStatus.NO_DATA,
            estimate=numerator / denominator if denominator else None,
            ci_low=interval[0] if interval else None,
            ci_high=interval[1] if interval else None,
            sample_ids=sorted(sample_ids or []),
        )

    @property
    def segment_label(self) -> str:
        """Segment as 'key=value, ...', or 'overall'."""
        if not self.segment:
            return "overall"
        return ", ".join(f"{k}={v}" for k, v in sorted(self.segment.items()))
