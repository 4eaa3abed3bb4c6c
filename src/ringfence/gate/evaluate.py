"""Gate evaluation: compare metric values with a gate policy and decide green, yellow or red.

Rules for one threshold check with a `max` threshold (a `min` threshold mirrors them):

- no data for the metric: could not evaluate (a gate never passes on missing evidence);
- point estimate above the threshold: red;
- fewer trials than the check's minimum: yellow;
- upper bound of the Wilson 95% interval within the threshold: green;
- otherwise (point estimate within, interval not): yellow.

The reason of a yellow or red threshold check also gives the number of trials at the observed
rate that would let the Wilson bound meet the threshold, or states that no number would.

Around the thresholds, the gate works in four steps. It first removes the hits of samples that
a scenario exception waives. It then compares with a baseline run
(`ringfence.governance.baseline`) and waives the checks that a metric exception covers
(`ringfence.governance.exceptions`). Last it checks the policy's coverage requirements
(`ringfence.governance.coverage`), the samples that failed to import, and critical violations.

The decision is the worst verdict of all checks, red ranking above 'could not evaluate'. Missing
coverage, too many samples that failed to import, and a missing baseline under
`require_baseline` make it 'could not evaluate' unless a check is red.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ringfence.gate.decision import VERDICT_ORDER, CheckKind, CheckResult, Decision, Verdict
from ringfence.gate.policy import GatePolicy, MetricCheck
from ringfence.metrics.catalog import CRITICAL_VIOLATION_RATE
from ringfence.metrics.values import MetricValue

if TYPE_CHECKING:
    from ringfence.governance.baseline import BaselineRun
    from ringfence.governance.exceptions import GateException


def evaluate_gate(
    policy: GatePolicy,
    metrics: list[MetricValue],
    skipped_samples: int,
    *,
    baseline: BaselineRun | None = None,
    missing_baseline: str | None = None,
    exceptions: Sequence[GateException] = (),
    target_name: str | None = None,
    now: datetime | None = None,
) -> Decision:
    """Decide on a run's metric values.

    `baseline` is the run to compare with, if any, and `missing_baseline` explains why there
    is none. `exceptions` may include expired and revoked ones. The gate uses only those for
    the policy's ring and `target_name` that are active at `now` (default: the current time).
    """
    # Imported here because ringfence.governance reads the evidence store, and the store
    # imports this package for the Decision model: a module-level import would be circular.
    from ringfence.governance import _waivers, coverage, sample_size
    from ringfence.governance import baseline as baselines

    moment = now or datetime.now(UTC)
    ring = policy.ring.value if policy.ring else None
    scope = _waivers.ExceptionScope(ring=ring, target=target_name, now=moment)
    exception_sets = _waivers.ExceptionSets.select(exceptions, scope)
    adjusted = _waivers.remove_waived_samples(metrics, exception_sets.active)

    judged = threshold_checks(policy, adjusted.metrics)
    for check, value in judged:
        sample_size.add_sample_size_advice(check, value)
    _note_verdicts_before(judged, threshold_checks(policy, metrics))
    checks = [check for check, _ in judged]
    checks += baselines.regression_checks(policy, adjusted.metrics, baseline, missing_baseline)

    used = _waivers.UsageLog()
    _waivers.note_adjusted_checks(checks, adjusted, used)
    expired = _waivers.expired_matches(checks, metrics, exception_sets.expired)
    used.merge(_waivers.waive_checks(checks, exception_sets.active))

    gaps = coverage.find_coverage_gaps(policy.coverage, metrics)
    checks += coverage.coverage_checks(policy.coverage, metrics)
    checks += import_checks(policy, skipped_samples)
    checks += stop_the_line_checks(policy, metrics)
    verdict = max((c.verdict for c in checks), key=VERDICT_ORDER.__getitem__, default=Verdict.ERROR)
    return Decision(
        verdict=verdict,
        checks=checks,
        reasons=[c.reason for c in checks if c.verdict is not Verdict.GREEN],
        gate_policy_name=policy.name,
        gate_policy_sha256=policy.sha256(),
        ring=ring,
        evaluated_at=moment.astimezone(UTC).isoformat(timespec="seconds"),
        baseline_run_id=baseline.run_id if baseline else None,
        exceptions_used=used.uses(),
        expired_exceptions=expired.uses(),
        coverage_missing=gaps,
    )


def stop_the_line_checks(policy: GatePolicy, metrics: Sequence[MetricValue]) -> list[CheckResult]:
    """Return a red check when any sample has a critical violation, unless the policy turns
    that off. Exceptions do not waive it, because a critical violation must be looked at before
    any release.
    """
    if not policy.stop_on_critical:
        return []
    critical = next(
        (m for m in metrics if m.metric == CRITICAL_VIOLATION_RATE and not m.segment), None
    )
    if critical is None or critical.numerator == 0:
        return []
    shown = ", ".join(critical.sample_ids[:5])
    more = f" and {len(critical.sample_ids) - 5} more" if len(critical.sample_ids) > 5 else ""
    return [
        CheckResult(
            metric=CRITICAL_VIOLATION_RATE,
            kind=CheckKind.STOP_THE_LINE,
            verdict=Verdict.RED,
            reason=(
                f"stop the line: {critical.numerator} of {critical.denominator} samples have a "
                f"critical violation ({shown}{more})"
            ),
            estimate=critical.estimate,
            denominator=critical.denominator,
        )
    ]


def threshold_checks(
    policy: GatePolicy, metrics: Sequence[MetricValue]
) -> list[tuple[CheckResult, MetricValue | None]]:
    """Judge every threshold of the policy, each with the value it judged (None: no data)."""
    judged: list[tuple[CheckResult, MetricValue | None]] = []
    for check in policy.checks:
        values = checked_values(check, metrics)
        if not values:
            segment = {check.per: "*"} if check.per is not None else {}
            judged.append((judge_threshold(policy, check, None, segment), None))
        for value in values:
            judged.append((judge_threshold(policy, check, value, value.segment), value))
    return judged


def checked_values(check: MetricCheck, metrics: Sequence[MetricValue]) -> list[MetricValue]:
    """Return the values a check judges: the overall value, or each value of its segment key."""
    if check.per is None:
        return [m for m in metrics if m.metric == check.metric and not m.segment][:1]
    return [m for m in metrics if m.metric == check.metric and check.per in m.segment]


def import_checks(policy: GatePolicy, skipped_samples: int) -> list[CheckResult]:
    """Return a 'could not evaluate' check when more samples failed to import than allowed."""
    if skipped_samples <= policy.max_skipped_samples:
        return []
    reason = (
        f"{skipped_samples} input samples could not be imported (the policy allows "
        f"{policy.max_skipped_samples}), so the evidence is incomplete"
    )
    return [
        CheckResult(metric="import", kind=CheckKind.IMPORT, verdict=Verdict.ERROR, reason=reason)
    ]


def judge_threshold(
    policy: GatePolicy, check: MetricCheck, value: MetricValue | None, segment: dict[str, str]
) -> CheckResult:
    """Judge one metric value against one threshold check."""
    bound = "max" if check.max is not None else "min"
    threshold = check.max if check.max is not None else check.min
    if threshold is None:
        raise ValueError(f"check of {check.metric} has neither 'max' nor 'min'")

    needed = check.min_samples or policy.min_samples
    base = CheckResult(
        metric=check.metric,
        segment=segment,
        verdict=Verdict.ERROR,
        reason="",
        threshold=threshold,
        bound=bound,
        min_samples=needed,
    )
    where = base.name if segment else check.metric
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


def _note_verdicts_before(
    judged: list[tuple[CheckResult, MetricValue | None]],
    unadjusted: list[tuple[CheckResult, MetricValue | None]],
) -> None:
    """Keep the verdict a check had before scenario exceptions changed the value it judged."""
    for (check, value), (check_before, value_before) in zip(judged, unadjusted, strict=True):
        if value is not value_before and check.verdict is not check_before.verdict:
            check.verdict_before_waiver = check_before.verdict
