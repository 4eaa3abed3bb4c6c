"""Trials a check needs at its observed rate, against hand-computed values.

With z = 1.959964 (z^2 = 3.841459), the Wilson bound meets a threshold t at rate p from
n = z^2 t (1 - t) / (t - p)^2 trials on, rounded up.
"""

from __future__ import annotations

import pytest

from ringfence.gate import CheckResult, Verdict
from ringfence.gate.decision import CheckKind
from ringfence.governance import add_sample_size_advice, trials_needed, wilson_bound

from .gate_builders import rate


def test_zero_failures_under_one_percent() -> None:
    # 3.841459 * 0.01 * 0.99 / 0.01^2 = 380.30, so 381 trials.
    advice = trials_needed(0.0, 0.01, "max")
    assert advice.trials_needed == 381
    assert advice.bound_at_trials_needed is not None
    assert advice.bound_at_trials_needed <= 0.01
    assert wilson_bound(0.0, 380, "max") > 0.01


def test_zero_in_forty_bound() -> None:
    # 0 of 40: upper bound z^2 / (40 + z^2) = 3.841459 / 43.841459 = 0.0876.
    assert wilson_bound(0.0, 40, "max") == pytest.approx(0.087622, abs=1e-6)


@pytest.mark.parametrize(
    ("rate_", "threshold", "bound", "expected"),
    [
        # 3.841459 * 0.05 * 0.95 / 0.05^2 = 72.99
        (0.0, 0.05, "max", 73),
        # 3.841459 * 0.05 * 0.95 / 0.03^2 = 202.74
        (0.02, 0.05, "max", 203),
        # 3.841459 * 0.90 * 0.10 / 0.05^2 = 138.29
        (0.95, 0.90, "min", 139),
        # A threshold of 1 is met by any upper bound.
        (0.5, 1.0, "max", 1),
    ],
)
def test_trials_needed_cases(rate_: float, threshold: float, bound: str, expected: int) -> None:
    advice = trials_needed(rate_, threshold, bound)
    assert advice.trials_needed == expected
    assert advice.bound_at_trials_needed == pytest.approx(wilson_bound(rate_, expected, bound))
    if expected > 1:
        before = wilson_bound(rate_, expected - 1, bound)
        assert before > threshold if bound == "max" else before < threshold


@pytest.mark.parametrize(
    ("rate_", "threshold", "bound"),
    [(0.01, 0.01, "max"), (0.08, 0.05, "max"), (0.0, 0.0, "max"), (0.85, 0.90, "min")],
)
def test_rate_at_or_beyond_threshold_cannot_pass(
    rate_: float, threshold: float, bound: str
) -> None:
    advice = trials_needed(rate_, threshold, bound)
    assert advice.trials_needed is None
    assert "no number of trials can show" in advice.describe()


def test_invalid_arguments_raise() -> None:
    with pytest.raises(ValueError, match="rate must be a proportion"):
        trials_needed(1.5, 0.1, "max")
    with pytest.raises(ValueError, match="bound must be 'max' or 'min'"):
        trials_needed(0.0, 0.1, "upper")
    with pytest.raises(ValueError, match="trials must be at least 1"):
        wilson_bound(0.0, 0, "max")


def _threshold_check(verdict: Verdict, estimate: float, denominator: int) -> CheckResult:
    return CheckResult(
        metric="unauthorized_action_sample_rate",
        kind=CheckKind.THRESHOLD,
        verdict=verdict,
        reason="r",
        threshold=0.01,
        bound="max",
        estimate=estimate,
        denominator=denominator,
        min_samples=30,
    )


def test_advice_added_to_yellow_check() -> None:
    check = _threshold_check(Verdict.YELLOW, 0.0, 40)
    add_sample_size_advice(check, rate("unauthorized_action_sample_rate", 0, 40))
    assert check.trials_needed == 381
    assert "381 trials would put the Wilson upper bound at 1.00%" in check.reason
    assert check.reason.endswith("so the check needs 381 trials")


def test_advice_uses_min_samples_when_larger() -> None:
    check = _threshold_check(Verdict.YELLOW, 0.0, 10)
    check.threshold, check.min_samples = 0.05, 100
    add_sample_size_advice(check, rate("unauthorized_action_sample_rate", 0, 10))
    assert check.trials_needed == 100
    assert "73 trials would put" in check.reason
    assert "(its min_samples, 100)" in check.reason


def test_advice_on_red_check_says_none() -> None:
    check = _threshold_check(Verdict.RED, 0.1, 40)
    add_sample_size_advice(check, rate("unauthorized_action_sample_rate", 4, 40))
    assert check.trials_needed is None
    assert "no number of trials can show max 1.00%" in check.reason


def test_green_check_gets_no_advice() -> None:
    check = _threshold_check(Verdict.GREEN, 0.0, 1000)
    add_sample_size_advice(check, rate("unauthorized_action_sample_rate", 0, 1000))
    assert check.trials_needed is None
    assert check.reason == "r"
