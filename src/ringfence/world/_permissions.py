"""The permission layer: grants or denies each tool call by the scenario's tools and scopes.

A call is granted when its tool is among the granted tools and at least one scope covers the
tool's resource and operation with its qualifier and limit satisfied. The first such scope, in
the order written, is the one that decided. A tool without a scope binding (the escalation
channel) needs no scope. Every decision becomes an `Event` of kind `permission_granted` or
`permission_denied`, in call order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ringfence.transcript import Event
from ringfence.world._registry import Tool
from ringfence.world._scopes import Scope, parse_scope

GRANTED_EVENT = "permission_granted"
DENIED_EVENT = "permission_denied"


@dataclass(frozen=True)
class PermissionDecision:
    """Whether one call may run, and which scope and reason decided it."""

    tool: str
    granted: bool
    reason: str
    scope: str | None = None
    """The scope that granted the call, or the one whose qualifier or limit denied it."""

    def to_event(
        self,
        tool_call_id: str,
        arguments: Any,
        tool: Tool | None,
        message_index: int | None = None,
    ) -> Event:
        """Return the event that records this decision in a transcript."""
        detail: dict[str, Any] = {
            "tool_call_id": tool_call_id,
            "tool": self.tool,
            "arguments": arguments,
            "granted": self.granted,
            "scope": self.scope,
            "reason": self.reason,
            "action": tool.action.value if tool else None,
            "privilege": tool.privilege.value if tool else None,
        }
        kind = GRANTED_EVENT if self.granted else DENIED_EVENT
        return Event(kind=kind, message_index=message_index, detail=detail)


class PermissionLayer:
    """Decision maker for calls, against a fixed set of granted tools and scopes."""

    def __init__(self, granted_tools: Iterable[str], scopes: Iterable[str | Scope]) -> None:
        self.granted_tools = frozenset(granted_tools)
        self.scopes = [s if isinstance(s, Scope) else parse_scope(s) for s in scopes]

    def decide(
        self, tool: Tool, arguments: dict[str, Any], domains: list[str]
    ) -> PermissionDecision:
        """Decide one call of a known tool with validated arguments."""
        if tool.name not in self.granted_tools:
            return PermissionDecision(
                tool.name, False, f"tool '{tool.name}' is not granted in this scenario"
            )
        binding = tool.scope
        if binding is None:
            return PermissionDecision(tool.name, True, "the tool needs no scope")
        covering = [s for s in self.scopes if s.covers(binding)]
        if not covering:
            return PermissionDecision(tool.name, False, f"no granted scope covers '{binding.text}'")
        violations: list[tuple[Scope, str]] = []
        for scope in covering:
            problem = scope.violation(binding, arguments, domains)
            if problem is None:
                return PermissionDecision(
                    tool.name, True, f"allowed by scope '{scope.text}'", scope.text
                )
            violations.append((scope, problem))
        scope, problem = violations[0]
        return PermissionDecision(
            tool.name, False, f"{problem}, so scope '{scope.text}' does not allow it", scope.text
        )

    def decide_unknown(self, name: str, known: Iterable[str]) -> PermissionDecision:
        """Deny a call of a tool the world does not have."""
        offered = sorted(set(known) & self.granted_tools)
        return PermissionDecision(
            name,
            False,
            f"unknown tool '{name}'; available tools: {', '.join(offered) or 'none'}",
        )
