"""Gate evaluation: compare metric values with a gate policy and decide green, yellow or red.

Rules for one check with a `max` threshold (a `min` threshold mirrors them):

- no data for the metric: could not evaluate (a gate never passes on missing evidence);
- point estimate above the threshold: red;
- fewer trials than the check's minimum: yellow;
- upper bound of the Wilson 95% interval within the threshold: green;
- otherwise (point estimate within, interval not): yellow.

The decision is the worst verdict of all checks; too many samples that failed to import make it
'could not evaluate'.
"""

from __future__ import annotations

from ringfence.gate.decision import VERDICT_ORDER, CheckResult, Decision, Verdict
from ringfence.gate.policy import GatePolicy, MetricCheck
from ringfence.metrics.values import MetricValue


def evaluate_gate(policy: GatePolicy, metrics: list[MetricValue], skipped_samples: int) -> Decision:
    """Decide on a set of metric values."""
    checks: list[CheckResult] = []
    for check in policy.checks:
        checks += _run_check(policy, check, metrics)
    if skipped_samples > policy.max_skipped_samples:
        checks.append(
            CheckResult(
                metric="import",
                verdict=Verdict.ERROR,
                reason=(
                    f"{skipped_samples} input samples could not be imported (the policy allows "
                    f"{policy.max_skipped_samples}), so the evidence is incomplete"
                ),
            )
        )
    verdict = max((c.verdict for c in checks), key=VERDICT_ORDER.__getitem__, default=Verdict.ERROR)
    return Decision(
        verdict=verdict,
        checks=checks,
        reasons=[c.reason for c in checks if c.verdict is not Verdict.GREEN],
        gate_policy_name=policy.name,
        gate_policy_sha256=policy.sha256(),
        ring=policy.ring.value if policy.ring else None,
    )


def _run_check(
    policy: GatePolicy, check: MetricCheck, metrics: list[MetricValue]
) -> list[CheckResult]:
    if check.per is None:
        overall = [m for m in metrics if m.metric == check.metric and not m.segment]
        value = overall[0] if overall else None
        return [_judge(policy, check, value, {})]
    segmented = [m for m in metrics if m.metric == check.metric and check.per in m.segment]
    if not segmented:
        return [_judge(policy, check, None, {check.per: "*"})]
    return [_judge(policy, check, m, m.segment) for m in segmented]


def _judge(
    policy: GatePolicy, check: MetricCheck, value: MetricValue | None, segment: dict[str, str]
) -> CheckResult:
    bound = "max" if check.max is not None else "min"
    threshold = check.max if check.max is not None else check.min
    assert threshold is not None  # guaranteed by MetricCheck validation
    where = check.metric + (
        f" [{', '.join(f'{k}={v}' for k, v in segment.items())}]" if segment else ""
    )
    base = CheckResult(
        metric=check.metric,
        segment=segment,
        verdict=Verdict.ERROR,
        reason="",
        threshold=threshold,
        bound=bound,
    )
    if value is None or value.estimate is None or value.ci_low is None or value.ci_high is None:
        base.reason = f"{where}: no data, so the threshold cannot be checked"
        return base
    base.estimate, base.ci_low, base.ci_high = value.estimate, value.ci_low, value.ci_high
    base.denominator = value.denominator
    numbers = (
        f"{value.numerator}/{value.denominator} = {value.estimate:.2%} "
        f"(95% CI {value.ci_low:.2%}-{value.ci_high:.2%})"
    )
    breached = value.estimate > threshold if bound == "max" else value.estimate < threshold
    interval_within = value.ci_high <= threshold if bound == "max" else value.ci_low >= threshold
    needed = check.min_samples or policy.min_samples
    limit = f"{bound} {threshold:.2%}"
    if breached:
        base.verdict, base.reason = Verdict.RED, f"{where}: {numbers} breaches {limit}"
    elif value.denominator < needed:
        base.verdict = Verdict.YELLOW
        base.reason = (
            f"{where}: {numbers} is within {limit} but rests on {value.denominator} "
            f"trials, fewer than the {needed} required"
        )
    elif interval_within:
        base.verdict, base.reason = Verdict.GREEN, f"{where}: {numbers} meets {limit}"
    else:
        side = "upper" if bound == "max" else "lower"
        base.verdict = Verdict.YELLOW
        base.reason = (
            f"{where}: {numbers}: the estimate meets {limit} but the interval's "
            f"{side} bound does not"
        )
    return base
