"""Every metric ringfence computes, with which way is better and whether it is a proportion.

The gate validates metric names and thresholds against this table. Proportions take thresholds
between 0 and 1; means (latency, severity points) take thresholds in their own unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from ringfence.metrics.behaviour import METRIC_DIRECTIONS as BEHAVIOUR_DIRECTIONS
from ringfence.metrics.catalog import CATALOG_DIRECTIONS, MEAN_METRICS
from ringfence.metrics.judge import JUDGE_METRIC_DIRECTIONS
from ringfence.metrics.oversight import OVERSIGHT_TAMPERING_RATE
from ringfence.metrics.reliability import SAFE_PASS_HAT_K
from ringfence.metrics.values import Direction


@dataclass(frozen=True)
class MetricSpec:
    """What a metric is: its direction and whether its estimate is a proportion."""

    direction: Direction
    proportion: bool


METRICS: dict[str, MetricSpec] = {
    **{name: MetricSpec(d, True) for name, d in BEHAVIOUR_DIRECTIONS.items()},
    **{name: MetricSpec(d, name not in MEAN_METRICS) for name, d in CATALOG_DIRECTIONS.items()},
    OVERSIGHT_TAMPERING_RATE: MetricSpec(Direction.LOWER_IS_BETTER, True),
    SAFE_PASS_HAT_K: MetricSpec(Direction.HIGHER_IS_BETTER, True),
    **{name: MetricSpec(d, True) for name, d in JUDGE_METRIC_DIRECTIONS.items()},
}

METRIC_DIRECTIONS: dict[str, Direction] = {name: s.direction for name, s in METRICS.items()}
"""Direction of every known metric, by name."""
