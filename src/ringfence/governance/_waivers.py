"""Applying exceptions to a gate's metric values and checks, at one point in time.

Scenario exceptions act on metric values before the gate judges them. For each value of a
lower-is-better metric that lists a waived sample in `sample_ids` (the samples counted in its
numerator), the waived samples' hits leave the numerator:

- when the numerator equals the number of listed samples, each sample contributed one hit, so
  the numerator drops by the number of waived samples;
- when every listed sample is waived, the numerator becomes 0;
- otherwise (a value counting several calls of one sample, with only some samples waived) the
  stored value does not say how many hits each sample contributed, so it stays unchanged.

Values of higher-is-better metrics list the samples that passed, not the ones that failed, so
scenario exceptions leave them unchanged.

Metric exceptions act on checks after judging: a red or yellow threshold or regression check of
the waived metric and segment becomes green, with the exception named in its reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ringfence.gate.decision import CheckKind, CheckResult, ExceptionUse, Verdict
from ringfence.governance.baseline import is_proportion
from ringfence.governance.exceptions import ExceptionKind, ExceptionStatus, GateException
from ringfence.metrics.values import Direction, MetricValue

WAIVABLE_KINDS = frozenset({CheckKind.THRESHOLD, CheckKind.REGRESSION})
"""Checks an exception can waive. Coverage, baseline and import checks report missing
evidence, which no exception replaces."""

FAILING = frozenset({Verdict.RED, Verdict.YELLOW})
"""Verdicts an exception can waive. 'Could not evaluate' is never waived."""

ValueKey = tuple[str, tuple[tuple[str, str], ...]]


def value_key(metric: str, segment: dict[str, str]) -> ValueKey:
    """Return a hashable key of a metric value: its metric and sorted segment items."""
    return metric, tuple(sorted(segment.items()))


@dataclass(frozen=True)
class ExceptionScope:
    """Ring, target and time at which a gate applies exceptions."""

    ring: str | None
    target: str | None
    now: datetime


@dataclass
class ExceptionSets:
    """The exceptions in a gate's scope, split by whether they apply at its time."""

    active: list[GateException]
    expired: list[GateException]

    @classmethod
    def select(cls, exceptions: Sequence[GateException], scope: ExceptionScope) -> ExceptionSets:
        """Keep the unrevoked exceptions for the scope's ring and target, split by status."""
        in_scope = [e for e in exceptions if e.in_scope(scope.ring, scope.target)]
        return cls(
            active=[e for e in in_scope if e.status(scope.now) is ExceptionStatus.ACTIVE],
            expired=[e for e in in_scope if e.status(scope.now) is ExceptionStatus.EXPIRED],
        )


@dataclass(frozen=True)
class AdjustedValue:
    """A metric value before scenario exceptions, and the exceptions that changed it."""

    original: MetricValue
    exceptions: tuple[GateException, ...]


@dataclass
class ScenarioAdjustment:
    """Metric values after scenario exceptions, and what changed."""

    metrics: list[MetricValue]
    changed: dict[ValueKey, AdjustedValue] = field(default_factory=dict)


@dataclass
class UsageLog:
    """Checks each exception waived, or would have waived, by exception id."""

    exceptions: dict[int, GateException] = field(default_factory=dict)
    checks: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, exception: GateException, check: CheckResult) -> None:
        """Record that `exception` acted on `check`."""
        self.exceptions[exception.id] = exception
        if check.name not in self.checks[exception.id]:
            self.checks[exception.id].append(check.name)

    def merge(self, other: UsageLog) -> None:
        """Add the uses logged in `other`."""
        for key, exception in other.exceptions.items():
            self.exceptions[key] = exception
            for name in other.checks[key]:
                if name not in self.checks[key]:
                    self.checks[key].append(name)

    def uses(self) -> list[ExceptionUse]:
        """Return the records for a decision, by exception id."""
        return [self.exceptions[key].to_use(self.checks[key]) for key in sorted(self.exceptions)]


def remove_waived_samples(
    metrics: Sequence[MetricValue], active: Sequence[GateException]
) -> ScenarioAdjustment:
    """Take the hits of samples with an active scenario exception out of the numerators."""
    waived = _scenario_exceptions(active)
    adjustment = ScenarioAdjustment(metrics=[])
    for value in metrics:
        new_value, used = _without_waived(value, waived)
        adjustment.metrics.append(new_value)
        if used:
            key = value_key(value.metric, value.segment)
            adjustment.changed[key] = AdjustedValue(original=value, exceptions=tuple(used))
    return adjustment


def waive_checks(checks: Sequence[CheckResult], active: Sequence[GateException]) -> UsageLog:
    """Turn failing checks that an active metric exception covers green, and log the uses."""
    log = UsageLog()
    for check in checks:
        exception = _metric_exception_for(check, active)
        if exception is None:
            continue
        check.verdict_before_waiver = check.verdict
        check.verdict = Verdict.GREEN
        check.waived_by = [*check.waived_by, exception.id]
        check.reason = f"waived by exception {exception.id} {exception.approval()}: {check.reason}"
        log.add(exception, check)
    return log


def expired_matches(
    checks: Sequence[CheckResult],
    metrics: Sequence[MetricValue],
    expired: Sequence[GateException],
) -> UsageLog:
    """Log the expired exceptions that would have acted on a failing check."""
    log = UsageLog()
    values = {value_key(value.metric, value.segment): value for value in metrics}
    scenarios = _scenario_exceptions(expired)
    for check in checks:
        if check.kind not in WAIVABLE_KINDS or check.verdict not in FAILING:
            continue
        metric_exception = _metric_exception_for(check, expired)
        if metric_exception is not None:
            log.add(metric_exception, check)
        value = values.get(value_key(check.metric, check.segment))
        for sample_id in _counted_samples(value):
            if sample_id in scenarios:
                log.add(scenarios[sample_id], check)
    return log


def note_adjusted_checks(
    checks: Sequence[CheckResult], adjustment: ScenarioAdjustment, log: UsageLog
) -> None:
    """Name the scenario exceptions in the checks they changed, and log the uses."""
    for check in checks:
        if check.kind not in WAIVABLE_KINDS:
            continue
        changed = adjustment.changed.get(value_key(check.metric, check.segment))
        if changed is None:
            continue
        named = ", ".join(
            f"{exception.id} for sample {exception.scenario_id} {exception.approval()}"
            for exception in changed.exceptions
        )
        original = changed.original
        check.reason += (
            f"; scenario exceptions removed waived samples from the numerator "
            f"({original.numerator}/{original.denominator} before): exception {named}"
        )
        check.waived_by = [*check.waived_by, *(e.id for e in changed.exceptions)]
        for exception in changed.exceptions:
            log.add(exception, check)


def _scenario_exceptions(exceptions: Sequence[GateException]) -> dict[str, GateException]:
    # The oldest exception of a sample is the one named, so the choice does not depend on order.
    waived: dict[str, GateException] = {}
    for exception in sorted(exceptions, key=lambda e: e.id):
        if exception.kind is ExceptionKind.SCENARIO and exception.scenario_id is not None:
            waived.setdefault(exception.scenario_id, exception)
    return waived


def _without_waived(
    value: MetricValue, waived: dict[str, GateException]
) -> tuple[MetricValue, list[GateException]]:
    hits = [sample_id for sample_id in _counted_samples(value) if sample_id in waived]
    if not hits or not is_proportion(value):
        return value, []
    if value.numerator == len(value.sample_ids):
        numerator = value.numerator - len(hits)
    elif len(hits) == len(value.sample_ids):
        numerator = 0
    else:
        return value, []

    remaining = [sample_id for sample_id in value.sample_ids if sample_id not in waived]
    adjusted = MetricValue.from_counts(
        value.metric,
        unit=value.unit,
        direction=value.direction,
        numerator=numerator,
        denominator=value.denominator,
        sample_count=value.sample_count,
        segment=value.segment,
        sample_ids=remaining,
    )
    return adjusted, [waived[sample_id] for sample_id in hits]


def _counted_samples(value: MetricValue | None) -> list[str]:
    """Return the samples counted against a value: its numerator's, for lower-is-better."""
    if value is None or value.direction is not Direction.LOWER_IS_BETTER:
        return []
    return value.sample_ids


def _metric_exception_for(
    check: CheckResult, exceptions: Sequence[GateException]
) -> GateException | None:
    if check.kind not in WAIVABLE_KINDS or check.verdict not in FAILING:
        return None
    for exception in sorted(exceptions, key=lambda e: e.id):
        if (
            exception.kind is ExceptionKind.METRIC
            and exception.metric == check.metric
            and exception.segment == check.segment
        ):
            return exception
    return None
