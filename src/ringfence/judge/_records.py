"""Saved records of the judge: who judged (`JudgeIdentity`) and each judgment (`Judgment`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from ringfence.judge._verdict import JudgeVerdict
from ringfence.targets import TargetConfig


class JudgeIdentity(BaseModel):
    """The judge model, as stored with each judgment: no key, no path, no query string."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(description="Target kind of the judge: openai, anthropic, scripted, ...")
    model: str | None = Field(description="Model name the judge target reports.")
    base_url_host: str | None = Field(
        description="Host name of the judge's base URL; None when the SDK's default is used."
    )

    @classmethod
    def from_config(cls, config: TargetConfig, model: str | None) -> JudgeIdentity:
        """Describe a judge from its target configuration and the target's model name."""
        host = urlsplit(config.base_url).hostname if config.base_url else None
        return cls(kind=config.kind, model=model or config.model, base_url_host=host)


class Judgment(BaseModel):
    """One call of the judge on one sample: the prompt, the raw reply and its outcome.

    Exactly one of `verdict` and `error` is set. An error (no reply, an invalid reply, a
    refusal by the judge) is never read as a verdict.
    """

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(description="Run the judged sample belongs to.")
    sample_id: str = Field(description="Judged sample.")
    criterion_set: str = Field(description="Name of the criteria graded, 'refusal_quality'.")
    judge: JudgeIdentity = Field(description="The judge model.")
    prompt_version: str = Field(description="Version of the prompt template used.")
    prompt: str = Field(description="Full user prompt sent to the judge.")
    raw_reply: str | None = Field(
        description="Judge reply text exactly as returned; None when no reply came back."
    )
    verdict: JudgeVerdict | None = Field(description="Parsed verdict; None on a judge error.")
    error: str | None = Field(description="Why the judgment failed; None when it has a verdict.")
    started_at: str = Field(description="When the judge call started, ISO 8601 UTC.")
    finished_at: str = Field(description="When the judge call ended, ISO 8601 UTC.")
