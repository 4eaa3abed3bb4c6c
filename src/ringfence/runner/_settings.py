"""`RunSettings`: how a live run repeats, bounds and retries its samples."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ringfence.targets import DEFAULT_CALL_TIMEOUT_S


class RunSettings(BaseModel):
    """Repeats, concurrency, time limits and retries of a live run."""

    model_config = ConfigDict(extra="forbid")

    epochs: int = Field(default=1, ge=1, description="Times each scenario is played.")
    concurrency: int = Field(default=4, ge=1, description="Samples played at the same time.")
    call_timeout_s: float = Field(
        default=DEFAULT_CALL_TIMEOUT_S, gt=0, description="Time limit of one model call, seconds."
    )
    sample_timeout_s: float = Field(
        default=600.0,
        gt=0,
        description="Time limit of one whole sample, retries included, seconds.",
    )
    max_retries: int = Field(
        default=3, ge=0, description="Retries of a model call that failed with a retryable error."
    )
    backoff_initial_s: float = Field(
        default=1.0, ge=0, description="Wait before the first retry, doubled for each next one."
    )
    backoff_max_s: float = Field(
        default=30.0, ge=0, description="Maximum wait between retries without Retry-After, seconds."
    )
    retry_after_max_s: float = Field(
        default=120.0,
        ge=0,
        description="Maximum wait that a server's Retry-After can request, seconds.",
    )
    max_steps_per_turn: int = Field(
        default=20, ge=1, description="Model calls allowed for one user turn before it ends."
    )
    retry_errors: bool = Field(
        default=True,
        description="On resume, play again the finished samples that ended with an "
        "infrastructure error, instead of keeping the error.",
    )

    def identity(self) -> dict[str, Any]:
        """Settings that change what a sample is, for the run id.

        Concurrency, time limits and retries are left out, so that a run killed and resumed
        with other limits keeps its id and its finished samples.
        """
        return {"epochs": self.epochs, "max_steps_per_turn": self.max_steps_per_turn}

    def backoff_s(self, attempt: int, retry_after_s: float | None) -> float:
        """Wait before retry number `attempt` (from 0): the server's Retry-After when given."""
        if retry_after_s is not None:
            return min(retry_after_s, self.retry_after_max_s)
        return float(min(self.backoff_initial_s * 2**attempt, self.backoff_max_s))
