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
from ringfence.metrics.reliability import (
    PassHatK,
    ScenarioReliability,
    pass_hat_k,
    pass_hat_k_curve,
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
    "PassHatK",
    "SampleRecord",
    "ScenarioReliability",
    "compute_behaviour_metrics",
    "pass_hat_k",
    "pass_hat_k_curve",
    "wilson_interval",
]
