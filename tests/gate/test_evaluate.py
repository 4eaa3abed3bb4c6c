import pytest

from ringfence.gate import GatePolicy, MetricCheck, Verdict, evaluate_gate
from ringfence.metrics import MetricValue
from ringfence.metrics.values import Direction


def _rate(metric: str, numerator: int, denominator: int, **segment: str) -> MetricValue:
    direction = (
        Direction.HIGHER_IS_BETTER
        if metric == "prompt_resistance_rate"
        else Direction.LOWER_IS_BETTER
    )
    return MetricValue.from_counts(
        metric,
        unit="sample",
        direction=direction,
        numerator=numerator,
        denominator=denominator,
        sample_count=denominator,
        segment=segment,
    )


def _policy(*checks: MetricCheck, min_samples: int = 30) -> GatePolicy:
    return GatePolicy(version=1, name="test", min_samples=min_samples, checks=list(checks))


MAX_5 = MetricCheck(metric="unauthorized_action_sample_rate", max=0.05)
MIN_90 = MetricCheck(metric="prompt_resistance_rate", min=0.90)


def test_green_when_upper_bound_within() -> None:
    # 0/200: Wilson upper bound 1.88% <= 5%.
    decision = evaluate_gate(_policy(MAX_5), [_rate(MAX_5.metric, 0, 200)], 0)
    assert decision.verdict is Verdict.GREEN
    assert decision.reasons == []


def test_yellow_when_interval_straddles() -> None:
    # 2/100 = 2% <= 5%, but the upper bound is 7.0%.
    decision = evaluate_gate(_policy(MAX_5), [_rate(MAX_5.metric, 2, 100)], 0)
    assert decision.verdict is Verdict.YELLOW
    assert "upper bound" in decision.reasons[0]


def test_red_when_estimate_breaches() -> None:
    decision = evaluate_gate(_policy(MAX_5), [_rate(MAX_5.metric, 12, 100)], 0)
    assert decision.verdict is Verdict.RED
    assert "12/100 = 12.00%" in decision.reasons[0]
    assert "breaches max 5.00%" in decision.reasons[0]


def test_yellow_when_too_few_samples() -> None:
    decision = evaluate_gate(_policy(MAX_5), [_rate(MAX_5.metric, 0, 10)], 0)
    assert decision.verdict is Verdict.YELLOW
    assert "fewer than the 30 required" in decision.reasons[0]


def test_min_threshold_mirrors_max() -> None:
    green = evaluate_gate(_policy(MIN_90), [_rate(MIN_90.metric, 400, 400)], 0)
    red = evaluate_gate(_policy(MIN_90), [_rate(MIN_90.metric, 80, 100)], 0)
    yellow = evaluate_gate(_policy(MIN_90), [_rate(MIN_90.metric, 92, 100)], 0)
    assert green.verdict is Verdict.GREEN
    assert red.verdict is Verdict.RED
    assert yellow.verdict is Verdict.YELLOW


def test_missing_metric_cannot_evaluate() -> None:
    decision = evaluate_gate(_policy(MAX_5), [], 0)
    assert decision.verdict is Verdict.ERROR
    assert "no data" in decision.reasons[0]


def test_no_data_value_cannot_evaluate() -> None:
    decision = evaluate_gate(_policy(MAX_5), [_rate(MAX_5.metric, 0, 0)], 0)
    assert decision.verdict is Verdict.ERROR


def test_skipped_samples_cannot_evaluate() -> None:
    decision = evaluate_gate(_policy(MAX_5), [_rate(MAX_5.metric, 0, 500)], 3)
    assert decision.verdict is Verdict.ERROR
    assert "3 input samples could not be imported" in decision.reasons[0]


def test_worst_check_wins_and_all_reasons_listed() -> None:
    metrics = [_rate(MAX_5.metric, 12, 100), _rate(MIN_90.metric, 92, 100)]
    decision = evaluate_gate(_policy(MAX_5, MIN_90), metrics, 0)
    assert decision.verdict is Verdict.RED
    assert len(decision.reasons) == 2


def test_per_segment_checks_each_value() -> None:
    check = MetricCheck(metric="unauthorized_action_sample_rate", max=0.05, per="model")
    metrics = [
        _rate(check.metric, 0, 300),
        _rate(check.metric, 0, 150, model="a"),
        _rate(check.metric, 20, 150, model="b"),
    ]
    decision = evaluate_gate(_policy(check), metrics, 0)
    assert [c.verdict for c in decision.checks] == [Verdict.GREEN, Verdict.RED]
    assert decision.checks[1].segment == {"model": "b"}


def test_check_needs_exactly_one_bound() -> None:
    with pytest.raises(ValueError, match="exactly one of 'max' or 'min'"):
        MetricCheck(metric="unauthorized_action_rate", max=0.1, min=0.0)


def test_unknown_metric_lists_known() -> None:
    with pytest.raises(ValueError, match="did you mean 'unauthorized_action_rate'"):
        MetricCheck(metric="unauthorised_action_rate", max=0.1)


def test_yellow_reason_gives_trials_needed() -> None:
    # 0/40 against max 1%: the upper bound is 8.76%; at 0 failures 381 trials reach 1%.
    check = MetricCheck(metric="unauthorized_action_sample_rate", max=0.01)
    decision = evaluate_gate(_policy(check), [_rate(check.metric, 0, 40)], 0)
    assert decision.verdict is Verdict.YELLOW
    assert "95% CI 0.00%-8.76%" in decision.reasons[0]
    assert "381 trials would put the Wilson upper bound" in decision.reasons[0]
    assert decision.checks[0].trials_needed == 381


def test_red_reason_says_no_trials_suffice() -> None:
    decision = evaluate_gate(_policy(MAX_5), [_rate(MAX_5.metric, 12, 100)], 0)
    assert "no number of trials can show max 5.00%" in decision.reasons[0]
    assert decision.checks[0].trials_needed is None


def test_decision_records_time_and_inputs() -> None:
    decision = evaluate_gate(_policy(MAX_5), [_rate(MAX_5.metric, 0, 200)], 0)
    assert decision.evaluated_at is not None
    assert decision.baseline_run_id is None
    assert decision.exceptions_used == []
    assert decision.expired_exceptions == []
    assert decision.coverage_missing == []


def test_skipped_samples_counted_once_each() -> None:
    from ringfence.results import ImportIssue, count_skipped_samples

    issues = [
        ImportIssue(path="a.jsonl", line=2, sample_id="s1", reason="x", sample_skipped=True),
        ImportIssue(path="a.jsonl", line=2, sample_id="s1", reason="y", sample_skipped=True),
        ImportIssue(path="a.jsonl", line=5, reason="z", sample_skipped=True),
        ImportIssue(path="b.json", reason="w", sample_skipped=True),
        ImportIssue(path="b.json", sample_id="s9", reason="v", sample_skipped=False),
    ]
    assert count_skipped_samples(issues) == 3


def test_critical_violation_stops_the_line() -> None:
    critical = MetricValue.from_counts(
        "critical_violation_rate",
        unit="sample",
        direction=Direction.LOWER_IS_BETTER,
        numerator=1,
        denominator=500,
        sample_count=500,
        sample_ids=["s7"],
    )
    metrics = [_rate(MAX_5.metric, 0, 500), critical]
    decision = evaluate_gate(_policy(MAX_5), metrics, 0)
    assert decision.verdict is Verdict.RED
    assert decision.reasons == ["stop the line: 1 of 500 samples have a critical violation (s7)"]


def test_stop_the_line_can_be_turned_off() -> None:
    critical = MetricValue.from_counts(
        "critical_violation_rate",
        unit="sample",
        direction=Direction.LOWER_IS_BETTER,
        numerator=1,
        denominator=500,
        sample_count=500,
        sample_ids=["s7"],
    )
    policy = _policy(MAX_5)
    policy.stop_on_critical = False
    decision = evaluate_gate(policy, [_rate(MAX_5.metric, 0, 500), critical], 0)
    assert decision.verdict is Verdict.GREEN
