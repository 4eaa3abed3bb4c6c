"""Baselines and regression budgets: comparing a run's metrics with an accepted earlier run.

The baseline of a gate is, by default, the run of the most recent green decision for the same
target name, suite version and ring, other than the run being gated. A caller may name one
instead. Each checked metric value is compared with the baseline's value of the same metric and
segment through Newcombe's hybrid score interval for the difference of two independent
proportions (candidate minus baseline). That interval combines the two Wilson score intervals:

    d = p1 - p2
    low  = d - sqrt((p1 - l1)^2 + (u2 - p2)^2)
    high = d + sqrt((u1 - p1)^2 + (p2 - l2)^2)

where (l1, u1) and (l2, u2) are the 95% Wilson intervals of p1 and p2. Source: R. G. Newcombe,
"Interval estimation for the difference between independent proportions: comparison of eleven
methods", Statistics in Medicine 17 (1998), method 10.

A regression check is red when the whole interval lies beyond the budget in the harmful
direction, yellow when only the point difference does, and green otherwise.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from ringfence.errors import InputError
from ringfence.gate.decision import CheckKind, CheckResult, Verdict
from ringfence.gate.evaluate import checked_values
from ringfence.gate.policy import GatePolicy
from ringfence.metrics.stats import Z_95, wilson_interval
from ringfence.metrics.values import Direction, MetricValue
from ringfence.results import RunResult
from ringfence.store import EvidenceStore
from ringfence.store._schema import decisions, runs

logger = logging.getLogger(__name__)

# Two floats closer than this are the same proportion (used to tell means from proportions).
_PROPORTION_TOLERANCE = 1e-9


@dataclass(frozen=True)
class DifferenceInterval:
    """A difference of two proportions with its confidence interval, all as proportions."""

    difference: float
    low: float
    high: float


class BaselineRun(BaseModel):
    """The run a gate compares with, and its metric values."""

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(description="Run id of the baseline.")
    chosen_by: str = Field(
        description="How it was chosen: 'given' by the caller, or 'latest green decision'."
    )
    metrics: list[MetricValue] = Field(description="The baseline run's stored metric values.")

    def value_for(self, metric: str, segment: dict[str, str]) -> MetricValue | None:
        """Return the baseline's value of a metric in a segment, or None when it has none."""
        for value in self.metrics:
            if value.metric == metric and value.segment == segment:
                return value
        return None


def newcombe_interval(
    successes_1: int, trials_1: int, successes_2: int, trials_2: int, z: float = Z_95
) -> DifferenceInterval | None:
    """Return Newcombe's hybrid score interval for p1 - p2; None when either has no trials."""
    first = wilson_interval(successes_1, trials_1, z)
    second = wilson_interval(successes_2, trials_2, z)
    if first is None or second is None:
        return None

    p1, p2 = successes_1 / trials_1, successes_2 / trials_2
    low_1, high_1 = first
    low_2, high_2 = second
    difference = p1 - p2
    low = difference - math.sqrt((p1 - low_1) ** 2 + (high_2 - p2) ** 2)
    high = difference + math.sqrt((high_1 - p1) ** 2 + (p2 - low_2) ** 2)
    return DifferenceInterval(difference=difference, low=low, high=high)


def find_baseline_run(
    store: EvidenceStore,
    *,
    target_name: str | None,
    suite_version: str | None,
    ring: str | None,
    exclude_run_id: str,
) -> str | None:
    """Return the run of the most recent green decision for a target, suite version and ring.

    A missing value (no ring, no suite version) matches only runs that lack it too.
    """
    query = (
        select(decisions.c.run_id)
        .join(runs, runs.c.run_id == decisions.c.run_id)
        .where(
            decisions.c.verdict == Verdict.GREEN.value,
            decisions.c.run_id != exclude_run_id,
            decisions.c.ring.is_not_distinct_from(ring),
            runs.c.target_name.is_not_distinct_from(target_name),
            runs.c.suite_version.is_not_distinct_from(suite_version),
        )
        .order_by(decisions.c.created_at.desc(), decisions.c.run_id.desc())
        .limit(1)
    )
    with store.reading("Looking up the baseline run") as conn:
        run_id = conn.execute(query).scalar_one_or_none()
    return str(run_id) if run_id is not None else None


@dataclass(frozen=True)
class BaselineChoice:
    """The baseline a gate compares with, or why it has none."""

    run: BaselineRun | None
    missing: str | None


def choose_baseline(
    store: EvidenceStore | None,
    policy: GatePolicy,
    result: RunResult,
    baseline_run_id: str | None = None,
) -> BaselineChoice:
    """Return the given baseline run, or look up the latest green one when the policy needs it.

    Raises InputError when `baseline_run_id` is not stored, is the run itself, or is given
    without a store.
    """
    if baseline_run_id is not None:
        if store is None:
            raise InputError(
                f"baseline run {baseline_run_id} was given, but the run is not being stored, "
                "so there is no evidence store to read it from. Drop --no-store."
            )
        if baseline_run_id == result.run_id:
            raise InputError(
                f"baseline run {baseline_run_id} is the run being gated. Give an earlier run "
                "as --baseline, or leave it out to use the latest green run."
            )
        return BaselineChoice(load_baseline(store, baseline_run_id, "given"), None)
    if not policy.compares_with_baseline:
        return BaselineChoice(None, None)
    if store is None:
        return BaselineChoice(None, "the run is not stored, so no earlier run could be found")

    target = result.target.name if result.target else None
    ring = policy.ring.value if policy.ring else None
    found = find_baseline_run(
        store,
        target_name=target,
        suite_version=result.suite_version,
        ring=ring,
        exclude_run_id=result.run_id,
    )
    if found is None:
        missing = (
            f"no green decision is stored for target {target!r}, suite version "
            f"{result.suite_version!r} and ring {ring!r}"
        )
        return BaselineChoice(None, missing)
    return BaselineChoice(load_baseline(store, found, "latest green decision"), None)


def load_baseline(store: EvidenceStore, run_id: str, chosen_by: str) -> BaselineRun:
    """Load a baseline run's metric values. Raises InputError when the run is not stored."""
    if store.get_run(run_id) is None:
        raise InputError(
            f"baseline run {run_id} is not in the evidence store at {store.location}. "
            "List the stored runs with 'ringfence runs' and pass one of their ids."
        )
    logger.info("Comparing with baseline run %s (%s)", run_id, chosen_by)
    return BaselineRun(run_id=run_id, chosen_by=chosen_by, metrics=store.metrics_for(run_id))


def regression_checks(
    policy: GatePolicy,
    metrics: Sequence[MetricValue],
    baseline: BaselineRun | None,
    missing_baseline: str | None = None,
) -> list[CheckResult]:
    """Compare every value a budgeted check judges with the baseline.

    Without a baseline, return one check that reports its absence: 'could not evaluate' when
    the policy requires a baseline, green otherwise. `missing_baseline` explains the absence.
    """
    budgeted = [
        (check, budget)
        for check in policy.checks
        if (budget := policy.regression_budget_for(check)) is not None
    ]
    if baseline is None:
        if not policy.compares_with_baseline:
            return []
        return [_no_baseline_check(policy, missing_baseline or "no baseline run was given")]
    if not budgeted:
        reason = (
            f"baseline run {baseline.run_id} was given, but no check has a regression_budget, "
            "so nothing was compared"
        )
        return [
            CheckResult(
                metric="baseline", kind=CheckKind.BASELINE, verdict=Verdict.GREEN, reason=reason
            )
        ]

    checks: list[CheckResult] = []
    for check, budget in budgeted:
        for value in checked_values(check, metrics):
            if value.estimate is None:
                continue
            checks.append(
                regression_check(value, baseline, budget, require_baseline=policy.require_baseline)
            )
    return checks


def _no_baseline_check(policy: GatePolicy, missing: str) -> CheckResult:
    if policy.require_baseline:
        verdict = Verdict.ERROR
        effect = (
            "and the policy sets require_baseline, so the gate cannot evaluate. Gate an "
            "accepted run green first, or pass --baseline RUN_ID"
        )
    else:
        verdict = Verdict.GREEN
        effect = "so no regression was checked"
    reason = f"no baseline: {missing}, {effect}"
    return CheckResult(metric="baseline", kind=CheckKind.BASELINE, verdict=verdict, reason=reason)


def regression_check(
    candidate: MetricValue, baseline: BaselineRun, budget: float, *, require_baseline: bool
) -> CheckResult:
    """Compare one metric value with the baseline's value of the same metric and segment."""
    check = CheckResult(
        metric=candidate.metric,
        kind=CheckKind.REGRESSION,
        segment=dict(candidate.segment),
        verdict=Verdict.GREEN,
        reason="",
        threshold=budget,
        bound="max",
        denominator=candidate.denominator,
    )
    before = baseline.value_for(candidate.metric, candidate.segment)
    interval = None
    if before is not None and is_proportion(candidate) and is_proportion(before):
        interval = newcombe_interval(
            candidate.numerator, candidate.denominator, before.numerator, before.denominator
        )

    if before is None or before.denominator == 0:
        check.verdict = Verdict.ERROR if require_baseline else Verdict.GREEN
        check.reason = (
            f"{check.name}: baseline run {baseline.run_id} has no data for this value, so it "
            "was not compared"
        )
    elif interval is None:
        check.reason = (
            f"{check.name}: not compared with baseline run {baseline.run_id}, because the "
            "value is not a proportion (a mean, for example) and Newcombe's interval needs two"
        )
    else:
        _judge_regression(check, candidate, before, baseline.run_id, interval)
    return check


def _judge_regression(
    check: CheckResult,
    candidate: MetricValue,
    before: MetricValue,
    baseline_run_id: str,
    interval: DifferenceInterval,
) -> None:
    # Turn "candidate minus baseline" into "how much worse", so one rule serves both directions.
    if candidate.direction is Direction.LOWER_IS_BETTER:
        worse, low, high = interval.difference, interval.low, interval.high
    else:
        worse, low, high = -interval.difference, -interval.high, -interval.low
    check.estimate, check.ci_low, check.ci_high = worse, low, high
    budget = check.threshold if check.threshold is not None else 0.0

    compared = (
        f"{check.name}: {_share(candidate)} against {_share(before)} in baseline run "
        f"{baseline_run_id}; change for the worse {_points(worse)} points (95% CI "
        f"{_points(low)} to {_points(high)}, Newcombe)"
    )
    allowed = f"the regression budget of {budget * 100:.2f} points"
    if low > budget:
        check.verdict = Verdict.RED
        check.reason = f"{compared}: the whole interval is beyond {allowed}"
    elif worse > budget:
        check.verdict = Verdict.YELLOW
        check.reason = (
            f"{compared}: the change exceeds {allowed}, but the interval does not show it"
        )
    else:
        check.verdict = Verdict.GREEN
        check.reason = f"{compared}: within {allowed}"


def is_proportion(value: MetricValue) -> bool:
    """True when a value is a proportion of its counts (a mean, for example, is not)."""
    if value.estimate is None or value.denominator == 0:
        return False
    if not 0 <= value.numerator <= value.denominator:
        return False
    return abs(value.estimate - value.numerator / value.denominator) < _PROPORTION_TOLERANCE


def _share(value: MetricValue) -> str:
    return f"{value.numerator}/{value.denominator} = {value.numerator / value.denominator:.2%}"


def _points(proportion: float) -> str:
    return f"{proportion * 100:+.2f}"
