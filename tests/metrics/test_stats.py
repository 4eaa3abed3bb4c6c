import math

import pytest

from ringfence.metrics import MetricStatus, MetricValue, wilson_interval
from ringfence.metrics.stats import wilson_interval_of_mean
from ringfence.metrics.values import Direction


def test_wilson_no_trials_is_none() -> None:
    assert wilson_interval(0, 0) is None


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (0, 10, 0.0, 0.27753),
        (10, 10, 0.72247, 1.0),
        (5, 10, 0.23659, 0.76341),
        (1, 1, 0.20654, 1.0),
        (0, 1, 0.0, 0.79346),
        (3, 40, 0.02584, 0.19865),
    ],
)
def test_wilson_hand_computed(successes: int, trials: int, low: float, high: float) -> None:
    interval = wilson_interval(successes, trials)
    assert interval is not None
    assert interval[0] == pytest.approx(low, abs=2e-5)
    assert interval[1] == pytest.approx(high, abs=2e-5)


def test_wilson_never_zero_width_at_extremes() -> None:
    for trials in (1, 2, 40, 1000):
        for successes in (0, trials):
            low, high = wilson_interval(successes, trials) or (math.nan, math.nan)
            assert high - low > 0


def test_wilson_rejects_invalid_counts() -> None:
    with pytest.raises(ValueError, match="invalid counts"):
        wilson_interval(5, 3)


def test_metric_value_no_data_is_not_zero() -> None:
    value = MetricValue.from_counts(
        "unauthorized_action_rate",
        unit="action",
        direction=Direction.LOWER_IS_BETTER,
        numerator=0,
        denominator=0,
        sample_count=0,
    )
    assert value.status is MetricStatus.NO_DATA
    assert value.estimate is None
    assert value.ci_low is None
    assert value.ci_high is None


def test_wilson_of_mean_matches_counts() -> None:
    assert wilson_interval_of_mean(3 / 40, 40) == pytest.approx(wilson_interval(3, 40))
    assert wilson_interval_of_mean(0.5, 0) is None


def test_wilson_of_mean_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="expected 0 <= mean <= 1"):
        wilson_interval_of_mean(1.5, 10)
