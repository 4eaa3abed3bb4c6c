"""Records of the release registry: releases, release events, approvals and results."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ringfence.errors import RingfenceError
from ringfence.gate.decision import Verdict
from ringfence.gate.policy import Ring
from ringfence.results import TargetVersion

RING_ORDER: tuple[Ring, ...] = (Ring.DEV, Ring.STAGING, Ring.CANARY, Ring.PRODUCTION)
"""Rings from least to most exposed. A promotion past the first needs the ring before it."""


class ReleaseEventKind(StrEnum):
    """Kind of a release event."""

    PROMOTION = "promotion"
    ROLLBACK = "rollback"


class ReleaseOutcome(StrEnum):
    """Outcome of a promotion or rollback."""

    SUCCEEDED = "succeeded"
    REFUSED = "refused"
    FAILED = "failed"


class PromotionRefused(RingfenceError):
    """A promotion the rules do not allow. Nothing changed; the refusal is recorded."""

    exit_code = 6


class Approval(BaseModel):
    """A person's approval to promote a run whose decision is yellow."""

    model_config = ConfigDict(extra="forbid")

    approver: str = Field(min_length=1, description="Who approves, as they sign.")
    reason: str = Field(min_length=1, description="Why the yellow verdict is acceptable.")


class Release(BaseModel):
    """One version put live in one ring."""

    model_config = ConfigDict(extra="forbid")

    release_id: int = Field(description="Id of the release, increasing with each promotion.")
    ring: Ring = Field(description="Ring the version went live in.")
    target: TargetVersion = Field(description="Target name, version, models, prompts, tools.")
    run_id: str = Field(description="Scored run whose decision qualified the version.")
    gate_policy_sha256: str = Field(description="Gate policy of that decision.")
    decision_inputs_sha256: str = Field(
        description="Baseline and exceptions fingerprint of that decision (inputs_sha256)."
    )
    verdict: Verdict = Field(description="Verdict of that decision: green or yellow.")
    approver: str | None = Field(default=None, description="Approver of a yellow verdict.")
    approval_reason: str | None = Field(default=None, description="Reason given for approval.")
    promoted_at: str = Field(description="ISO 8601 time (UTC) of the promotion.")
    actor: str | None = Field(default=None, description="Who ran the promotion, if given.")
    previous_release_id: int | None = Field(
        default=None, description="Release live in the ring before this one; None for the first."
    )


class ReleaseEvent(BaseModel):
    """A promotion or rollback attempt, with its outcome."""

    model_config = ConfigDict(extra="forbid")

    event_id: int = Field(description="Id of the event, increasing.")
    kind: ReleaseEventKind = Field(description="Promotion or rollback.")
    outcome: ReleaseOutcome = Field(description="Succeeded, refused or failed.")
    target_name: str = Field(description="Target the event is about.")
    ring: Ring = Field(description="Ring the event is about.")
    run_id: str | None = Field(default=None, description="Run being promoted, for promotions.")
    from_release_id: int | None = Field(default=None, description="Release live before.")
    to_release_id: int | None = Field(default=None, description="Release live after.")
    from_version: str | None = Field(default=None, description="Version live before.")
    to_version: str | None = Field(default=None, description="Version live after, or asked for.")
    reason: str | None = Field(default=None, description="Why it was refused or failed.")
    actor: str | None = Field(default=None, description="Who ran it, if given.")
    created_at: str = Field(description="ISO 8601 time (UTC) of the event.")


class PromotionResult(BaseModel):
    """Result of a successful `promote` call."""

    model_config = ConfigDict(extra="forbid")

    release: Release = Field(description="The release now live in the ring.")
    changed: bool = Field(description="False when that version was live there already.")
    approval: Approval | None = Field(default=None, description="Approval that was recorded.")


class RollbackResult(BaseModel):
    """Result of a `rollback` call."""

    model_config = ConfigDict(extra="forbid")

    event: ReleaseEvent = Field(description="The recorded rollback event.")
    live: Release | None = Field(description="Release live in the ring afterwards, if any.")

    @property
    def succeeded(self) -> bool:
        """True when the ring now points at the previous release."""
        return self.event.outcome is ReleaseOutcome.SUCCEEDED
