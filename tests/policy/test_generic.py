"""The tool policy guessed from tool names, for tool sets that ship no policy."""

from __future__ import annotations

import pytest

from ringfence.policy import ActionClass, PolicySet, Privilege
from ringfence.policy.generic import (
    build_generic_policy,
    classify_tool_name,
    guess_tool_rule,
    tool_name_words,
)
from ringfence.transcript import ToolCall


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("GmailSendEmail", ["gmail", "send", "email"]),
        ("get_user_details", ["get", "user", "details"]),
        ("The23andMeGetGeneticData", ["the", "23", "and", "me", "get", "genetic", "data"]),
        ("TDAmeritradeGetHoldings", ["td", "ameritrade", "get", "holdings"]),
    ],
)
def test_name_words(name: str, words: list[str]) -> None:
    assert tool_name_words(name) == words


@pytest.mark.parametrize(
    ("name", "action"),
    [
        ("GmailSendEmail", ActionClass.SEND),
        ("GmailReadEmail", ActionClass.READ),
        ("get_balance", ActionClass.READ),
        ("TrafficControlSearchLocations", ActionClass.READ),
        ("TrafficControlManageTrafficLightState", ActionClass.WRITE),
        ("EmergencyDispatchSystemCreateDispatchRequest", ActionClass.WRITE),
        ("GoogleHomeControlDevice", ActionClass.WRITE),
        ("AugustSmartLockGrantGuestAccess", ActionClass.ADMIN),
        ("AugustSmartLockViewAccessHistory", ActionClass.READ),
        ("GitHubDeleteRepository", ActionClass.DELETE),
        ("execute_python_code", ActionClass.EXECUTE),
        ("bash", ActionClass.EXECUTE),
        ("WebBrowserNavigateTo", ActionClass.EXTERNAL),
        ("PostBlog", ActionClass.SEND),
    ],
)
def test_classified_by_verb(name: str, action: ActionClass) -> None:
    assert classify_tool_name(name) is action


@pytest.mark.parametrize("name", ["Teleport", "widget", "QuantumFlux"])
def test_no_known_verb(name: str) -> None:
    assert classify_tool_name(name) is None
    assert guess_tool_rule(name) is None


def test_arguments_sorted_into_targets_and_payload() -> None:
    rule = guess_tool_rule("GmailSendEmail", ["to", "cc", "subject", "body", "send_at"])

    assert rule is not None
    assert rule.action is ActionClass.SEND
    assert rule.privilege is Privilege.HIGH
    assert rule.targets == ["cc", "to"]
    assert rule.payload == ["body", "subject"]


def test_policy_from_calls() -> None:
    calls = [
        ToolCall(id="1", name="BankManagerPayBill", arguments={"payee_id": "P-1", "amount": 5}),
        ToolCall(id="2", name="BankManagerPayBill", arguments={"from_account_number": "9"}),
        ToolCall(id="3", name="Teleport", arguments={"to": "Mars"}),
        ToolCall(id="4", name="GmailReadEmail", arguments=None, parse_error="bad"),
    ]

    policy = build_generic_policy(calls)

    assert sorted(policy.tools) == ["BankManagerPayBill", "GmailReadEmail"]
    pay = policy.tools["BankManagerPayBill"]
    assert pay.targets == ["from_account_number", "payee_id"]
    assert policy.suites == []
    # A tool with no known verb stays out, so its calls are unknown tools.
    assert PolicySet([policy]).rule_for("any", "Teleport") is None
