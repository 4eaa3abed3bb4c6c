"""Minimum sample sizes: how many trials a check needs before its Wilson bound can pass.

At an observed rate p and n trials, the Wilson 95% interval is the set of rates r with
n (p - r)^2 <= z^2 r (1 - r). So a threshold t lies at or beyond the interval's bound exactly
when n >= z^2 t (1 - t) / (t - p)^2, and the bound moves towards p as n grows. The smallest such
n is the result, checked against the Wilson formula itself so that rounding cannot make it one
trial off. When p is at or beyond t, no number of trials can show the threshold is met.

Example: with 0 failures, a `max: 0.01` check needs 381 trials (z^2 * 0.01 * 0.99 / 0.01^2 =
380.3), and 0 failures in 40 trials leave the upper bound at 8.8%.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from ringfence.gate.decision import CheckKind, CheckResult, Verdict
from ringfence.governance.baseline import is_proportion
from ringfence.metrics.stats import Z_95
from ringfence.metrics.values import MetricValue


class SampleSizeAdvice(BaseModel):
    """Trials a check needs at its observed rate, or why no number of trials is enough."""

    model_config = ConfigDict(extra="forbid")

    rate: float = Field(description="Observed rate the advice assumes, as a proportion.")
    threshold: float = Field(description="Threshold of the check, as a proportion.")
    bound: str = Field(description="'max' or 'min': which side of the threshold passes.")
    trials_needed: int | None = Field(
        description="Smallest number of trials whose Wilson bound meets the threshold at the "
        "observed rate; None when no number of trials can."
    )
    bound_at_trials_needed: float | None = Field(
        default=None, description="The Wilson bound at `trials_needed` trials."
    )

    def describe(self) -> str:
        """Return the advice as a sentence for a gate reason."""
        side = "upper" if self.bound == "max" else "lower"
        limit = f"{self.bound} {self.threshold:.2%}"
        if self.trials_needed is None or self.bound_at_trials_needed is None:
            return (
                f"at the observed rate of {self.rate:.2%} no number of trials can show "
                f"{limit}, because the rate itself does not meet it"
            )
        return (
            f"at the observed rate of {self.rate:.2%}, {self.trials_needed} trials would put "
            f"the Wilson {side} bound at {self.bound_at_trials_needed:.2%}, within {limit}"
        )


def wilson_bound(rate: float, trials: int, bound: str, z: float = Z_95) -> float:
    """Return the Wilson interval's upper (`bound='max'`) or lower (`'min'`) bound.

    The same formula as `ringfence.metrics.stats.wilson_interval`, taken at a rate instead of a
    count, because the rate times a new number of trials need not be a whole count.
    """
    _check_rate(rate, "rate")
    if trials < 1:
        raise ValueError(f"trials must be at least 1, got {trials}")
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (rate + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(rate * (1 - rate) / trials + z2 / (4 * trials * trials)) / denominator
    if bound == "max":
        return 1.0 if rate == 1.0 else min(1.0, centre + half)
    if bound == "min":
        return 0.0 if rate == 0.0 else max(0.0, centre - half)
    raise ValueError(f"bound must be 'max' or 'min', got {bound!r}")


def trials_needed(rate: float, threshold: float, bound: str, z: float = Z_95) -> SampleSizeAdvice:
    """Return the fewest trials at `rate` whose Wilson bound meets `threshold`.

    `bound` is 'max' (the upper bound must be at most the threshold) or 'min' (the lower bound
    must be at least the threshold). Meeting means reaching: a bound equal to the threshold
    passes, as in the gate.
    """
    _check_rate(rate, "rate")
    _check_rate(threshold, "threshold")
    advice = SampleSizeAdvice(rate=rate, threshold=threshold, bound=bound, trials_needed=None)
    if not _rate_within(rate, threshold, bound):
        return advice

    gap = abs(threshold - rate)
    estimate = max(1, math.ceil(z * z * threshold * (1 - threshold) / (gap * gap)))
    trials = _settle(rate, threshold, bound, estimate, z)
    advice.trials_needed = trials
    advice.bound_at_trials_needed = wilson_bound(rate, trials, bound, z)
    return advice


def _settle(rate: float, threshold: float, bound: str, estimate: int, z: float) -> int:
    """Move the closed-form estimate to the exact smallest passing count, if rounding moved it."""
    trials = estimate
    while not _meets(wilson_bound(rate, trials, bound, z), threshold, bound):
        trials += 1
    while trials > 1 and _meets(wilson_bound(rate, trials - 1, bound, z), threshold, bound):
        trials -= 1
    return trials


def _rate_within(rate: float, threshold: float, bound: str) -> bool:
    # A rate equal to the threshold never passes: the interval always has width around it.
    if bound == "max":
        return rate < threshold
    if bound == "min":
        return rate > threshold
    raise ValueError(f"bound must be 'max' or 'min', got {bound!r}")


def _meets(value: float, threshold: float, bound: str) -> bool:
    return value <= threshold if bound == "max" else value >= threshold


def _check_rate(value: float, name: str) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a proportion between 0 and 1, got {value}")


def add_sample_size_advice(check: CheckResult, value: MetricValue | None) -> None:
    """Add the trials needed to a yellow or red threshold check of a proportion."""
    if check.kind is not CheckKind.THRESHOLD or check.verdict not in (Verdict.YELLOW, Verdict.RED):
        return
    if value is None or value.estimate is None or check.threshold is None or check.bound is None:
        return
    if not is_proportion(value):
        return

    advice = trials_needed(value.estimate, check.threshold, check.bound)
    if advice.trials_needed is None:
        check.reason += f"; {advice.describe()}"
        return
    required = check.min_samples or 0
    check.trials_needed = max(advice.trials_needed, required)
    check.reason += f"; {advice.describe()}, so the check needs {check.trials_needed} trials"
    if required > advice.trials_needed:
        check.reason += f" (its min_samples, {required})"
