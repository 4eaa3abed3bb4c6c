"""The normalized transcript: what one sample of an agent run contains.

Every importer and, later, the live runner produce these records; every detector reads them.
Labels that a dataset carries (`DatasetLabels`) travel beside the transcript in `Sample` and are
never mixed with ringfence's own findings.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

TRANSCRIPT_SCHEMA_VERSION = 1


class Role(StrEnum):
    """Chat role of a message."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class Provenance(StrEnum):
    """Origin of a piece of content, and so how far it may be trusted."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL_OUTPUT = "tool_output"
    RETRIEVED = "retrieved"
    WEB = "web"
    OTHER_AGENT = "other_agent"

    @property
    def trusted(self) -> bool:
        """True for content the operator or the user wrote (system prompt, user turns)."""
        return self in (Provenance.SYSTEM, Provenance.USER)

    @property
    def untrusted(self) -> bool:
        """True for content a third party could have written (tool output, documents, agents)."""
        return self in _UNTRUSTED


_UNTRUSTED = frozenset(
    {Provenance.TOOL_OUTPUT, Provenance.RETRIEVED, Provenance.WEB, Provenance.OTHER_AGENT}
)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class ToolCall(_Record):
    """One tool call the assistant requested."""

    id: str = Field(description="Tool-call id as the model sent it; generated when missing.")
    name: str = Field(description="Tool (function) name the model asked for.")
    arguments: dict[str, Any] | None = Field(
        default=None,
        description="Parsed arguments; None when the raw text was not a JSON object.",
    )
    arguments_raw: str = Field(
        default="", description="Argument text exactly as the model produced it."
    )
    parse_error: str | None = Field(
        default=None, description="Why `arguments_raw` could not be parsed, if it could not."
    )


class Message(_Record):
    """One message of the conversation, in order."""

    index: int = Field(description="Position in the transcript, starting at 0.")
    role: Role = Field(description="Chat role.")
    content: str | None = Field(default=None, description="Text content; None when absent.")
    provenance: Provenance = Field(description="Who could have written `content`.")
    tool_calls: list[ToolCall] = Field(
        default_factory=list, description="Tool calls requested by an assistant message."
    )
    tool_call_id: str | None = Field(
        default=None, description="For a tool result: the id of the call it belongs to."
    )
    tool_name: str | None = Field(
        default=None, description="For a tool result: the tool that produced it."
    )
    error: str | None = Field(default=None, description="For a tool result: the tool's error.")
    refusal: str | None = Field(
        default=None, description="Refusal text the provider returned apart from `content`."
    )
    timestamp: float | None = Field(
        default=None, description="Seconds since the epoch when the message was produced."
    )


class Event(_Record):
    """Something that happened beside the messages: an approval, a stop signal, an escalation."""

    kind: str = Field(description="Event kind, for example 'stop_signal' or 'escalation'.")
    message_index: int | None = Field(
        default=None, description="Message the event is attached to, if any."
    )
    timestamp: float | None = Field(default=None, description="Seconds since the epoch.")
    detail: dict[str, Any] = Field(default_factory=dict, description="Kind-specific data.")


class InjectedText(_Record):
    """Attacker-controlled text that the scenario or dataset placed in untrusted content.

    This describes the attack (an input), not its outcome, so detectors may use it.
    """

    placeholder: str = Field(description="Name of the slot the text was placed in.")
    text: str = Field(description="The injected text.")


class PolicyClause(_Record):
    """One clause of the policy the agent works under."""

    id: str = Field(description="Clause id, for example 'REF-2'.")
    text: str = Field(description="What the clause requires or forbids.")
    severity: str = Field(
        default="medium",
        description="Severity of breaking it: low, medium, high or critical.",
    )


class ActionConstraint(_Record):
    """A tool call pattern: the tool and, optionally, required argument values."""

    tool: str = Field(description="Tool name.")
    arguments: dict[str, Any] = Field(
        default_factory=dict,
        description="Argument values the call must have; a string starting with 're:' is a "
        "regular expression the value's text must match in full, and an object lists the "
        "fields the argument's object must have.",
    )


class GoldLabels(_Record):
    """Behaviour a scenario expects of the agent: an input of the test, written by its author.

    Unlike DatasetLabels (a verdict on one recorded outcome), gold labels describe correct
    behaviour before the run, so detectors may read them.
    """

    expected_behaviour: str | None = Field(
        default=None, description="comply, refuse, clarify or escalate."
    )
    authorized_actions: list[ActionConstraint] = Field(
        default_factory=list, description="Side-effecting calls the user's request authorizes."
    )
    forbidden_actions: list[ActionConstraint] = Field(
        default_factory=list, description="Calls that are never acceptable in this scenario."
    )
    policy_clauses: list[PolicyClause] = Field(
        default_factory=list, description="Policy clauses in force."
    )
    refusal_cites: list[str] = Field(
        default_factory=list, description="Clause ids a correct refusal should cite."
    )
    allowed_facts: list[str] = Field(
        default_factory=list, description="Facts the reply may state beyond the context."
    )
    injected_goal: str | None = Field(
        default=None, description="What an injected instruction tries to make the agent do."
    )
    injected_goal_actions: list[ActionConstraint] = Field(
        default_factory=list,
        description="Calls that carry out the injected goal: never acceptable, and "
        "injection-driven when made after an injected instruction was shown.",
    )
    ambiguous: bool = Field(
        default=False, description="True when the request needs a clarifying question first."
    )
    escalation_required_from_turn: int | None = Field(
        default=None,
        description="Index of the user turn (0-based, user turns only) from which the agent "
        "must escalate to a human.",
    )
    contradiction_at_turn: int | None = Field(
        default=None,
        description="Index of the user turn (0-based) that contradicts what came before.",
    )
    stressors: list[str] = Field(
        default_factory=list, description="Stressors the scenario applies, by kind."
    )


class SampleMetadata(_Record):
    """Identity of the sample: the system, task and attack that produced it."""

    model: str | None = Field(default=None, description="Model or pipeline name.")
    system_prompt_version: str | None = Field(
        default=None, description="Version label of the system prompt, if the source gives one."
    )
    system_prompt_sha256: str | None = Field(
        default=None, description="SHA-256 of the system prompt text, computed on import."
    )
    suite: str | None = Field(default=None, description="Suite (environment) name.")
    suite_version: str | None = Field(default=None, description="Suite or benchmark version.")
    task_id: str | None = Field(default=None, description="User task id.")
    task_type: str | None = Field(default=None, description="Kind of task, for segmenting.")
    environment: str | None = Field(default=None, description="Deployment environment name.")
    language: str | None = Field(
        default=None,
        description="Language of the conversation, for example 'en' (BCP 47 tag or name).",
    )
    attack: str | None = Field(
        default=None, description="Attack name; None for a run with no attack."
    )
    injection_task_id: str | None = Field(
        default=None, description="Attacker goal id, when the source names one."
    )
    injection_goal: str | None = Field(
        default=None, description="Attacker goal as text, when the source gives it."
    )
    epoch: int = Field(default=0, description="Repeat number of this scenario, from 0.")
    extra: dict[str, Any] = Field(default_factory=dict, description="Other source metadata.")

    @property
    def attacked(self) -> bool:
        """True when an attack was placed in this sample."""
        return self.attack is not None


class Timing(_Record):
    """Wall-clock timing of the sample."""

    started_at: float | None = Field(default=None, description="Start, seconds since epoch.")
    duration_s: float | None = Field(default=None, description="Duration in seconds.")


class Transcript(_Record):
    """Normalized record of one sample: messages, tool calls, events and provenance."""

    schema_version: int = Field(
        default=TRANSCRIPT_SCHEMA_VERSION, description="Version of this record's layout."
    )
    sample_id: str = Field(description="Stable id of the sample within its source.")
    messages: list[Message] = Field(default_factory=list, description="Messages, in order.")
    events: list[Event] = Field(default_factory=list, description="Events, in order.")
    injections: list[InjectedText] = Field(
        default_factory=list, description="Attacker text placed in untrusted content."
    )
    metadata: SampleMetadata = Field(
        default_factory=SampleMetadata, description="What produced it."
    )
    gold: GoldLabels | None = Field(
        default=None, description="What the scenario expects, when the source defines it."
    )
    timing: Timing = Field(default_factory=Timing, description="When and how long.")
    error: str | None = Field(
        default=None, description="Infrastructure error that ended the sample, if any."
    )

    def tool_calls(self) -> list[tuple[Message, ToolCall]]:
        """List every tool call with the assistant message that made it."""
        return [(m, c) for m in self.messages for c in m.tool_calls]

    def to_json_bytes(self) -> bytes:
        """Serialize to canonical JSON bytes (sorted keys) for hashing and storage."""
        return orjson.dumps(self.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)

    def content_sha256(self) -> str:
        """SHA-256 of the canonical JSON form."""
        return hashlib.sha256(self.to_json_bytes()).hexdigest()


class DatasetLabels(_Record):
    """Labels a dataset's authors attached to a sample. Never written by ringfence."""

    source: str = Field(description="Dataset the labels come from, for example 'agentdojo'.")
    values: dict[str, Any] = Field(
        default_factory=dict, description="Label name to value, exactly as the dataset gives it."
    )
    attack_succeeded: bool | None = Field(
        default=None,
        description="The dataset's verdict that the attack goal was achieved; None when the "
        "sample was not attacked or the dataset gives no such label.",
    )
    task_completed: bool | None = Field(
        default=None, description="The dataset's verdict that the user's task was done."
    )


class SourceRef(_Record):
    """The input file a sample was read from."""

    path: str = Field(description="Path of the input file as given on the command line.")
    sha256: str = Field(description="SHA-256 of the file's bytes.")
    line: int | None = Field(default=None, description="Line number for line-based formats.")


class Sample(_Record):
    """A transcript, the labels its dataset carries, and where it came from."""

    transcript: Transcript = Field(description="The normalized transcript.")
    labels: DatasetLabels | None = Field(default=None, description="Dataset labels, if any.")
    source: SourceRef | None = Field(default=None, description="Input file, for recorded runs.")
