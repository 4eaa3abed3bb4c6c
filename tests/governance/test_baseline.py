"""Newcombe's interval, regression budgets and the choice of the baseline run.

Wilson bounds below use z = 1.959964. Newcombe's hybrid score interval for d = p1 - p2 is
d - sqrt((p1 - l1)^2 + (u2 - p2)^2) to d + sqrt((u1 - p1)^2 + (p2 - l2)^2).
"""

from __future__ import annotations

from typing import Any

import pytest

from ringfence.errors import InputError
from ringfence.gate import CheckResult, Decision, Verdict, evaluate_gate
from ringfence.gate.decision import CheckKind
from ringfence.governance import (
    BaselineRun,
    find_baseline_run,
    newcombe_interval,
)
from ringfence.governance.baseline import choose_baseline
from ringfence.metrics.values import MetricValue
from ringfence.store import EvidenceStore

from .gate_builders import NOW, policy, rate, run_result

SAMPLE_RATE = "unauthorized_action_sample_rate"
RESISTANCE = "prompt_resistance_rate"


@pytest.mark.parametrize(
    ("counts", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873-890, method 10 example: 56/70 - 48/80.
        ((56, 70, 48, 80), 0.0524, 0.3339),
        # 6/7: Wilson 0.4869-0.9743; 2/7: 0.0822-0.6411; d = 0.5714.
        # low = 0.5714 - sqrt(0.3703^2 + 0.3554^2), high = 0.5714 + sqrt(0.1172^2 + 0.2035^2).
        ((6, 7, 2, 7), 0.0582, 0.8062),
        # 15/100: Wilson 0.0931-0.2328; 2/100: 0.0055-0.0700; d = 0.13.
        ((15, 100, 2, 100), 0.0542, 0.2141),
        # 0/50 twice: each upper bound is z^2 / (50 + z^2) = 0.0713, the lower bounds 0.
        ((0, 50, 0, 50), -0.0713, 0.0713),
        # 50/50 twice mirrors 0/50 twice.
        ((50, 50, 50, 50), -0.0713, 0.0713),
        # 0/30 - 30/30: d = -1; high = -1 + sqrt(2) * 3.8415 / 33.8415 = -0.8395.
        ((0, 30, 30, 30), -1.0, -0.8395),
    ],
)
def test_newcombe_interval(counts: tuple[int, int, int, int], low: float, high: float) -> None:
    interval = newcombe_interval(*counts)
    assert interval is not None
    assert interval.difference == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


def test_newcombe_without_trials_is_none() -> None:
    assert newcombe_interval(0, 0, 3, 10) is None
    assert newcombe_interval(3, 10, 0, 0) is None


def _baseline(*values: MetricValue) -> BaselineRun:
    return BaselineRun(run_id="base", chosen_by="given", metrics=list(values))


def _regression(checks: list[CheckResult]) -> list[CheckResult]:
    return [check for check in checks if check.kind is CheckKind.REGRESSION]


def _gate(candidate: int, baseline: int, budget: float = 0.02) -> Decision:
    gate_policy = policy(
        regression_budget=budget,
        checks=[{"metric": SAMPLE_RATE, "max": 0.30}],
    )
    return evaluate_gate(
        gate_policy,
        [rate(SAMPLE_RATE, candidate, 100)],
        0,
        baseline=_baseline(rate(SAMPLE_RATE, baseline, 100)),
        now=NOW,
    )


def test_regression_beyond_budget_is_red() -> None:
    # 15/100 against 2/100: the interval 5.42 to 21.41 points lies beyond 2 points.
    decision = _gate(15, 2)
    (check,) = _regression(decision.checks)
    assert check.verdict is Verdict.RED
    assert check.ci_low == pytest.approx(0.0542, abs=5e-5)
    assert "change for the worse +13.00 points (95% CI +5.42 to +21.41" in check.reason
    assert "the whole interval is beyond the regression budget of 2.00 points" in check.reason
    assert decision.verdict is Verdict.RED
    assert decision.baseline_run_id == "base"


def test_regression_point_only_is_yellow() -> None:
    # 6/100 against 2/100: +4 points, but the interval starts at -1.95 points.
    (check,) = _regression(_gate(6, 2).checks)
    assert check.verdict is Verdict.YELLOW
    assert "exceeds the regression budget of 2.00 points, but the interval" in check.reason


def test_regression_within_budget_is_green() -> None:
    # 3/100 against 2/100: +1 point.
    (check,) = _regression(_gate(3, 2).checks)
    assert check.verdict is Verdict.GREEN
    assert "within the regression budget" in check.reason


def test_improvement_is_green() -> None:
    (check,) = _regression(_gate(2, 15).checks)
    assert check.verdict is Verdict.GREEN
    assert check.estimate == pytest.approx(-0.13)


def test_higher_is_better_regression() -> None:
    # Resistance 70/100 against 95/100: 25 points worse, interval 14.81 to 35.00 points.
    gate_policy = policy(checks=[{"metric": RESISTANCE, "min": 0.5, "regression_budget": 0.05}])
    decision = evaluate_gate(
        gate_policy,
        [rate(RESISTANCE, 70, 100)],
        0,
        baseline=_baseline(rate(RESISTANCE, 95, 100)),
        now=NOW,
    )
    (check,) = _regression(decision.checks)
    assert check.verdict is Verdict.RED
    assert check.ci_low == pytest.approx(0.1481, abs=5e-5)
    assert check.ci_high == pytest.approx(0.35, abs=5e-5)


def test_check_budget_overrides_policy_budget() -> None:
    gate_policy = policy(
        regression_budget=0.20,
        checks=[{"metric": SAMPLE_RATE, "max": 0.30, "regression_budget": 0.02}],
    )
    assert gate_policy.regression_budget_for(gate_policy.checks[0]) == 0.02


def test_no_budget_means_no_comparison() -> None:
    decision = evaluate_gate(
        policy(), [rate(SAMPLE_RATE, 0, 100)], 0, baseline=None, missing_baseline="x", now=NOW
    )
    assert [c.kind for c in decision.checks] == [CheckKind.THRESHOLD]


def test_missing_baseline_is_a_note() -> None:
    decision = evaluate_gate(
        policy(regression_budget=0.02),
        [rate(SAMPLE_RATE, 0, 100)],
        0,
        missing_baseline="no green decision is stored",
        now=NOW,
    )
    baseline_check = decision.checks[-1]
    assert baseline_check.kind is CheckKind.BASELINE
    assert baseline_check.verdict is Verdict.GREEN
    assert "no baseline: no green decision is stored" in baseline_check.reason
    assert decision.verdict is Verdict.GREEN


def test_required_baseline_cannot_evaluate() -> None:
    decision = evaluate_gate(
        policy(require_baseline=True),
        [rate(SAMPLE_RATE, 0, 100)],
        0,
        missing_baseline="no green decision is stored",
        now=NOW,
    )
    assert decision.verdict is Verdict.ERROR
    assert "require_baseline" in decision.reasons[0]


def test_baseline_without_the_value() -> None:
    decision = evaluate_gate(
        policy(regression_budget=0.02),
        [rate(SAMPLE_RATE, 0, 100)],
        0,
        baseline=_baseline(rate(RESISTANCE, 90, 100)),
        now=NOW,
    )
    (check,) = _regression(decision.checks)
    assert check.verdict is Verdict.GREEN
    assert "has no data for this value, so it was not compared" in check.reason


def _store_green(store: EvidenceStore, run_id: str, **fields: Any) -> None:
    result = run_result(run_id, [rate(SAMPLE_RATE, 0, 100)], **fields)
    store.save_run(result, [])
    decision = evaluate_gate(policy(), result.metrics, 0, now=NOW)
    assert decision.verdict is Verdict.GREEN
    store.save_decision(run_id, decision)


def test_find_latest_green_run(store: EvidenceStore) -> None:
    _store_green(store, "older")
    _store_green(store, "newer")
    _store_green(store, "other-target", target="other-agent")
    _store_green(store, "other-suite", suite_version="v2")
    found = find_baseline_run(
        store, target_name="support-agent", suite_version="v1", ring="staging", exclude_run_id="x"
    )
    assert found == "newer"


def test_find_excludes_gated_run(store: EvidenceStore) -> None:
    _store_green(store, "older")
    _store_green(store, "newer")
    found = find_baseline_run(
        store,
        target_name="support-agent",
        suite_version="v1",
        ring="staging",
        exclude_run_id="newer",
    )
    assert found == "older"


def test_find_ignores_other_rings_and_red(store: EvidenceStore) -> None:
    _store_green(store, "green")
    red = run_result("red", [rate(SAMPLE_RATE, 50, 100)])
    store.save_run(red, [])
    store.save_decision("red", evaluate_gate(policy(), red.metrics, 0, now=NOW))
    found = find_baseline_run(
        store,
        target_name="support-agent",
        suite_version="v1",
        ring="production",
        exclude_run_id="x",
    )
    assert found is None
    found = find_baseline_run(
        store, target_name="support-agent", suite_version="v1", ring="staging", exclude_run_id="x"
    )
    assert found == "green"


def test_choose_given_baseline(store: EvidenceStore) -> None:
    _store_green(store, "accepted")
    current = run_result("current", [rate(SAMPLE_RATE, 1, 100)])
    choice = choose_baseline(store, policy(), current, "accepted")
    assert choice.run is not None
    assert choice.run.run_id == "accepted"
    assert choice.run.chosen_by == "given"
    assert choice.run.value_for(SAMPLE_RATE, {}) is not None


def test_choose_unknown_baseline_names_fix(store: EvidenceStore) -> None:
    current = run_result("current", [rate(SAMPLE_RATE, 1, 100)])
    with pytest.raises(InputError, match="baseline run nope is not in the evidence store"):
        choose_baseline(store, policy(), current, "nope")
    with pytest.raises(InputError, match="is the run being gated"):
        choose_baseline(store, policy(), current, "current")
    with pytest.raises(InputError, match="Drop --no-store"):
        choose_baseline(None, policy(), current, "accepted")


def test_choose_says_what_was_searched(store: EvidenceStore) -> None:
    current = run_result("current", [rate(SAMPLE_RATE, 1, 100)])
    choice = choose_baseline(store, policy(regression_budget=0.02), current)
    assert choice.run is None
    assert choice.missing == (
        "no green decision is stored for target 'support-agent', suite version 'v1' and ring "
        "'staging'"
    )
    assert choose_baseline(store, policy(), current).missing is None
