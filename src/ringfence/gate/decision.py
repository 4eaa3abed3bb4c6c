"""Gate decisions: green, yellow or red, with every reason and the governance inputs used.

A decision records what it rests on besides the run's metrics: the baseline run it was compared
with, the exceptions that waived checks, the expired exceptions that would have waived one, and
the coverage that was missing. `Decision.inputs_sha256` fingerprints the inputs that can change
between two gates of the same run under the same policy, so the store keeps each distinct
decision once.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Verdict(StrEnum):
    """Outcome of a gate check or a whole decision."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    ERROR = "could_not_evaluate"


# A confirmed breach outranks missing evidence: both fail, and red says more about what to fix.
VERDICT_ORDER = {Verdict.GREEN: 0, Verdict.YELLOW: 1, Verdict.ERROR: 2, Verdict.RED: 3}


class CheckKind(StrEnum):
    """Kind of gate check: what it compares."""

    THRESHOLD = "threshold"
    REGRESSION = "regression"
    COVERAGE = "coverage"
    BASELINE = "baseline"
    IMPORT = "import"
    STOP_THE_LINE = "stop_the_line"


class CheckResult(BaseModel):
    """One check of the gate."""

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(
        description="Metric checked; 'coverage', 'baseline' or 'import' for the checks that "
        "are not about one metric."
    )
    kind: CheckKind = Field(default=CheckKind.THRESHOLD, description="What the check compares.")
    segment: dict[str, str] = Field(default_factory=dict, description="Segment checked.")
    verdict: Verdict = Field(description="Outcome of this check, after any exception.")
    reason: str = Field(description="Why, in a plain sentence with the numbers.")
    threshold: float | None = Field(default=None, description="Threshold, as a proportion.")
    bound: str | None = Field(default=None, description="'max' or 'min'.")
    estimate: float | None = Field(default=None, description="Point estimate checked.")
    ci_low: float | None = Field(default=None, description="Interval lower bound.")
    ci_high: float | None = Field(default=None, description="Interval upper bound.")
    denominator: int = Field(default=0, description="Trials behind the value.")
    min_samples: int | None = Field(
        default=None, description="Trials a threshold check needs before it can be green."
    )
    trials_needed: int | None = Field(
        default=None,
        description="Trials that would let the Wilson bound meet the threshold at the observed "
        "rate; None when no number of trials can, or when the check does not need more.",
    )
    waived_by: list[int] = Field(
        default_factory=list,
        description="Ids of the exceptions that waived this check or removed waived samples "
        "from the value it judged.",
    )
    verdict_before_waiver: Verdict | None = Field(
        default=None, description="Verdict the check had before an exception waived it."
    )

    @property
    def name(self) -> str:
        """The check as 'metric [key=value, ...]' or 'metric [overall]', and '(regression)'
        after a regression check, so it differs from the threshold check of the same value."""
        segment = ", ".join(f"{k}={v}" for k, v in sorted(self.segment.items()))
        suffix = " (regression)" if self.kind is CheckKind.REGRESSION else ""
        return f"{self.metric} [{segment or 'overall'}]{suffix}"


class CoverageGap(BaseModel):
    """One coverage requirement of the gate policy that the run does not meet."""

    model_config = ConfigDict(extra="forbid")

    segment: str = Field(description="Segment key, for example 'privilege'.")
    value: str | None = Field(
        default=None, description="Segment value short of samples; None for a min_values gap."
    )
    unit: str = Field(description="What `have` and `need` count: 'samples' or 'values'.")
    have: int = Field(description="Samples (or distinct values) the run has.")
    need: int = Field(description="Samples (or distinct values) the policy requires.")
    samples_per_value: int | None = Field(
        default=None, description="For a min_values gap: samples a value needs to count."
    )
    covered_values: list[str] = Field(
        default_factory=list, description="For a min_values gap: the values that count."
    )

    def describe(self) -> str:
        """Return the gap as a sentence, for example 'privilege=critical has 3 samples, ...'."""
        if self.unit == "values":
            covered = ", ".join(self.covered_values) or "none"
            return (
                f"{self.segment} has {self.have} values with at least "
                f"{count_of(self.samples_per_value or 1, 'sample')} ({covered}), but the policy "
                f"requires {self.need}"
            )
        if self.value is None:
            return (
                f"{self.segment} has no samples in any value, but the policy requires "
                f"{self.need} in each"
            )
        return (
            f"{self.segment}={self.value} has {count_of(self.have, 'sample')}, but the policy "
            f"requires {self.need}"
        )


def count_of(count: int, noun: str) -> str:
    """Return '1 sample' or '3 samples'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class ExceptionUse(BaseModel):
    """An exception as a decision used it, or as it would have applied had it not expired."""

    model_config = ConfigDict(extra="forbid")

    id: int = Field(description="Exception id in the evidence store.")
    kind: str = Field(description="'metric' or 'scenario'.")
    metric: str | None = Field(default=None, description="Metric a metric exception waives.")
    segment: dict[str, str] = Field(
        default_factory=dict, description="Segment a metric exception waives; empty: overall."
    )
    scenario_id: str | None = Field(
        default=None, description="Sample id whose findings a scenario exception waives."
    )
    approver: str = Field(description="Who approved the exception.")
    reason: str = Field(description="Why it was approved.")
    expires_at: str = Field(description="ISO 8601 time (UTC) from which it no longer applies.")
    checks: list[str] = Field(
        default_factory=list, description="Checks it waived, or would have waived, by name."
    )


def _inputs_sha256(baseline_run_id: str | None, exception_ids: list[int]) -> str:
    body = {"baseline_run_id": baseline_run_id, "exception_ids": sorted(exception_ids)}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class Decision(BaseModel):
    """The gate's decision for one run and one gate policy."""

    model_config = ConfigDict(extra="forbid")

    verdict: Verdict = Field(description="Worst verdict over all checks.")
    checks: list[CheckResult] = Field(default_factory=list, description="Every check made.")
    reasons: list[str] = Field(
        default_factory=list, description="Every reason the verdict is not green."
    )
    gate_policy_name: str = Field(description="Name of the gate policy applied.")
    gate_policy_sha256: str = Field(description="SHA-256 of the gate policy's settings.")
    ring: str | None = Field(default=None, description="Rollout ring the policy was for.")
    evaluated_at: str | None = Field(
        default=None,
        description="ISO 8601 time (UTC) the gate checked exceptions against; None for "
        "decisions stored before exceptions existed.",
    )
    baseline_run_id: str | None = Field(
        default=None, description="Run the regression checks compared with; None without one."
    )
    exceptions_used: list[ExceptionUse] = Field(
        default_factory=list, description="Exceptions that waived at least one check."
    )
    expired_exceptions: list[ExceptionUse] = Field(
        default_factory=list,
        description="Expired exceptions that would have waived a failing check: the list to "
        "audit after release.",
    )
    coverage_missing: list[CoverageGap] = Field(
        default_factory=list, description="Coverage requirements the run does not meet."
    )

    def inputs_sha256(self) -> str:
        """Return the SHA-256 of the inputs besides run and policy: baseline and exceptions.

        Two decisions of one run under one policy with equal fingerprints are the same
        decision, so the store keeps one of them. Decisions without a baseline or exceptions
        all share `EMPTY_INPUTS_SHA256`.
        """
        return _inputs_sha256(self.baseline_run_id, [use.id for use in self.exceptions_used])


EMPTY_INPUTS_SHA256 = _inputs_sha256(None, [])
"""`Decision.inputs_sha256()` of a decision with no baseline and no exception."""
