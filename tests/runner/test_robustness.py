"""Odd replies from an OpenAI-compatible server are recorded and handled, never a crash.

Each test plays the 'pay-invoice' scenario (ACC-1 starts at 1000 EUR; payments up to 500 EUR
are allowed) against a fake server on 127.0.0.1 through the real `openai` SDK.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ringfence.runner import CONTENT_FILTERED_EVENT, ID_REPLACED_EVENT, TRUNCATED_EVENT
from ringfence.transcript import Role, Transcript
from ringfence.world import DENIED_EVENT, GRANTED_EVENT, INVALID_CALL_EVENT
from tests.runner.fake_provider import (
    FakeProvider,
    Sequence,
    completion,
    running,
    tool_call,
)
from tests.runner.helpers import (
    HTTP_CLIENTS,
    balance,
    event_kinds,
    live_request,
    pay_invoice_suite,
    play_first_scenario,
)

pytestmark = pytest.mark.parametrize("http_client", HTTP_CLIENTS)

PAYMENT = {"from_account": "ACC-1", "recipient": "DE00 1111", "amount": 120, "reference": "7"}


def _play(http_client: str, tmp_path: Path, replies: list[Any]) -> tuple[Transcript, FakeProvider]:
    suite = pay_invoice_suite(tmp_path / "suite")
    with running(Sequence(replies)) as fake:
        transcript = play_first_scenario(
            live_request(suite, fake.base_url, http_client=http_client)
        )
    return transcript, fake


def _calls(transcript: Transcript) -> list[Any]:
    return [call for _, call in transcript.tool_calls()]


def test_invalid_json_arguments(tmp_path: Path, http_client: str) -> None:
    transcript, _ = _play(
        http_client, tmp_path, [completion(tool_calls=[tool_call("send_payment", '{"amo')])]
    )
    call = _calls(transcript)[0]
    assert call.arguments is None
    assert call.arguments_raw == '{"amo'
    assert call.parse_error is not None and call.parse_error.startswith("invalid JSON")
    assert INVALID_CALL_EVENT in event_kinds(transcript)
    assert transcript.error is None
    assert balance(transcript) == 1000


def test_trailing_text_after_arguments(tmp_path: Path, http_client: str) -> None:
    raw = '{"from_account": "ACC-1", "recipient": "DE00 1111", "amount": 120, "reference": "7"}x'
    transcript, _ = _play(
        http_client, tmp_path, [completion(tool_calls=[tool_call("send_payment", raw)])]
    )
    call = _calls(transcript)[0]
    assert call.arguments is None
    assert call.parse_error is not None and "text after the JSON value" in call.parse_error
    assert GRANTED_EVENT not in event_kinds(transcript)
    assert balance(transcript) == 1000


def test_object_arguments(tmp_path: Path, http_client: str) -> None:
    call = tool_call("send_payment", PAYMENT)
    call["function"]["arguments"] = PAYMENT  # an object, as some servers send it
    transcript, _ = _play(http_client, tmp_path, [completion(tool_calls=[call])])
    recorded = _calls(transcript)[0]
    assert recorded.arguments == PAYMENT
    assert recorded.parse_error is None
    assert balance(transcript) == 880


def test_unknown_tool(tmp_path: Path, http_client: str) -> None:
    transcript, _ = _play(
        http_client, tmp_path, [completion(tool_calls=[tool_call("wire_money", {"amount": 5})])]
    )
    assert DENIED_EVENT in event_kinds(transcript)
    result = next(m for m in transcript.messages if m.role is Role.TOOL)
    assert result.error is not None
    assert transcript.error is None


def test_duplicate_tool_call_ids(tmp_path: Path, http_client: str) -> None:
    calls = [
        tool_call("list_emails", {}, call_id="same"),
        tool_call("read_email", {"email_id": "m-1"}, call_id="same"),
    ]
    transcript, fake = _play(http_client, tmp_path, [completion(tool_calls=calls)])
    ids = [call.id for call in _calls(transcript)]
    assert ids[0] == "same"
    assert ids[1] != "same"
    assert ID_REPLACED_EVENT in event_kinds(transcript)
    answered = [m.tool_call_id for m in transcript.messages if m.role is Role.TOOL]
    assert answered == ids
    sent = fake.requests[1].body["messages"]
    assert [m["tool_call_id"] for m in sent if m["role"] == "tool"] == ids


def test_missing_tool_call_id(tmp_path: Path, http_client: str) -> None:
    transcript, _ = _play(
        http_client, tmp_path, [completion(tool_calls=[tool_call("list_emails", {}, call_id=None)])]
    )
    call = _calls(transcript)[0]
    assert call.id.startswith("ringfence-call-")
    replaced = next(e for e in transcript.events if e.kind == ID_REPLACED_EVENT)
    assert replaced.detail["reason"] == "missing"


def test_parallel_tool_calls(tmp_path: Path, http_client: str) -> None:
    calls = [tool_call("read_email", {"email_id": "m-1"}), tool_call("send_payment", PAYMENT)]
    transcript, fake = _play(http_client, tmp_path, [completion(tool_calls=calls)])
    assert [c.name for c in _calls(transcript)] == ["read_email", "send_payment"]
    assert balance(transcript) == 880
    roles = [m["role"] for m in fake.requests[1].body["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "tool"]


def test_refusal_without_content(tmp_path: Path, http_client: str) -> None:
    transcript, fake = _play(
        http_client, tmp_path, [completion(None, refusal="I cannot pay invoices.")]
    )
    reply = transcript.messages[2]
    assert reply.role is Role.ASSISTANT
    assert reply.content is None
    assert reply.refusal == "I cannot pay invoices."
    assert transcript.error is None
    assert len(fake.requests) == 1


def test_truncated_tool_call_not_run(tmp_path: Path, http_client: str) -> None:
    cut = tool_call("send_payment", '{"from_account": "ACC-1", "recipient": "DE00 1111", "amo')
    transcript, _ = _play(
        http_client, tmp_path, [completion(tool_calls=[cut], finish_reason="length")]
    )
    assert TRUNCATED_EVENT in event_kinds(transcript)
    assert INVALID_CALL_EVENT not in event_kinds(transcript)
    assert GRANTED_EVENT not in event_kinds(transcript)
    result = next(m for m in transcript.messages if m.role is Role.TOOL)
    assert result.error is not None and "not run" in result.error
    assert balance(transcript) == 1000


def test_truncated_valid_call_not_run(tmp_path: Path, http_client: str) -> None:
    call = tool_call("send_payment", PAYMENT)
    transcript, _ = _play(
        http_client, tmp_path, [completion(tool_calls=[call], finish_reason="length")]
    )
    assert _calls(transcript)[0].arguments == PAYMENT
    assert balance(transcript) == 1000


def test_content_filter(tmp_path: Path, http_client: str) -> None:
    transcript, fake = _play(
        http_client, tmp_path, [completion(None, finish_reason="content_filter")]
    )
    assert CONTENT_FILTERED_EVENT in event_kinds(transcript)
    assert transcript.error is None
    assert len(fake.requests) == 1


def test_question_gets_follow_up(tmp_path: Path, http_client: str) -> None:
    replies = [
        completion("Shall I pay 120 EUR?"),
        completion(tool_calls=[tool_call("send_payment", PAYMENT)]),
    ]
    transcript, _ = _play(http_client, tmp_path, replies)
    users = [m.content for m in transcript.messages if m.role is Role.USER]
    assert users[1] == "yes"
    assert balance(transcript) == 880


def test_nan_amount_is_invalid(tmp_path: Path, http_client: str) -> None:
    raw = '{"from_account": "ACC-1", "recipient": "DE00 1111", "amount": NaN, "reference": "7"}'
    transcript, _ = _play(
        http_client, tmp_path, [completion(tool_calls=[tool_call("send_payment", raw)])]
    )
    [call] = _calls(transcript)
    assert call.arguments is None
    assert "NaN is not a number JSON allows" in (call.parse_error or "")
    assert INVALID_CALL_EVENT in event_kinds(transcript)
    assert balance(transcript) == 1000
