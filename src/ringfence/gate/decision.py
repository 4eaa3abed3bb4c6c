"""Gate decisions: green, yellow or red, with every reason."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Verdict(StrEnum):
    """Outcome of a gate check or a whole decision."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    ERROR = "could_not_evaluate"


VERDICT_ORDER = {Verdict.GREEN: 0, Verdict.YELLOW: 1, Verdict.RED: 2, Verdict.ERROR: 3}


class CheckResult(BaseModel):
    """One threshold check of the gate."""

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(description="Metric checked.")
    segment: dict[str, str] = Field(default_factory=dict, description="Segment checked.")
    verdict: Verdict = Field(description="Outcome of this check.")
    reason: str = Field(description="Why, in a plain sentence with the numbers.")
    threshold: float | None = Field(default=None, description="Threshold, as a proportion.")
    bound: str | None = Field(default=None, description="'max' or 'min'.")
    estimate: float | None = Field(default=None, description="Point estimate checked.")
    ci_low: float | None = Field(default=None, description="Interval lower bound.")
    ci_high: float | None = Field(default=None, description="Interval upper bound.")
    denominator: int = Field(default=0, description="Trials behind the value.")


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
