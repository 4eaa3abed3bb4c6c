"""The sandboxed world that live scenarios run in: in-memory state, tools and permissions.

`World` contains a `WorldState` and the tools of every toolset (`ringfence.world.toolsets`);
`World.call` runs one tool call through the permission layer and returns a `ToolOutcome`.
Nothing here reaches the real file system or a network.
"""

from ringfence.world._collections import COLLECTIONS, find_record, record_keys, text_fields
from ringfence.world._injection import Injection
from ringfence.world._permissions import (
    DENIED_EVENT,
    GRANTED_EVENT,
    PermissionDecision,
    PermissionLayer,
)
from ringfence.world._registry import (
    InvalidArguments,
    ScopeBinding,
    Tool,
    ToolDefinitionError,
    ToolError,
    Toolset,
    tool,
    tool_of,
)
from ringfence.world._scopes import INTERNAL_ONLY, Scope, ScopeSyntaxError, parse_scope
from ringfence.world._state import OVERSIGHT_SETTINGS, WorldState
from ringfence.world._world import (
    ESCALATION_EVENT,
    INVALID_CALL_EVENT,
    STATE_EVENT,
    STOP_EVENT,
    ToolCrashError,
    ToolOutcome,
    World,
    render_output,
    world_tool_policy,
)
from ringfence.world.toolsets import DEFAULT_TOOLSETS

__all__ = [
    "COLLECTIONS",
    "DEFAULT_TOOLSETS",
    "DENIED_EVENT",
    "ESCALATION_EVENT",
    "GRANTED_EVENT",
    "INTERNAL_ONLY",
    "INVALID_CALL_EVENT",
    "OVERSIGHT_SETTINGS",
    "STATE_EVENT",
    "STOP_EVENT",
    "Injection",
    "InvalidArguments",
    "PermissionDecision",
    "PermissionLayer",
    "Scope",
    "ScopeBinding",
    "ScopeSyntaxError",
    "Tool",
    "ToolCrashError",
    "ToolDefinitionError",
    "ToolError",
    "ToolOutcome",
    "Toolset",
    "World",
    "WorldState",
    "find_record",
    "parse_scope",
    "record_keys",
    "render_output",
    "text_fields",
    "tool",
    "tool_of",
    "world_tool_policy",
]
