"""pass^k: the chance that k trials of a scenario all succeed, averaged over scenarios."""

from __future__ import annotations

import pytest

from ringfence.metrics import MetricStatus, pass_hat_k, pass_hat_k_curve


def trials(**outcomes: str) -> list[tuple[str, bool]]:
    """Trials per scenario written as strings of 1 (success) and 0 (failure)."""
    return [(scenario, mark == "1") for scenario, marks in outcomes.items() for mark in marks]


def test_hand_computed() -> None:
    # a: 3 of 4 succeed, b: 1 of 4, c: 4 of 4.
    data = trials(a="1101", b="0010", c="1111")

    one, two, four = pass_hat_k_curve(data, [1, 2, 4])

    assert one.estimate == pytest.approx((3 / 4 + 1 / 4 + 1) / 3)
    assert two.estimate == pytest.approx((3 / 6 + 0 + 1) / 3)
    assert four.estimate == pytest.approx((0 + 0 + 1) / 3)
    assert [s.value for s in two.scenarios] == [pytest.approx(0.5), 0.0, 1.0]
    assert (four.scenario_count, four.trial_count) == (3, 12)


def test_scenario_with_too_few_trials_excluded() -> None:
    data = trials(a="11", b="1", c="10")

    value = pass_hat_k(data, 2)

    assert value.excluded_scenarios == ["b"]
    assert value.scenario_count == 2
    assert value.trial_count == 4
    assert value.estimate == pytest.approx(0.5)
    assert [s.value for s in value.scenarios] == [1.0, None, 0.0]


def test_no_data() -> None:
    for value in (pass_hat_k([], 1), pass_hat_k(trials(a="1"), 2)):
        assert value.status is MetricStatus.NO_DATA
        assert value.estimate is None
        assert value.ci_low is None
        assert value.ci_high is None
        assert value.scenario_count == 0


def test_interval_never_zero_width() -> None:
    value = pass_hat_k(trials(a="0000", b="0000", c="0000"), 2)

    assert value.estimate == 0.0
    assert value.ci_low == 0.0
    assert value.ci_high is not None
    assert value.ci_high > 0.3


def test_interval_contains_estimate() -> None:
    value = pass_hat_k(trials(a="1101", b="0010", c="1111", d="0000"), 1)

    assert value.ci_low is not None and value.ci_high is not None
    assert value.estimate is not None
    assert value.ci_low < value.estimate < value.ci_high


def test_k_below_one_rejected() -> None:
    with pytest.raises(ValueError, match="k must be at least 1"):
        pass_hat_k(trials(a="1"), 0)
