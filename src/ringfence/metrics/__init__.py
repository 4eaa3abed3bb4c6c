"""Metrics: proportions with counts, Wilson intervals and segments. No data is never 0."""

from ringfence.metrics.behaviour import (
    INFRASTRUCTURE_ERROR_RATE,
    PROMPT_RESISTANCE_RATE,
    UNAUTHORIZED_ACTION_RATE,
    UNAUTHORIZED_SAMPLE_RATE,
    ActionRecord,
    SampleRecord,
    compute_behaviour_metrics,
)
from ringfence.metrics.stats import wilson_interval
from ringfence.metrics.values import Direction, MetricStatus, MetricValue

__all__ = [
    "INFRASTRUCTURE_ERROR_RATE",
    "PROMPT_RESISTANCE_RATE",
    "UNAUTHORIZED_ACTION_RATE",
    "UNAUTHORIZED_SAMPLE_RATE",
    "ActionRecord",
    "Direction",
    "MetricStatus",
    "MetricValue",
    "SampleRecord",
    "compute_behaviour_metrics",
    "wilson_interval",
]
