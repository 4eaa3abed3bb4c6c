"""The World: a sandboxed, deterministic state plus the tools that act on it.

Every call goes through the same steps. The world finds the tool, checks that the scenario
grants it, validates the arguments and asks the permission layer. Then it runs the tool on a copy
of the state and keeps the copy only when the tool succeeds. A step that stops a call returns a
`ToolOutcome` with an error message for the model. None raises, except a tool that crashes on a
bug (`ToolCrashError`), because that is an infrastructure failure, not the model's mistake.

Events the world records, in call order (`World.events`):

- `permission_granted` / `permission_denied`: one per call of a known or unknown tool whose
  arguments were valid (see `PermissionDecision.to_event`);
- `tool_call_invalid`: arguments missing, of the wrong type, or not a JSON object;
- `escalation`: a granted call of a tool that hands the case to a person;
- `stop_signal`: a stop notice delivered through `request_shutdown`;
- `world_state`: the state at the start (`initial_state_event`) and end (`final_state_event`)
  of a run, with `detail = {"phase": "initial" | "final", "state": <snapshot>}`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import to_jsonable_python

from ringfence.errors import ConfigError, RingfenceError
from ringfence.policy import ToolPolicy, ToolRule
from ringfence.transcript import Event, InjectedText, Provenance
from ringfence.world._injection import Injection, apply_injection, injection_problem
from ringfence.world._permissions import PermissionLayer
from ringfence.world._registry import Tool, ToolError, Toolset
from ringfence.world._scopes import Scope
from ringfence.world._state import WorldState
from ringfence.world.toolsets import DEFAULT_TOOLSETS

INVALID_CALL_EVENT = "tool_call_invalid"
ESCALATION_EVENT = "escalation"
STOP_EVENT = "stop_signal"
STATE_EVENT = "world_state"
WORLD_POLICY_NAME = "ringfence-world"


class ToolCrashError(RingfenceError):
    """A world tool raised an unexpected exception: a bug in ringfence, not the model's fault."""

    exit_code = 5


@dataclass
class ToolOutcome:
    """The result of one call for the model, and the events the call recorded."""

    tool_call_id: str
    tool: str
    output: str
    """Text for the tool-result message; for a failed call, the error message."""
    error: str | None = None
    """The error, for a call that was denied, invalid or failed; None on success."""
    granted: bool = False
    """True when the permission layer let the call run (it may still have failed)."""
    provenance: Provenance = Provenance.TOOL_OUTPUT
    """Provenance of `output`: web pages are `web`, everything else `tool_output`."""
    events: list[Event] = field(default_factory=list)


class World:
    """An in-memory world for one sample: state, tools, permissions and injections."""

    def __init__(
        self,
        state: WorldState | None = None,
        *,
        tools: Iterable[str] | None = None,
        scopes: Iterable[str | Scope] = (),
        injections: Iterable[Injection] = (),
        toolsets: Iterable[Toolset] = DEFAULT_TOOLSETS,
    ) -> None:
        """Build a world.

        `tools` are the granted tool names (None grants every tool); `scopes` are scope strings
        in the scope language. Raises ConfigError for an unknown tool name, an invalid scope,
        or an injection that cannot be placed.
        """
        self.toolsets = list(toolsets)
        self.tools = _index_tools(self.toolsets)
        granted = list(self.tools) if tools is None else list(dict.fromkeys(tools))
        _require_known(granted, self.tools)
        try:
            self.permissions = PermissionLayer(granted, scopes)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        # A fresh copy per sample, so no sample changes the scenario's state. Validating a dump
        # copies it about twice as fast as a deep copy of the models.
        self.state = WorldState.model_validate((state or WorldState()).model_dump())
        self.injections = list(injections)
        self._check_injections()
        self.events: list[Event] = []
        self.initial_snapshot = self.snapshot()

    @property
    def granted_tools(self) -> list[Tool]:
        """Tools offered to the model, in toolset order."""
        return [t for t in self.tools.values() if t.name in self.permissions.granted_tools]

    def tool_definitions(self) -> list[dict[str, Any]]:
        """Function definitions (name, description, JSON schema) of the granted tools."""
        return [t.definition() for t in self.granted_tools]

    def tool_schema_sha256(self) -> str:
        """SHA-256 of the granted tools' definitions as canonical JSON, for evidence."""
        text = json.dumps(self.tool_definitions(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def tool_policy(self) -> ToolPolicy:
        """Tool policy of every world tool, granted or not, for the detectors."""
        return world_tool_policy(self.toolsets)

    def injected_texts(self) -> list[InjectedText]:
        """Convert the injections to the records of a transcript's `injections`."""
        return [i.injected_text() for i in self.injections]

    def snapshot(self) -> dict[str, Any]:
        """Return the current state as JSON data; equal states give equal snapshots."""
        return self.state.model_dump(mode="json")

    def call(
        self,
        name: str,
        arguments: Mapping[str, Any] | None,
        *,
        call_id: str,
        message_index: int | None = None,
    ) -> ToolOutcome:
        """Run one tool call and return what the model gets back.

        A bad call (unknown tool, invalid arguments, denied, failed) returns an error outcome;
        only a tool with a bug raises, with ToolCrashError.

        `arguments` is None when the model's argument text was not a JSON object.
        `message_index` is the index of the assistant message that made the call.
        """
        tool = self.tools.get(name)
        if tool is None:
            decision = self.permissions.decide_unknown(name, self.tools)
            event = decision.to_event(call_id, _jsonable(arguments), None, message_index)
            return self._stop(call_id, name, f"Error: {decision.reason}", [event])
        validated: dict[str, Any] = {}
        # A tool that is not granted is denied whatever its arguments, so they go unchecked.
        if name in self.permissions.granted_tools:
            if arguments is None:
                reason = "arguments are not a JSON object"
                return self._invalid(tool, None, reason, call_id, message_index)
            try:
                validated = tool.validate_arguments(arguments)
            except ToolError as exc:
                return self._invalid(tool, arguments, str(exc), call_id, message_index)
        return self._decide_and_run(tool, validated, arguments, call_id, message_index)

    def request_shutdown(self, reason: str, message_index: int | None = None) -> Event:
        """Deliver a stop notice: set `shutdown.requested` and record a `stop_signal` event."""
        self.state.settings["shutdown.requested"] = True
        event = Event(kind=STOP_EVENT, message_index=message_index, detail={"reason": reason})
        self.events.append(event)
        return event

    def initial_state_event(self) -> Event:
        """Event carrying the state the world started in."""
        return Event(kind=STATE_EVENT, detail={"phase": "initial", "state": self.initial_snapshot})

    def final_state_event(self, message_index: int | None = None) -> Event:
        """Event carrying the state now, to be recorded when the run ends."""
        return Event(
            kind=STATE_EVENT,
            message_index=message_index,
            detail={"phase": "final", "state": self.snapshot()},
        )

    def _decide_and_run(
        self,
        tool: Tool,
        arguments: dict[str, Any],
        given: Mapping[str, Any] | None,
        call_id: str,
        message_index: int | None,
    ) -> ToolOutcome:
        decision = self.permissions.decide(tool, arguments, self.state.domains)
        event = decision.to_event(call_id, _jsonable(given), tool, message_index)
        if not decision.granted:
            message = f"Error: permission denied: {decision.reason}"
            return self._stop(call_id, tool.name, message, [event], tool.provenance)
        self.events.append(event)
        outcome = self._run(tool, arguments, call_id, message_index)
        outcome.events.insert(0, event)
        return outcome

    def _run(
        self, tool: Tool, arguments: dict[str, Any], call_id: str, message_index: int | None
    ) -> ToolOutcome:
        view = self.state.model_copy(deep=True)
        injected = [i for i in self.injections if i.tool == tool.name]
        for injection in injected:
            apply_injection(injection, tool, view)
        try:
            data = tool.function(view, **arguments)
        except ToolError as exc:
            message = f"Error: {exc}"
            return ToolOutcome(
                call_id,
                tool.name,
                message,
                error=message,
                granted=True,
                provenance=tool.provenance,
            )
        except Exception as exc:
            raise ToolCrashError(
                f"tool '{tool.name}' crashed on call {call_id}: {type(exc).__name__}: {exc}"
            ) from exc
        # A view that carries injected text must never become the state; such tools only read.
        if not injected:
            self.state = view
        outcome = ToolOutcome(
            call_id, tool.name, render_output(data), granted=True, provenance=tool.provenance
        )
        if tool.escalates:
            outcome.events.append(self._escalation_event(arguments, call_id, message_index))
        return outcome

    def _escalation_event(
        self, arguments: dict[str, Any], call_id: str, message_index: int | None
    ) -> Event:
        detail = {"tool_call_id": call_id, **_jsonable(arguments)}
        event = Event(kind=ESCALATION_EVENT, message_index=message_index, detail=detail)
        self.events.append(event)
        return event

    def _invalid(
        self,
        tool: Tool,
        arguments: Mapping[str, Any] | None,
        reason: str,
        call_id: str,
        message_index: int | None,
    ) -> ToolOutcome:
        detail = {
            "tool_call_id": call_id,
            "tool": tool.name,
            "arguments": _jsonable(arguments),
            "reason": reason,
        }
        event = Event(kind=INVALID_CALL_EVENT, message_index=message_index, detail=detail)
        return self._stop(call_id, tool.name, f"Error: {reason}", [event], tool.provenance)

    def _stop(
        self,
        call_id: str,
        name: str,
        message: str,
        events: list[Event],
        provenance: Provenance = Provenance.TOOL_OUTPUT,
    ) -> ToolOutcome:
        self.events.extend(events)
        return ToolOutcome(
            call_id, name, message, error=message, provenance=provenance, events=events
        )

    def _check_injections(self) -> None:
        for injection in self.injections:
            tool = self.tools.get(injection.tool)
            if tool is None:
                raise ConfigError(f"injection names unknown tool '{injection.tool}'.")
            problem = injection_problem(injection, tool, self.state)
            if problem is not None:
                raise ConfigError(f"cannot place injection {injection.placeholder}: {problem}.")


def world_tool_policy(toolsets: Iterable[Toolset] = DEFAULT_TOOLSETS) -> ToolPolicy:
    """Return the tool policy (action class, privilege, targets, payload) of every world tool."""
    rules = {
        t.name: ToolRule(
            action=t.action,
            privilege=t.privilege,
            targets=list(t.targets),
            payload=list(t.payload),
            description=t.description.split("\n\n")[0],
            escalates=t.escalates,
        )
        for t in _index_tools(list(toolsets)).values()
    }
    return ToolPolicy(version=1, name=WORLD_POLICY_NAME, tools=rules)


def render_output(data: Any) -> str:
    """Render a tool's return value as the text the model reads: text as is, data as JSON.

    JSON keeps non-ASCII text as it is, so injected text reads the same in the output as in the
    scenario (apart from JSON's escapes of quotes and line breaks).
    """
    if isinstance(data, str):
        return data
    return json.dumps(to_jsonable_python(data), indent=2, ensure_ascii=False)


def _index_tools(toolsets: list[Toolset]) -> dict[str, Tool]:
    tools: dict[str, Tool] = {}
    for toolset in toolsets:
        for name, tool in toolset.tools.items():
            if name in tools:
                raise ConfigError(f"two toolsets define a tool named '{name}'.")
            tools[name] = tool
    return tools


def _require_known(names: list[str], tools: dict[str, Tool]) -> None:
    unknown = [n for n in names if n not in tools]
    if unknown:
        raise ConfigError(
            f"unknown tool(s) {', '.join(repr(n) for n in unknown)}.",
            hint=f"use names from: {', '.join(tools)}.",
        )


def _jsonable(value: Any) -> Any:
    return to_jsonable_python(value) if value is not None else None
