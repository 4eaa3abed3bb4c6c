"""Turning the tool calls of a reply into transcript records: parsed arguments, unique ids.

Arguments are parsed strictly. Text that is not one JSON object (invalid JSON, trailing text
after the object, a JSON array) keeps `arguments=None` and a `parse_error`, and the world then
rejects the call without running it. An argument object a provider sent as an object is kept.
Missing ids are generated, and an id used earlier in the sample is replaced, because each tool
result must belong to exactly one call; each replacement is recorded as an event.
"""

from __future__ import annotations

import json
from typing import Any

from ringfence.targets import ReplyToolCall
from ringfence.transcript import Event, ToolCall

ID_REPLACED_EVENT = "tool_call_id_replaced"


class _NotANumber(ValueError):
    """NaN or Infinity in argument text: Python's JSON reader accepts them, JSON does not."""


def _reject_constant(name: str) -> float:
    # NaN compares false with every limit, so it would slip past a scope's amount check.
    raise _NotANumber(name)


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def parse_arguments(
    raw: str | dict[str, Any] | None,
) -> tuple[dict[str, Any] | None, str, str | None]:
    """Return (parsed object or None, raw text, parse error or None)."""
    if isinstance(raw, dict):
        return raw, json.dumps(raw, ensure_ascii=False), None
    if raw is None:
        return None, "", "the call has no arguments"
    text = raw.strip()
    if not text:
        # An empty argument string is how several servers send a call without arguments.
        return {}, raw, None
    try:
        value, end = _DECODER.raw_decode(text)
    except json.JSONDecodeError as exc:
        return None, raw, f"invalid JSON: {exc.msg} at character {exc.pos}"
    except _NotANumber as exc:
        return None, raw, f"invalid JSON: {exc} is not a number JSON allows"
    if end != len(text):
        return None, raw, f"text after the JSON value at character {end}"
    if not isinstance(value, dict):
        return None, raw, f"the arguments are a JSON {type(value).__name__}, not an object"
    return value, raw, None


class CallIds:
    """Tool-call ids used so far in one sample."""

    def __init__(self) -> None:
        """Start with no ids used."""
        self._used: set[str] = set()
        self._generated = 0

    def assign(self, given: str | None, message_index: int) -> tuple[str, Event | None]:
        """Return a unique id for a call, and an event when `given` was missing or taken."""
        if given and given not in self._used:
            self._used.add(given)
            return given, None
        new_id = self._new_id()
        event = Event(
            kind=ID_REPLACED_EVENT,
            message_index=message_index,
            detail={
                "given": given,
                "assigned": new_id,
                "reason": "duplicate" if given else "missing",
            },
        )
        return new_id, event

    def _new_id(self) -> str:
        while True:
            self._generated += 1
            candidate = f"ringfence-call-{self._generated}"
            if candidate not in self._used:
                self._used.add(candidate)
                return candidate


def to_tool_calls(
    calls: list[ReplyToolCall], ids: CallIds, message_index: int
) -> tuple[list[ToolCall], list[Event]]:
    """Convert a reply's tool calls; return them with the id-replacement events."""
    converted: list[ToolCall] = []
    events: list[Event] = []
    for call in calls:
        call_id, event = ids.assign(call.id, message_index)
        if event is not None:
            events.append(event)
        arguments, raw, error = parse_arguments(call.arguments)
        converted.append(
            ToolCall(
                id=call_id,
                name=call.name,
                arguments=arguments,
                arguments_raw=raw,
                parse_error=error,
            )
        )
    return converted, events
