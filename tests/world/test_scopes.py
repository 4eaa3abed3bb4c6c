"""The scope language: parsing, and which calls each kind of scope grants or denies."""

from __future__ import annotations

from typing import Any

import pytest

from ringfence.world import GRANTED_EVENT, ScopeSyntaxError, parse_scope
from ringfence.world._scopes import is_internal
from tests.world.builders import open_world

PAYMENT = {"from_account": "ACC-1", "recipient": "DE00 1234", "reference": "r"}


@pytest.mark.parametrize(
    ("text", "resource", "operation", "qualifier", "limit"),
    [
        ("files:read", "files", "read", None, None),
        ("payments:send<=500", "payments", "send", None, 500.0),
        ("payments:refund<=99.5", "payments", "refund", None, 99.5),
        ("email:send:internal-only", "email", "send", "internal-only", None),
        ("files:write:/drafts/*", "files", "write", "/drafts/*", None),
        ("web:fetch:https://docs.acme.test/*", "web", "fetch", "https://docs.acme.test/*", None),
        ("payments:send:DE*<=200", "payments", "send", "DE*", 200.0),
        ("*:read", "*", "read", None, None),
        ("email:*", "email", "*", None, None),
        ("  tickets:update  ", "tickets", "update", None, None),
    ],
)
def test_parse_valid_scope(
    text: str, resource: str, operation: str, qualifier: str | None, limit: float | None
) -> None:
    scope = parse_scope(text)
    assert scope.resource == resource
    assert scope.operation == operation
    assert scope.qualifier == qualifier
    assert scope.limit == limit
    assert scope.text == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "files",
        "files:",
        ":read",
        "Files:read",
        "files:read:",
        "payments:send<=",
        "payments:send<=x",
        "payments:send<500",
        "files read",
        "",
    ],
)
def test_parse_invalid_scope(text: str) -> None:
    with pytest.raises(ScopeSyntaxError, match="resource:operation"):
        parse_scope(text)


def _granted(scopes: list[str], tool: str, arguments: dict[str, Any]) -> bool:
    world = open_world(scopes=scopes)
    outcome = world.call(tool, arguments, call_id="c1")
    return outcome.granted


@pytest.mark.parametrize(
    ("scopes", "tool", "arguments", "granted"),
    [
        (["payments:send<=500"], "send_payment", {**PAYMENT, "amount": 500}, True),
        (["payments:send<=500"], "send_payment", {**PAYMENT, "amount": 500.01}, False),
        (["payments:send<=500"], "send_payment", {**PAYMENT, "amount": float("nan")}, False),
        (["payments:send"], "send_payment", {**PAYMENT, "amount": 900}, True),
        (["payments:schedule<=500"], "send_payment", {**PAYMENT, "amount": 5}, False),
        (["payments:send:DE*"], "send_payment", {**PAYMENT, "amount": 5}, True),
        (["payments:send:LT*"], "send_payment", {**PAYMENT, "amount": 5}, False),
        (["files:read"], "read_file", {"path": "/finance/q1.md"}, True),
        (["files:read:/shared/*"], "read_file", {"path": "/shared/menu.txt"}, True),
        (["files:read:/shared/*"], "read_file", {"path": "/finance/q1.md"}, False),
        (["files:read"], "write_file", {"path": "/x.md", "content": "x"}, False),
        # Arguments are normalized before the scope sees them, so '..' cannot leave the glob.
        (["files:read:/shared/*"], "read_file", {"path": "/shared/../finance/q1.md"}, False),
        (["files:read:/finance/*"], "read_file", {"path": "//finance/./q1.md"}, True),
        (["chat:post:general"], "post_message", {"channel": "#general", "text": "hi"}, True),
        (["chat:dm:lee"], "send_direct_message", {"recipient": "@lee", "text": "hi"}, True),
        (
            ["email:send:internal-only"],
            "send_email",
            {"to": ["lee@acme.test"], "subject": "s", "body": "b"},
            True,
        ),
        (
            ["email:send:internal-only"],
            "send_email",
            {"to": ["lee@eu.acme.test"], "subject": "s", "body": "b"},
            True,
        ),
        (
            ["email:send:internal-only"],
            "send_email",
            {"to": ["x@evil.example"], "subject": "s", "body": "b"},
            False,
        ),
        (
            ["email:send:internal-only"],
            "send_email",
            {"to": ["lee@acme.test"], "cc": ["x@evil.example"], "subject": "s", "body": "b"},
            False,
        ),
        (
            ["email:send:internal-only"],
            "send_email",
            {"to": ["x@notacme.test"], "subject": "s", "body": "b"},
            False,
        ),
        (
            ["files:share:internal-only"],
            "share_file",
            {"path": "/shared/menu.txt", "email": "lee@acme.test"},
            True,
        ),
        (
            ["files:share:internal-only"],
            "share_file",
            {"path": "/shared/menu.txt", "email": "x@evil.example"},
            False,
        ),
        (["*:read"], "read_email", {"email_id": "m-1"}, True),
        (["*:read"], "send_email", {"to": ["lee@acme.test"], "subject": "s", "body": "b"}, False),
        (["email:*"], "delete_email", {"email_id": "m-1"}, True),
        (["settings:write:ui.*"], "set_setting", {"key": "ui.theme", "value": "dark"}, True),
        (
            ["settings:write:ui.*"],
            "set_setting",
            {"key": "monitoring.enabled", "value": False},
            False,
        ),
        ([], "escalate", {"reason": "Need a human."}, True),
        ([], "read_email", {"email_id": "m-1"}, False),
        # A qualifier the tool has no argument for never grants (fail closed).
        (["email:read:internal-only"], "read_email", {"email_id": "m-1"}, False),
        (["files:read<=10"], "read_file", {"path": "/finance/q1.md"}, False),
    ],
)
def test_scope_grants_or_denies(
    scopes: list[str], tool: str, arguments: dict[str, Any], granted: bool
) -> None:
    assert _granted(scopes, tool, arguments) is granted


def test_first_satisfied_scope_decides() -> None:
    world = open_world(scopes=["payments:send<=100", "payments:send<=1000"])
    outcome = world.call("send_payment", {**PAYMENT, "amount": 400}, call_id="c1")
    assert outcome.granted
    assert outcome.events[0].detail["scope"] == "payments:send<=1000"
    assert outcome.events[0].kind == GRANTED_EVENT


def test_denial_names_scope_and_reason() -> None:
    world = open_world(scopes=["payments:send<=100"])
    outcome = world.call("send_payment", {**PAYMENT, "amount": 400}, call_id="c1")
    detail = outcome.events[0].detail
    assert detail["granted"] is False
    assert detail["scope"] == "payments:send<=100"
    assert "above the limit 100" in detail["reason"]
    assert outcome.error is not None
    assert "permission denied" in outcome.error


def test_denial_without_covering_scope() -> None:
    world = open_world(scopes=["email:read"])
    outcome = world.call(
        "send_email", {"to": ["a@acme.test"], "subject": "s", "body": "b"}, call_id="c1"
    )
    detail = outcome.events[0].detail
    assert detail["scope"] is None
    assert detail["reason"] == "no granted scope covers 'email:send'"


def test_internal_domain_matching() -> None:
    domains = ["acme.test"]
    assert is_internal("lee@acme.test", domains)
    assert is_internal("Lee Park <lee@ACME.test>", domains)
    assert is_internal("lee@mail.acme.test", domains)
    assert not is_internal("lee@acme.test.evil.example", domains)
    assert not is_internal("lee@notacme.test", domains)
    assert not is_internal("not an address", domains)
    assert not is_internal("lee@acme.test", [])
