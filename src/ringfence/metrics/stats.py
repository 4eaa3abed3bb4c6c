"""Interval estimates for proportions."""

from __future__ import annotations

import math

Z_95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float] | None:
    """Wilson score interval for a binomial proportion; None when there are no trials.

    Unlike the normal approximation it never has zero width at 0% or 100%.
    """
    if trials < 0 or successes < 0 or successes > trials:
        raise ValueError(f"invalid counts: {successes} successes of {trials} trials")
    if trials == 0:
        return None
    return wilson_interval_of_mean(successes / trials, trials, z)


def wilson_interval_of_mean(
    estimate: float, count: int, z: float = Z_95
) -> tuple[float, float] | None:
    """Wilson score interval around the mean of `count` values in [0, 1]; None when count is 0.

    A [0, 1] value with mean p has variance at most p(1 - p). So treating the mean as a
    proportion of `count` trials gives an interval at least as wide as one from the values'
    own spread, for large counts. A mean of exactly 0 or 1 keeps that end closed.
    """
    if count < 0 or not 0.0 <= estimate <= 1.0:
        raise ValueError(f"invalid mean {estimate} of {count} values; expected 0 <= mean <= 1")
    if count == 0:
        return None
    p, trials = estimate, count
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    low = 0.0 if p == 0.0 else max(0.0, centre - half)
    high = 1.0 if p == 1.0 else min(1.0, centre + half)
    return low, high
