"""The permission layer inside World.call: events, denials that change nothing, bad calls."""

from __future__ import annotations

from typing import Any

import pytest

from ringfence.errors import ConfigError
from ringfence.policy import ActionClass
from ringfence.world import (
    DENIED_EVENT,
    ESCALATION_EVENT,
    GRANTED_EVENT,
    INVALID_CALL_EVENT,
    STATE_EVENT,
    STOP_EVENT,
    ToolCrashError,
    ToolError,
    Toolset,
    World,
    WorldState,
    tool,
)
from tests.world.builders import make_state, open_world

SIDE_EFFECTING_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("send_email", {"to": ["x@evil.example"], "subject": "s", "body": "b"}),
    ("delete_email", {"email_id": "m-1"}),
    ("write_file", {"path": "/new.md", "content": "x"}),
    ("delete_file", {"path": "/finance/q1.md"}),
    ("share_file", {"path": "/finance/q1.md", "email": "x@evil.example"}),
    ("create_event", {"title": "t", "start": "2025-01-08T10:00", "end": "2025-01-08T11:00"}),
    ("cancel_event", {"event_id": "ev-1"}),
    ("send_payment", {"from_account": "ACC-1", "recipient": "X", "amount": 10, "reference": "r"}),
    (
        "schedule_payment",
        {
            "from_account": "ACC-1",
            "recipient": "X",
            "amount": 10,
            "execute_on": "2025-02-01",
            "reference": "r",
        },
    ),
    ("refund_payment", {"transaction_id": "tx-10", "amount": 10, "reason": "r"}),
    ("update_ticket", {"ticket_id": "T-1", "comment": "c"}),
    ("close_ticket", {"ticket_id": "T-1", "resolution": "r"}),
    ("set_setting", {"key": "monitoring.enabled", "value": False}),
    ("post_message", {"channel": "general", "text": "hi"}),
    ("send_direct_message", {"recipient": "lee", "text": "hi"}),
    ("update_record", {"table": "customers", "record_id": "cu-1", "changes": {"tier": "x"}}),
]


@pytest.mark.parametrize(("name", "arguments"), SIDE_EFFECTING_CALLS, ids=lambda v: str(v)[:20])
def test_denied_call_changes_nothing(name: str, arguments: dict[str, Any]) -> None:
    world = open_world(scopes=["*:read"])
    before = world.snapshot()
    outcome = world.call(name, arguments, call_id="c1")
    assert not outcome.granted
    assert outcome.error is not None
    assert world.snapshot() == before
    assert [e.kind for e in world.events] == [DENIED_EVENT]


@pytest.mark.parametrize(("name", "arguments"), SIDE_EFFECTING_CALLS, ids=lambda v: str(v)[:20])
def test_granted_call_changes_state(name: str, arguments: dict[str, Any]) -> None:
    world = open_world()
    before = world.snapshot()
    outcome = world.call(name, arguments, call_id="c1")
    assert outcome.error is None, outcome.output
    assert world.snapshot() != before


def test_every_call_records_one_event_with_its_id() -> None:
    world = open_world(scopes=["email:read"])
    world.call("read_email", {"email_id": "m-1"}, call_id="a", message_index=2)
    world.call("send_email", {"to": ["a@acme.test"], "subject": "s", "body": "b"}, call_id="b")
    world.call("no_such_tool", {}, call_id="c")
    world.call("read_email", {"email": "m-1"}, call_id="d")
    kinds = [e.kind for e in world.events]
    assert kinds == [GRANTED_EVENT, DENIED_EVENT, DENIED_EVENT, INVALID_CALL_EVENT]
    assert [e.detail["tool_call_id"] for e in world.events] == ["a", "b", "c", "d"]
    assert world.events[0].message_index == 2
    first = world.events[0].detail
    assert first["tool"] == "read_email"
    assert first["arguments"] == {"email_id": "m-1"}
    assert first["scope"] == "email:read"
    assert first["action"] == "read"
    assert first["privilege"] == "low"


def test_tool_not_granted_is_denied() -> None:
    world = open_world(tools=["read_email"])
    outcome = world.call(
        "send_email", {"to": ["a@acme.test"], "subject": "s", "body": "b"}, call_id="c1"
    )
    assert not outcome.granted
    assert "not granted" in outcome.output
    assert world.events[0].detail["reason"] == "tool 'send_email' is not granted in this scenario"
    assert [d["name"] for d in world.tool_definitions()] == ["read_email"]


def test_unknown_tool_returns_error_and_is_recorded() -> None:
    world = open_world(tools=["read_email", "list_emails"])
    outcome = world.call("rm_rf", {"path": "/"}, call_id="c9")
    assert outcome.error is not None
    assert "unknown tool 'rm_rf'" in outcome.output
    assert "list_emails, read_email" in outcome.output
    event = world.events[0]
    assert event.kind == DENIED_EVENT
    assert event.detail["tool"] == "rm_rf"
    assert event.detail["arguments"] == {"path": "/"}
    assert event.detail["action"] is None


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, "'email_id' is required"),
        ({"email_id": "m-1", "folder": "x"}, "'folder' is not a parameter"),
        ({"email_id": ["m-1"]}, "'email_id': Input should be a valid string"),
        (None, "arguments are not a JSON object"),
    ],
)
def test_invalid_arguments_return_tool_error(arguments: Any, expected: str) -> None:
    world = open_world()
    before = world.snapshot()
    outcome = world.call("read_email", arguments, call_id="c1")
    assert outcome.error is not None
    assert expected in outcome.error
    assert not outcome.granted
    assert world.snapshot() == before
    assert world.events[-1].kind == INVALID_CALL_EVENT
    assert world.events[-1].detail["tool_call_id"] == "c1"


def test_numbers_given_as_text_are_coerced() -> None:
    world = open_world()
    outcome = world.call(
        "send_payment",
        {"from_account": "ACC-1", "recipient": "X", "amount": "25.5", "reference": "r"},
        call_id="c1",
    )
    assert outcome.error is None
    assert world.state.payments.accounts[0].balance == 974.5


def test_failed_tool_leaves_state_unchanged() -> None:
    world = open_world()
    before = world.snapshot()
    outcome = world.call(
        "send_payment",
        {"from_account": "ACC-1", "recipient": "X", "amount": 5000, "reference": "r"},
        call_id="c1",
    )
    assert outcome.granted
    assert outcome.error is not None
    assert "insufficient funds" in outcome.error
    assert world.snapshot() == before


def test_failed_tool_changes_rolled_back() -> None:
    @tool(action=ActionClass.WRITE, scope="email:write")
    def half_done(state: WorldState) -> str:
        """Change the state, then fail."""
        state.mailbox.messages.clear()
        raise ToolError("gave up halfway")

    world = World(make_state(), scopes=["*:*"], toolsets=[Toolset("email", "Mail.", [half_done])])
    outcome = world.call("half_done", {}, call_id="c1")
    assert outcome.error == "Error: gave up halfway"
    assert len(world.state.mailbox.messages) == 2


def test_crashing_tool_raises_infrastructure_error() -> None:
    @tool(action=ActionClass.READ, scope="email:read")
    def buggy(state: WorldState) -> str:
        """Fail with a bug."""
        return str(1 / 0)

    world = World(make_state(), scopes=["*:*"], toolsets=[Toolset("email", "Mail.", [buggy])])
    with pytest.raises(ToolCrashError, match="buggy.*ZeroDivisionError"):
        world.call("buggy", {}, call_id="c1")


def test_escalation_records_event() -> None:
    world = open_world(scopes=[])
    outcome = world.call(
        "escalate",
        {"reason": "Refund above limit", "urgency": "high"},
        call_id="e1",
        message_index=5,
    )
    assert outcome.granted
    assert [e.kind for e in outcome.events] == [GRANTED_EVENT, ESCALATION_EVENT]
    escalation = world.events[-1]
    assert escalation.message_index == 5
    assert escalation.detail == {
        "tool_call_id": "e1",
        "reason": "Refund above limit",
        "urgency": "high",
    }
    assert world.state.escalations[0].reason == "Refund above limit"


def test_request_shutdown_sets_setting_and_event() -> None:
    world = open_world()
    event = world.request_shutdown("maintenance", message_index=3)
    assert event.kind == STOP_EVENT
    assert world.state.settings["shutdown.requested"] is True
    assert world.events == [event]


def test_state_events_carry_snapshots() -> None:
    world = open_world()
    world.call("delete_file", {"path": "/finance/q1.md"}, call_id="c1")
    initial = world.initial_state_event()
    final = world.final_state_event(message_index=4)
    assert initial.kind == final.kind == STATE_EVENT
    assert initial.detail["phase"] == "initial"
    assert final.detail["phase"] == "final"
    assert len(initial.detail["state"]["files"]) == 2
    assert len(final.detail["state"]["files"]) == 1
    assert final.message_index == 4


def test_world_copies_the_given_state() -> None:
    state = make_state()
    world = World(state, scopes=["*:*"])
    world.call("delete_file", {"path": "/finance/q1.md"}, call_id="c1")
    assert len(state.files) == 2


def test_unknown_granted_tool_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown tool"):
        World(make_state(), tools=["send_emial"])


def test_invalid_scope_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="invalid scope"):
        World(make_state(), scopes=["payments"])
