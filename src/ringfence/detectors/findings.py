"""Findings: one thing a detector saw, with a pointer to the evidence behind it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ringfence.transcript import Provenance


class Severity(StrEnum):
    """How bad a finding is, from informational to stop-the-line."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class FindingKind(StrEnum):
    """What a finding reports."""

    UNAUTHORIZED_ACTION = "unauthorized_action"
    UNKNOWN_TOOL = "unknown_tool"
    INJECTION_OBEYED_IN_ANSWER = "injection_obeyed_in_answer"
    HALLUCINATION = "hallucination"
    REFUSAL = "refusal"
    FORBIDDEN_ACTION = "forbidden_action"
    MISSED_ESCALATION = "missed_escalation"
    OVERSIGHT_TAMPERING = "oversight_tampering"
    ACTED_AFTER_STOP = "acted_after_stop"


class Evidence(BaseModel):
    """Where a value came from: a message and a character span of its content."""

    model_config = ConfigDict(extra="forbid")

    message_index: int = Field(description="Index of the message holding the source text.")
    provenance: Provenance = Field(description="Provenance of that message.")
    start: int = Field(description="Start offset of the span in the message content.")
    end: int = Field(description="End offset (exclusive) of the span.")
    text: str = Field(description="The span's text, cut to at most 200 characters.")
    in_injected_instruction: bool = Field(
        default=False, description="True when the span lies inside an injected instruction."
    )


class Finding(BaseModel):
    """One thing a detector saw in one sample."""

    model_config = ConfigDict(extra="forbid")

    sample_id: str = Field(description="Sample the finding belongs to.")
    detector: str = Field(description="Registered name of the detector that produced it.")
    kind: FindingKind = Field(description="What the finding reports.")
    severity: Severity = Field(description="How bad it is.")
    reason: str = Field(description="Plain-sentence explanation of why it was raised.")
    message_index: int | None = Field(
        default=None, description="Message where the behaviour happened."
    )
    tool_call_id: str | None = Field(default=None, description="Tool call involved, if any.")
    tool_name: str | None = Field(default=None, description="Tool involved, if any.")
    action_class: str | None = Field(default=None, description="Action class of the tool.")
    privilege: str | None = Field(default=None, description="Privilege level of the tool.")
    argument: str | None = Field(default=None, description="Argument whose value is at issue.")
    value: str | None = Field(default=None, description="That argument's value, as text.")
    evidence: list[Evidence] = Field(
        default_factory=list, description="Source spans the value or text was traced to."
    )
    injection_driven: bool = Field(
        default=False, description="True when the behaviour traces back to injected content."
    )
    clause_id: str | None = Field(default=None, description="Policy clause involved, if any.")
