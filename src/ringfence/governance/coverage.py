"""Coverage: whether a run has enough samples in the segments that a gate policy requires.

Counts come from the run's metric values. A segment value's count is the `sample_count` of its
value of the requirement's `metric`, or by default the largest `sample_count` of any metric
other than `infrastructure_error_rate` in that segment value. That metric counts samples that
ended in an error, and such samples are no evidence of behaviour. The count is of samples, not
of trials: a sample with three high-privilege calls is one sample of `privilege=high`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ringfence.gate.decision import CheckKind, CheckResult, CoverageGap, Verdict, count_of
from ringfence.gate.policy import CoverageRequirement
from ringfence.metrics.behaviour import INFRASTRUCTURE_ERROR_RATE
from ringfence.metrics.segments import UNKNOWN_LANGUAGE
from ringfence.metrics.values import MetricValue

__all__ = [
    "CoverageGap",
    "CoverageRequirement",
    "coverage_checks",
    "find_coverage_gaps",
    "requirement_gaps",
    "segment_sample_counts",
]

UNKNOWN_VALUE = UNKNOWN_LANGUAGE
"""Placeholder segment value that never counts towards `min_values`."""


def segment_sample_counts(
    metrics: Sequence[MetricValue], segment: str, metric: str | None = None
) -> dict[str, int]:
    """Return the samples of each value of `segment`, as the module docstring defines them."""
    counts: dict[str, int] = {}
    for value in metrics:
        if list(value.segment) != [segment]:
            continue
        if metric is not None and value.metric != metric:
            continue
        if metric is None and value.metric == INFRASTRUCTURE_ERROR_RATE:
            continue
        key = value.segment[segment]
        counts[key] = max(counts.get(key, 0), value.sample_count)
    return counts


def find_coverage_gaps(
    requirements: Sequence[CoverageRequirement], metrics: Sequence[MetricValue]
) -> list[CoverageGap]:
    """Return every way the metrics fall short of the requirements, in requirement order."""
    gaps: list[CoverageGap] = []
    for requirement in requirements:
        gaps += requirement_gaps(requirement, metrics)
    return gaps


def requirement_gaps(
    requirement: CoverageRequirement, metrics: Sequence[MetricValue]
) -> list[CoverageGap]:
    """Return the gaps of one requirement; an empty list when the run meets it."""
    counts = segment_sample_counts(metrics, requirement.segment, requirement.metric)
    if requirement.min_values is not None:
        return _distinct_value_gaps(requirement, counts, requirement.min_values)
    if requirement.values is not None:
        return _listed_value_gaps(requirement, counts, requirement.values)
    if not counts:
        return [_sample_gap(requirement, None, 0)]
    return _listed_value_gaps(requirement, counts, sorted(counts))


def _listed_value_gaps(
    requirement: CoverageRequirement, counts: dict[str, int], values: Sequence[str]
) -> list[CoverageGap]:
    return [
        _sample_gap(requirement, value, counts.get(value, 0))
        for value in values
        if counts.get(value, 0) < requirement.min_samples
    ]


def _distinct_value_gaps(
    requirement: CoverageRequirement, counts: dict[str, int], min_values: int
) -> list[CoverageGap]:
    covered = [
        value
        for value, count in counts.items()
        if value != UNKNOWN_VALUE and count >= requirement.min_samples
    ]
    if len(covered) >= min_values:
        return []
    gap = CoverageGap(
        segment=requirement.segment,
        unit="values",
        have=len(covered),
        need=min_values,
        samples_per_value=requirement.min_samples,
        covered_values=sorted(covered),
    )
    return [gap]


def _sample_gap(requirement: CoverageRequirement, value: str | None, have: int) -> CoverageGap:
    return CoverageGap(
        segment=requirement.segment,
        value=value,
        unit="samples",
        have=have,
        need=requirement.min_samples,
    )


def coverage_checks(
    requirements: Sequence[CoverageRequirement], metrics: Sequence[MetricValue]
) -> list[CheckResult]:
    """Return one 'could not evaluate' check per gap, and one green check per met requirement."""
    checks: list[CheckResult] = []
    for requirement in requirements:
        gaps = requirement_gaps(requirement, metrics)
        for gap in gaps:
            checks.append(_check(requirement, Verdict.ERROR, f"coverage missing: {gap.describe()}"))
        if not gaps:
            checks.append(_check(requirement, Verdict.GREEN, f"coverage met: {_met(requirement)}"))
    return checks


def _check(requirement: CoverageRequirement, verdict: Verdict, reason: str) -> CheckResult:
    return CheckResult(
        metric="coverage",
        kind=CheckKind.COVERAGE,
        segment={requirement.segment: ", ".join(requirement.values or ["*"])},
        verdict=verdict,
        reason=reason,
    )


def _met(requirement: CoverageRequirement) -> str:
    per_value = f"at least {count_of(requirement.min_samples, 'sample')}"
    if requirement.min_values is not None:
        return f"{requirement.min_values} or more {requirement.segment} values have {per_value}"
    if requirement.values is not None:
        listed = ", ".join(f"{requirement.segment}={value}" for value in requirement.values)
        return f"{listed} each have {per_value}"
    return f"every {requirement.segment} value has {per_value}"
