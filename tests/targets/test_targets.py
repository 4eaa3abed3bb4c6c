"""The target registry, configuration errors, Retry-After parsing and the scripted, callable,
OpenAI-compatible and Anthropic targets."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ringfence.errors import ConfigError
from ringfence.runner import RunSettings, play_sample
from ringfence.targets import (
    ScriptedTarget,
    Target,
    TargetConfig,
    create_target,
    load_script,
    parse_retry_after,
    target_names,
)
from ringfence.transcript import Role, Transcript
from tests.runner.fake_provider import FakeResponse, RecordedRequest, running
from tests.runner.helpers import balance, pay_invoice_suite

KEY_ENV = "RINGFENCE_TEST_TARGET_KEY"


def _play(tmp_path: Path, target: Target) -> Transcript:
    suite = pay_invoice_suite(tmp_path / "suite")
    settings = RunSettings(call_timeout_s=5)

    async def play() -> Transcript:
        try:
            return await play_sample(suite.scenarios[0], suite, target, settings, 0)
        finally:
            await target.aclose()

    return asyncio.run(play())


def test_unknown_target_lists_names() -> None:
    with pytest.raises(ConfigError) as caught:
        create_target(TargetConfig(kind="openia"))
    for name in ("anthropic", "callable", "openai", "scripted"):
        assert name in str(caught.value)
    assert target_names() == ["anthropic", "callable", "openai", "scripted"]


def test_missing_sdk_names_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes the import fail as if the package were not installed.
    monkeypatch.setitem(sys.modules, "openai", None)
    with pytest.raises(ConfigError) as caught:
        create_target(TargetConfig(kind="openai", model="m", base_url="http://127.0.0.1:9/v1"))
    assert "ringfence[openai]" in str(caught.value)


def test_missing_key_names_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    config = TargetConfig(
        kind="openai", model="m", base_url="http://127.0.0.1:9/v1", api_key_env=KEY_ENV
    )
    with pytest.raises(ConfigError) as caught:
        create_target(config)
    assert KEY_ENV in str(caught.value)


def test_identity_has_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-identity-secret")
    config = TargetConfig(kind="openai", model="m", api_key_env=KEY_ENV)
    assert "sk-identity-secret" not in json.dumps(config.identity())


def test_retry_after_forms() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after({"Retry-After": "7"}, now) == 7.0
    date = "Thu, 01 Jan 2026 12:00:05 GMT"
    assert parse_retry_after({"retry-after": date}, now) == 5.0
    assert parse_retry_after({"Retry-After": "Thu, 01 Jan 2026 11:00:00 GMT"}, now) == 0.0
    assert parse_retry_after({"retry-after-ms": "250"}, now) == 0.25
    assert parse_retry_after({"Retry-After": "soon"}, now) is None
    assert parse_retry_after({}, now) is None
    # Numbers Python reads but the header does not allow give no wait at all, not NaN.
    for odd in ("nan", "inf", "1_000", "-5"):
        assert parse_retry_after({"Retry-After": odd}, now) is None
    assert parse_retry_after({"retry-after-ms": "nan", "Retry-After": "2"}, now) == 2.0


SCRIPT = """\
model: scripted-test
scenarios:
  pay-invoice:
    0:
      - tool_calls:
          - name: send_payment
            arguments: {from_account: ACC-1, recipient: DE00 1111, amount: 120, reference: "7"}
      - content: Paid invoice 7.
"""


def test_scripted_target_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "script.yaml"
    path.write_text(SCRIPT, encoding="utf-8")
    target = create_target(TargetConfig(kind="scripted", script=path))
    transcript = _play(tmp_path, target)
    assert transcript.metadata.model == "scripted-test"
    assert balance(transcript) == 880
    assert transcript.messages[-1].content == "Paid invoice 7."


def test_scripted_target_from_json(tmp_path: Path) -> None:
    path = tmp_path / "script.json"
    path.write_text(json.dumps({"scenarios": {"*": {"0": [{"content": "No."}]}}}))
    script = load_script(path)
    transcript = _play(tmp_path, ScriptedTarget(script))
    assert transcript.messages[-1].content == "No."


def test_invalid_script_names_line(tmp_path: Path) -> None:
    path = tmp_path / "script.yaml"
    path.write_text("scenarios:\n  a:\n    0:\n      - contnt: hi\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_script(path)
    assert ":4" in str(caught.value)


def test_callable_target(tmp_path: Path) -> None:
    function = "tests.targets.reply_functions:pay_then_answer"
    target = create_target(TargetConfig(kind="callable", function=function))
    transcript = _play(tmp_path, target)
    assert balance(transcript) == 880
    assert transcript.messages[-1].content == "Paid invoice 7."


def test_callable_coroutine(tmp_path: Path) -> None:
    function = "tests.targets.reply_functions:answer_async"
    transcript = _play(tmp_path, create_target(TargetConfig(kind="callable", function=function)))
    assert transcript.messages[-1].content == "Turn 0, step 0."


def test_callable_crash_is_infrastructure_error(tmp_path: Path) -> None:
    function = "tests.targets.reply_functions:crash"
    transcript = _play(tmp_path, create_target(TargetConfig(kind="callable", function=function)))
    assert transcript.error == "the callable target raised RuntimeError"


def test_callable_not_found() -> None:
    with pytest.raises(ConfigError, match="no function"):
        create_target(TargetConfig(kind="callable", function="tests.targets.reply_functions:x"))


def _anthropic_reply(request: RecordedRequest) -> FakeResponse:
    assert request.path == "/v1/messages"
    turns = [m for m in request.body["messages"] if m["role"] == "assistant"]
    if turns:
        content: list[dict[str, Any]] = [{"type": "text", "text": "Paid invoice 7."}]
        stop = "end_turn"
    else:
        payment = {
            "from_account": "ACC-1",
            "recipient": "DE00 1111",
            "amount": 120,
            "reference": "7",
        }
        content = [{"type": "tool_use", "id": "toolu_1", "name": "send_payment", "input": payment}]
        stop = "tool_use"
    body = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "fake-claude",
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    return FakeResponse(body)


def test_anthropic_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-ant-test")
    with running(_anthropic_reply) as fake:
        config = TargetConfig(
            kind="anthropic", model="fake-claude", base_url=fake.root_url, api_key_env=KEY_ENV
        )
        transcript = _play(tmp_path, create_target(config))
        second = fake.requests[1].body
    assert transcript.error is None
    assert balance(transcript) == 880
    assert second["system"].startswith("You pay invoices.")
    assert second["max_tokens"] == 4096
    result = second["messages"][-1]["content"][0]
    assert result["type"] == "tool_result"
    assert result["tool_use_id"] == "toolu_1"
    assert transcript.messages[-1].role is Role.ASSISTANT


def _openai_target(base_url: str, monkeypatch: pytest.MonkeyPatch, **params: Any) -> Target:
    monkeypatch.setenv(KEY_ENV, "sk-test")
    config = TargetConfig(
        kind="openai", model="fake-gpt", base_url=base_url, api_key_env=KEY_ENV, params=params
    )
    return create_target(config)


_FORBIDDEN_CALL = {"name": "send_payment", "arguments": '{"amount": 900}'}


def _with_message(message: Any) -> dict[str, Any]:
    return {"choices": [{"message": message, "finish_reason": "tool_calls"}]}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("<html>502 Bad Gateway</html>", "not JSON"),
        ({"object": "chat.completion", "choices": []}, "without choices"),
        ({"error": {"type": "rate_limit_exceeded"}}, "HTTP 200 (rate_limit_exceeded)"),
        ({"choices": ["hello"]}, "no 'message' object"),
        (_with_message(None), "no 'message' object"),
        # A call without the 'function' wrapper must not vanish from the transcript.
        (_with_message({"tool_calls": [{"id": "c1", **_FORBIDDEN_CALL}]}), "no 'function'"),
        (_with_message({"tool_calls": [{"id": "c1", "function": "send_payment"}]}), "function"),
        (_with_message({"tool_calls": {"id": "c1", "function": _FORBIDDEN_CALL}}), "not a list"),
        (_with_message({"content": [{"type": "image_url"}]}), "not a text part"),
        (_with_message({"content": 42}), "neither text nor a list"),
    ],
    ids=[
        "not-json",
        "no-choices",
        "error-object",
        "choice-text",
        "message-null",
        "flat-call",
        "function-text",
        "calls-object",
        "image-part",
        "content-number",
    ],
)
def test_openai_unreadable_reply_is_infrastructure_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: Any, problem: str
) -> None:
    with running(lambda _: FakeResponse(body)) as fake:
        target = _openai_target(fake.base_url, monkeypatch)
        transcript = _play(tmp_path, target)
    assert transcript.error is not None
    assert "OpenAI-compatible API returned" in transcript.error
    assert problem in transcript.error
    # The unreadable reply left no assistant message in the transcript.
    assert [m.role for m in transcript.messages] == [Role.SYSTEM, Role.USER]


def test_openai_extra_params_sent_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reply = {"choices": [{"message": {"role": "assistant", "content": "Paid."}}]}
    with running(lambda _: FakeResponse(reply)) as fake:
        target = _openai_target(fake.base_url, monkeypatch, temperature=0, top_k=5)
        transcript = _play(tmp_path, target)
        body = fake.requests[0].body
    assert transcript.error is None
    assert transcript.messages[-1].content == "Paid."
    assert (body["model"], body["temperature"], body["top_k"]) == ("fake-gpt", 0, 5)
    offered = [(t["type"], t["function"]["name"]) for t in body["tools"]]
    assert offered[-2:] == [("function", "send_payment"), ("function", "escalate")]
    assert "parameters" in body["tools"][0]["function"]


def test_openai_content_parts_joined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = [{"type": "text", "text": "I cannot "}, {"type": "text", "text": "pay that."}]
    with running(lambda _: FakeResponse(_with_message({"content": parts}))) as fake:
        transcript = _play(tmp_path, _openai_target(fake.base_url, monkeypatch))
    assert transcript.error is None
    assert transcript.messages[-1].content == "I cannot pay that."


@pytest.mark.parametrize("http_client", ["aiohttp", "httpx"])
@pytest.mark.parametrize("status", [301, 307])
def test_openai_redirect_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, http_client: str, status: int
) -> None:
    with running(lambda _: FakeResponse({}, status)) as other:
        moved = FakeResponse("", status, {"Location": f"{other.base_url}/chat/completions"})
        with running(lambda _: moved) as fake:
            monkeypatch.setenv(KEY_ENV, "sk-test")
            config = TargetConfig(
                kind="openai",
                model="fake-gpt",
                base_url=fake.base_url,
                api_key_env=KEY_ENV,
                http_client=http_client,  # type: ignore[arg-type]
            )
            transcript = _play(tmp_path, create_target(config))
        assert other.requests == []
    assert transcript.error == f"OpenAI-compatible API returned HTTP {status}"


@pytest.mark.parametrize("http_client", ["aiohttp", "httpx"])
def test_openai_refused_connection_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, http_client: str
) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    monkeypatch.setenv(KEY_ENV, "sk-test")
    config = TargetConfig(
        kind="openai",
        model="fake-gpt",
        base_url=f"http://127.0.0.1:{port}/v1",
        api_key_env=KEY_ENV,
        http_client=http_client,  # type: ignore[arg-type]
    )
    transcript = _play(tmp_path, create_target(config))
    assert transcript.error is not None
    assert transcript.error == (
        "cannot connect to the OpenAI-compatible API: the connection was refused"
    )
