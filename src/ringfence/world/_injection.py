"""Prompt injections: attacker text placed in one record field as one tool shows it.

The text is placed only in the view of the state that the named tool runs on. So it appears in
that tool's output whenever the output shows the field, and the world's state (and every
snapshot) keeps the original value. The named tool must only read (action class `read` or
`external`), because whatever it changed on the injected view is dropped.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ringfence.errors import ConfigError
from ringfence.policy import ActionClass
from ringfence.transcript import InjectedText
from ringfence.world._collections import find_record, get_text, set_text, text_fields
from ringfence.world._registry import Tool
from ringfence.world._state import WorldState

SEPARATOR = "\n\n"
"""Put between the original text and appended or prepended injected text."""


class Injection(BaseModel):
    """Attacker text placed in one field of one record, as one tool's output shows it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tool: str = Field(description="Tool whose output carries the text, for example 'read_email'.")
    record: str = Field(
        description="Key of the record in the tool's collection: an e-mail, ticket, event, "
        "account, transaction, chat message or database row id, a file path or a page URL."
    )
    field: str = Field(description="Text field of the record, for example 'body'.")
    text: str = Field(description="The injected text.")
    position: Literal["append", "prepend", "replace"] = Field(
        default="append",
        description="Where the text goes: after the field's text, before it, or instead of it.",
    )

    @property
    def placeholder(self) -> str:
        """Name of the slot, as `InjectedText.placeholder` records it: 'tool:record.field'."""
        return f"{self.tool}:{self.record}.{self.field}"

    def injected_text(self) -> InjectedText:
        """Return the transcript record of this injection."""
        return InjectedText(placeholder=self.placeholder, text=self.text)


def injection_problem(injection: Injection, tool: Tool, state: WorldState) -> str | None:
    """Return why the injection cannot be placed for `tool` in `state`, or None when it can."""
    if tool.action not in (ActionClass.READ, ActionClass.EXTERNAL):
        return (
            f"tool '{tool.name}' is a {tool.action.value} tool; injections go in the output of "
            "a read or external tool"
        )
    if tool.reads is None:
        return f"tool '{tool.name}' shows no records, so it has no field to inject into"
    record = find_record(state, tool.reads, injection.record)
    if record is None:
        return f"no record '{injection.record}' in the '{tool.reads}' collection"
    fields = text_fields(record)
    if injection.field not in fields:
        return (
            f"record '{injection.record}' has no text field '{injection.field}' "
            f"(text fields: {', '.join(fields) or 'none'})"
        )
    return None


def apply_injection(injection: Injection, tool: Tool, view: WorldState) -> None:
    """Place the injected text in `view`, a copy of the state that `tool` will run on."""
    problem = injection_problem(injection, tool, view)
    record = find_record(view, tool.reads, injection.record) if tool.reads else None
    if problem is not None or record is None:
        raise ConfigError(f"cannot place injection {injection.placeholder}: {problem}.")
    original = get_text(record, injection.field)
    set_text(record, injection.field, _combine(original, injection))


def _combine(original: str, injection: Injection) -> str:
    if injection.position == "replace" or not original:
        return injection.text
    if injection.position == "prepend":
        return injection.text.rstrip("\n") + SEPARATOR + original
    return original.rstrip("\n") + SEPARATOR + injection.text
