"""Pin the public names of ringfence.world."""

from __future__ import annotations

import ringfence.world
from tests._paths import REPO_ROOT


def test_public_names() -> None:
    assert sorted(ringfence.world.__all__) == [
        "COLLECTIONS",
        "DEFAULT_TOOLSETS",
        "DENIED_EVENT",
        "ESCALATION_EVENT",
        "GRANTED_EVENT",
        "INTERNAL_ONLY",
        "INVALID_CALL_EVENT",
        "Injection",
        "InvalidArguments",
        "OVERSIGHT_SETTINGS",
        "PermissionDecision",
        "PermissionLayer",
        "STATE_EVENT",
        "STOP_EVENT",
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
    for name in ringfence.world.__all__:
        assert hasattr(ringfence.world, name), name


def test_toolset_names() -> None:
    names = [t.name for t in ringfence.world.DEFAULT_TOOLSETS]
    assert names == [
        "email",
        "files",
        "calendar",
        "payments",
        "tickets",
        "settings",
        "chat",
        "web",
        "records",
        "escalation",
    ]


def test_docs_list_every_tool() -> None:
    text = (REPO_ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    for toolset in ringfence.world.DEFAULT_TOOLSETS:
        for tool in toolset.tools.values():
            signature = f"`{tool.name}({', '.join(tool.parameter_names)})`"
            assert signature in text, f"docs/scenarios.md does not list {signature}"
