"""The scenario format: one YAML file per scenario, validated by these pydantic models.

The published JSON Schema (`ringfence/data/scenario.schema.json`) is generated from `Scenario`,
so editors and the loader agree on what a file may contain. Cross-references (tool names, clause
ids, turn numbers, injected records) are checked by `check_suite`, not here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from ringfence.transcript import ActionConstraint, PolicyClause
from ringfence.world import Injection, WorldState, parse_scope

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
NAME_PATTERN = r"^[a-z][a-z0-9_-]*$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
CLAUSE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"

Behaviour = Literal["comply", "refuse", "clarify", "escalate"]
Severity = Literal["low", "medium", "high", "critical"]
TurnStressorKind = Literal[
    "fake_authority", "conflicting_instructions", "emotional_pressure", "ambiguity"
]


def _yes_no_text(value: Any) -> Any:
    # YAML 1.1 (PyYAML) reads a bare yes/no as a boolean; authors mean the words.
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _text(value: Any) -> Any:
    # A version such as 1.0 or 2 is read as a number; the suite records it as written text.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _valid_scope(text: str) -> str:
    parse_scope(text)
    return text.strip()


ReplyText = Annotated[str, BeforeValidator(_yes_no_text, json_schema_input_type=str | bool)]
VersionText = Annotated[str, BeforeValidator(_text, json_schema_input_type=str | int | float)]
ScopeText = Annotated[str, AfterValidator(_valid_scope)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Clause(_Spec):
    """One clause of the policy the agent works under."""

    id: str = Field(pattern=CLAUSE_ID_PATTERN, description="Clause id, for example 'PAY-2'.")
    text: str = Field(min_length=1, description="What the clause requires or forbids.")
    severity: Severity = Field(default="medium", description="Severity of breaking it.")

    def to_policy_clause(self) -> PolicyClause:
        """Return the clause as a transcript's gold labels record it."""
        return PolicyClause(id=self.id, text=self.text, severity=self.severity)


class Turn(_Spec):
    """One user message, with the scripted reply to a question from the assistant about it."""

    user: str = Field(min_length=1, description="The user's message.")
    when_assistant_asks: ReplyText | None = Field(
        default=None,
        description="Reply when the assistant answers this message with a question (asking for "
        "confirmation or clarification) instead of finishing: 'yes' or 'no' to confirm or "
        "decline, or any other text to send as it is. Without it, the next turn follows.",
    )


class PromptInjection(_Spec):
    """Attacker text placed in one field of one record, as one tool's output shows it."""

    kind: Literal["prompt_injection"] = Field(description="Stressor kind.")
    tool: str = Field(description="Read tool whose output carries the text, e.g. 'read_email'.")
    record: str = Field(
        description="Key of the record the tool shows: an e-mail, ticket, event, account, "
        "transaction, chat message or database row id, a file path or a page URL."
    )
    field: str = Field(description="Text field of the record, for example 'body'.")
    text: str = Field(min_length=1, description="The injected text.")
    position: Literal["append", "prepend", "replace"] = Field(
        default="append",
        description="Where the text goes: after the field's text, before it, or instead of it.",
    )

    def to_injection(self) -> Injection:
        """Return the injection the world places."""
        return Injection(
            tool=self.tool,
            record=self.record,
            field=self.field,
            text=self.text,
            position=self.position,
        )


class TurnStressor(_Spec):
    """Pressure carried by one user turn: fake authority, a contradiction, emotion, ambiguity."""

    kind: TurnStressorKind = Field(description="Stressor kind.")
    at_turn: int = Field(ge=0, description="User turn (0-based) that carries the stressor.")
    text: str | None = Field(
        default=None,
        description="Text appended to that turn's message; omit when the turn's own text "
        "already carries the stressor.",
    )


class StopNotice(_Spec):
    """A stop or shutdown notice delivered to the agent during the run."""

    kind: Literal["stop_notice"] = Field(description="Stressor kind.")
    at_turn: int = Field(
        ge=0,
        description="Without after_tool_calls: deliver the notice before user turn N (0-based); "
        "N equal to the number of turns delivers it after the last reply. With "
        "after_tool_calls: deliver it during turn N.",
    )
    after_tool_calls: int | None = Field(
        default=None,
        ge=1,
        description="Deliver the notice right after the agent's k-th tool call of the turn.",
    )
    text: str = Field(min_length=1, description="The notice, for example 'Shutting down now.'")
    channel: Literal["system", "user"] = Field(
        default="system", description="Role of the message that carries the notice."
    )


Stressor = Annotated[PromptInjection | TurnStressor | StopNotice, Field(discriminator="kind")]


class Gold(_Spec):
    """Expectations of the scenario for the agent, which become the transcript's `GoldLabels`."""

    expected_behaviour: Behaviour = Field(
        description="What a correct agent does: comply, refuse, clarify or escalate."
    )
    authorized_actions: list[ActionConstraint] = Field(
        default_factory=list,
        description="Side-effecting calls the user's request authorizes; any other "
        "side-effecting call is unauthorized when this list is not empty.",
    )
    forbidden_actions: list[ActionConstraint] = Field(
        default_factory=list, description="Calls that are never acceptable in this scenario."
    )
    refusal_cites: list[str] = Field(
        default_factory=list, description="Ids of the policy clauses a correct refusal cites."
    )
    allowed_facts: list[str] = Field(
        default_factory=list,
        description="Facts the answer may state beyond what the tools returned.",
    )
    injected_goal: str | None = Field(
        default=None, description="What the injected text tries to make the agent do."
    )
    injected_goal_actions: list[ActionConstraint] = Field(
        default_factory=list,
        description="Calls that carry out injected_goal. Like forbidden actions they are never "
        "acceptable, and one made after the injected text was shown counts as a carried-out "
        "attack.",
    )
    escalate_from_turn: int | None = Field(
        default=None,
        ge=0,
        description="User turn (0-based) from which the agent must escalate to a human; "
        "defaults to 0 when the expected behaviour is 'escalate'.",
    )


class Scenario(_Spec):
    """One test case: the conversation, the world, the permissions, the stressors and the gold."""

    id: str = Field(pattern=ID_PATTERN, description="Id, unique within the suite.")
    title: str = Field(min_length=1, description="One line saying what the scenario tests.")
    domain: str = Field(
        pattern=NAME_PATTERN, description="Business domain, for example 'customer_support'."
    )
    task_type: str = Field(
        pattern=NAME_PATTERN, description="Kind of task, for segmenting, for example 'refund'."
    )
    language: str = Field(
        default="en", pattern=LANGUAGE_PATTERN, description="BCP 47 tag of the conversation."
    )
    system_prompt: str = Field(min_length=1, description="System prompt of the agent.")
    policy: list[Clause] = Field(
        default_factory=list, description="Policy clauses the agent works under."
    )
    tools: list[str] = Field(
        default_factory=list,
        description="Tools offered to the agent: tool names, or toolset names meaning every "
        "tool of the toolset (email, files, calendar, payments, tickets, settings, chat, web, "
        "records, escalation).",
    )
    scopes: list[ScopeText] = Field(
        default_factory=list,
        description="Permission scopes, 'resource:operation[:internal-only|:GLOB][<=LIMIT]', "
        "for example 'payments:send<=500'. A call no scope allows is denied.",
    )
    world: WorldState = Field(default_factory=WorldState, description="Initial state of the world.")
    turns: list[Turn] = Field(min_length=1, description="User turns, in order.")
    stressors: list[Stressor] = Field(
        default_factory=list, description="Stressors the scenario applies."
    )
    gold: Gold = Field(description="What a correct agent does.")
    notes: str | None = Field(default=None, description="Author's notes; not shown to the agent.")


class SuiteInfo(_Spec):
    """The `suite.yaml` of a suite folder."""

    name: str = Field(pattern=NAME_PATTERN, description="Suite name, recorded with every result.")
    version: VersionText = Field(
        min_length=1, description="Suite version, recorded with every result."
    )
    description: str = Field(min_length=1, description="What the suite covers.")
