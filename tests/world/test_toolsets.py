"""Behaviour of each toolset through World.call, and determinism of whole runs."""

from __future__ import annotations

import json
from typing import Any

from ringfence.transcript import Provenance
from ringfence.world import World
from tests.world.builders import make_state, open_world


def _data(world: World, name: str, **arguments: Any) -> Any:
    outcome = world.call(name, arguments, call_id=f"call-{len(world.events)}")
    assert outcome.error is None, outcome.output
    return json.loads(outcome.output)


def _error(world: World, name: str, **arguments: Any) -> str:
    outcome = world.call(name, arguments, call_id=f"call-{len(world.events)}")
    assert outcome.error is not None, outcome.output
    return outcome.error


def test_email_list_read_search() -> None:
    world = open_world()
    listed = _data(world, "list_emails")
    assert [m["id"] for m in listed] == ["m-2", "m-1"]
    assert "body" not in listed[0]
    assert _data(world, "read_email", email_id="m-1")["body"].startswith("The Q1 report")
    assert [m["id"] for m in _data(world, "search_emails", query="q1 REPORT")] == ["m-1"]
    assert "'query' is empty" in _error(world, "search_emails", query="  ")
    assert "Did you mean 'm-1'" in _error(world, "read_email", email_id="m-11")


def test_email_send_and_delete() -> None:
    world = open_world()
    sent = _data(
        world,
        "send_email",
        to=["lee@acme.test"],
        subject="Hi",
        body="Text",
        attachments=["/finance/q1.md"],
    )
    assert sent == {"id": "email-3", "status": "sent", "recipients": ["lee@acme.test"]}
    stored = world.state.mailbox.messages[-1]
    assert stored.folder == "sent"
    assert stored.sender == "kim@acme.test"
    assert stored.attachments == ["/finance/q1.md"]
    assert "no file" in _error(
        world, "send_email", to=["a@acme.test"], subject="s", body="b", attachments=["/nope"]
    )
    assert "not an e-mail address" in _error(world, "send_email", to=["lee"], subject="s", body="b")
    assert _data(world, "delete_email", email_id="m-2")["status"] == "moved to trash"
    assert _data(world, "delete_email", email_id="m-2")["status"] == "deleted permanently"
    assert [m.id for m in world.state.mailbox.messages] == ["m-1", "email-3"]


def test_files_tools() -> None:
    world = open_world()
    assert [f["path"] for f in _data(world, "list_files", directory="/finance")] == [
        "/finance/q1.md"
    ]
    assert _data(world, "read_file", path="/finance/../finance/q1.md")["content"] == "Revenue 1.2M"
    assert "not absolute" in _error(world, "read_file", path="finance/q1.md")
    assert _data(world, "write_file", path="/drafts/a.md", content="A")["status"] == "created"
    assert "exists" in _error(world, "write_file", path="/drafts/a.md", content="B")
    assert (
        _data(world, "write_file", path="/drafts/a.md", content="B", overwrite=True)["status"]
        == "overwritten"
    )
    shared = _data(world, "share_file", path="/drafts/a.md", email="lee@acme.test")
    assert shared["shared_with"] == ["lee@acme.test"]
    _data(world, "delete_file", path="/drafts/a.md")
    assert "no file at" in _error(world, "read_file", path="/drafts/a.md")


def test_calendar_tools() -> None:
    world = open_world()
    assert [e["id"] for e in _data(world, "list_events", day="2025-01-07")] == ["ev-1"]
    assert _data(world, "list_events", day="2025-01-08") == []
    created = _data(
        world,
        "create_event",
        title="Retro",
        start="2025-01-08T15:00",
        end="2025-01-08T16:00",
        attendees=["lee@acme.test"],
    )
    assert created["id"] == "event-2"
    assert "must be after" in _error(
        world, "create_event", title="x", start="2025-01-08T15:00", end="2025-01-08T15:00"
    )
    assert _data(world, "cancel_event", event_id="ev-1")["notified"] == ["lee@acme.test"]
    assert "already cancelled" in _error(world, "cancel_event", event_id="ev-1")


def test_payments_tools() -> None:
    world = open_world()
    assert _data(world, "get_balance", account_id="ACC-1")["balance"] == 1000.0
    paid = _data(
        world,
        "send_payment",
        from_account="ACC-1",
        recipient="DE00",
        amount=250,
        reference="Invoice 1",
    )
    assert paid == {"transaction_id": "tx-2", "status": "completed", "balance": 750.0}
    assert "above zero" in _error(
        world, "send_payment", from_account="ACC-1", recipient="X", amount=-5, reference="r"
    )
    scheduled = _data(
        world,
        "schedule_payment",
        from_account="ACC-1",
        recipient="X",
        amount=50,
        execute_on="2025-02-01",
        reference="rent",
    )
    assert scheduled["status"] == "scheduled"
    assert world.state.payments.accounts[0].balance == 750.0
    assert "after today" in _error(
        world,
        "schedule_payment",
        from_account="ACC-1",
        recipient="X",
        amount=5,
        execute_on="2025-01-06",
        reference="r",
    )
    history = _data(world, "list_transactions", account_id="ACC-1")
    assert [t["id"] for t in history] == ["tx-3", "tx-2", "tx-10"]


def test_refunds_are_capped_by_what_was_paid() -> None:
    world = open_world()
    _data(world, "refund_payment", transaction_id="tx-10", amount=100, reason="part")
    assert "at most 20.00" in _error(
        world, "refund_payment", transaction_id="tx-10", amount=30, reason="more"
    )
    _data(world, "refund_payment", transaction_id="tx-10", amount=20, reason="rest")
    original = next(t for t in world.state.payments.transactions if t.id == "tx-10")
    assert original.status == "refunded"
    assert world.state.payments.accounts[0].balance == 880.0
    assert "payment out" in _error(
        world, "refund_payment", transaction_id="tx-2", amount=1, reason="x"
    )


def test_tickets_tools() -> None:
    world = open_world()
    assert _data(world, "list_tickets", status="open")[0]["id"] == "T-1"
    assert _data(world, "list_tickets", status="closed") == []
    updated = _data(world, "update_ticket", ticket_id="T-1", comment="On it", priority="high")
    assert updated["priority"] == "high"
    assert world.state.tickets[0].comments[0].text == "On it"
    assert "nothing to update" in _error(world, "update_ticket", ticket_id="T-1")
    _data(world, "close_ticket", ticket_id="T-1", resolution="Refunded")
    assert "is closed" in _error(world, "update_ticket", ticket_id="T-1", comment="again")


def test_settings_tools() -> None:
    world = open_world()
    listed = _data(world, "list_settings", prefix="monitoring.")
    assert listed["monitoring.enabled"] is True
    assert _data(world, "get_setting", key="ui.theme") == {"key": "ui.theme", "value": "light"}
    changed = _data(world, "set_setting", key="monitoring.enabled", value=False)
    assert changed == {"key": "monitoring.enabled", "old_value": True, "new_value": False}
    assert world.state.settings["monitoring.enabled"] is False
    assert "Did you mean 'ui.theme'" in _error(world, "get_setting", key="ui.them")


def test_oversight_settings_always_exist() -> None:
    settings = make_state().settings
    for key in [
        "agent.permissions",
        "monitoring.enabled",
        "monitoring.log_tool_calls",
        "shutdown.allowed",
        "shutdown.requested",
    ]:
        assert key in settings
    assert settings["ui.theme"] == "light"


def test_chat_tools() -> None:
    world = open_world()
    assert _data(world, "list_channels") == [{"channel": "general", "members": 2, "messages": 1}]
    assert _data(world, "read_channel", channel="#general")[0]["text"] == "Lunch at noon?"
    assert _data(world, "post_message", channel="general", text="Yes")["id"] == "msg-2"
    assert _data(world, "send_direct_message", recipient="@lee", text="hi")["recipient"] == "lee"
    assert "no chat user" in _error(world, "send_direct_message", recipient="zed", text="hi")
    assert "no channel" in _error(world, "read_channel", channel="random")


def test_web_fetch_serves_state_and_404() -> None:
    world = open_world()
    outcome = world.call("fetch_url", {"url": "https://docs.acme.test/faq/"}, call_id="c1")
    assert outcome.output == "FAQ\n\nAsk IT first."
    assert outcome.provenance is Provenance.WEB
    missing = world.call("fetch_url", {"url": "https://docs.acme.test/none"}, call_id="c2")
    assert missing.error == "Error: HTTP 404 Not Found: https://docs.acme.test/none"
    assert "invalid URL" in _error(world, "fetch_url", url="ftp://docs.acme.test")


def test_records_tools() -> None:
    world = open_world()
    assert _data(world, "list_tables")["customers"]["rows"] == 2
    assert [
        r["id"] for r in _data(world, "query_records", table="customers", filters={"tier": "GOLD"})
    ] == ["cu-1"]
    assert "no column 'colour'" in _error(
        world, "query_records", table="customers", filters={"colour": "red"}
    )
    updated = _data(
        world, "update_record", table="customers", record_id="cu-2", changes={"tier": "gold"}
    )
    assert updated["tier"] == "gold"
    assert "cannot change" in _error(
        world, "update_record", table="customers", record_id="cu-2", changes={"id": "cu-9"}
    )
    assert "no table" in _error(world, "query_records", table="orders")


def _scripted_run(world: World) -> list[str]:
    calls: list[tuple[str, dict[str, Any]]] = [
        ("send_email", {"to": ["lee@acme.test"], "subject": "s", "body": "b"}),
        ("write_file", {"path": "/notes.md", "content": "n"}),
        ("create_event", {"title": "t", "start": "2025-01-09T09:00", "end": "2025-01-09T10:00"}),
        (
            "send_payment",
            {"from_account": "ACC-1", "recipient": "X", "amount": 1, "reference": "r"},
        ),
        ("post_message", {"channel": "general", "text": "done"}),
        ("escalate", {"reason": "check"}),
        ("list_emails", {"folder": "sent"}),
    ]
    return [world.call(name, args, call_id=str(i)).output for i, (name, args) in enumerate(calls)]


def test_same_calls_give_same_outputs_and_state() -> None:
    first, second = open_world(), open_world()
    assert _scripted_run(first) == _scripted_run(second)
    assert first.snapshot() == second.snapshot()
    assert [e.model_dump() for e in first.events] == [e.model_dump() for e in second.events]
    assert first.tool_schema_sha256() == second.tool_schema_sha256()


def test_read_tools_do_not_change_state() -> None:
    world = open_world()
    before = world.snapshot()
    for tool in world.granted_tools:
        if not tool.action.side_effecting:
            required = tool.parameters["required"]
            if not required:
                world.call(tool.name, {}, call_id=tool.name)
    assert world.snapshot() == before


def test_snapshot_is_json_data() -> None:
    world = open_world()
    snapshot = world.snapshot()
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot["now"] == "2025-01-06T09:00:00"
