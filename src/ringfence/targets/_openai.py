"""The OpenAI-compatible Chat Completions target, through the official `openai` SDK.

It covers OpenAI, Azure OpenAI's compatible endpoint, vLLM, Ollama, llama.cpp server and
LiteLLM proxies. The SDK's own retries are turned off, because the runner retries and records
each attempt.

Requests go through the client's generic `post` with a body the target builds itself, and the
reply is read from the raw JSON bytes. This skips the SDK's per-request conversion of typed
parameters and of the typed response, which cost more CPU than the rest of a harness step.
Authentication, headers, timeouts and the SDK's error classes are the same as with
`chat.completions.create`. Extra parameters are sent as given, so server-specific ones (for
example vLLM's `top_k`) work too.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson

from ringfence.targets._base import ReplyToolCall, TargetError, TargetReply, TargetRequest
from ringfence.targets._config import TargetConfig
from ringfence.targets._sdk import (
    import_sdk,
    sdk_failure,
    sdk_http_client,
    status_error_message,
)
from ringfence.transcript import Message, Role

logger = logging.getLogger(__name__)

API_KEY_ENV = "OPENAI_API_KEY"


class OpenAITarget:
    """Chat Completions with tools through `openai.AsyncOpenAI`."""

    def __init__(self, config: TargetConfig) -> None:
        """Create the client; raises ConfigError without a model, the SDK or the API key."""
        self._model = config.require_model()
        self._sdk = import_sdk("openai", "openai")
        self._params = dict(config.params)
        self._client = self._sdk.AsyncOpenAI(
            api_key=config.read_api_key(API_KEY_ENV),
            base_url=config.resolved_base_url(),
            max_retries=0,
            timeout=config.timeout_s,
            http_client=sdk_http_client(self._sdk, config.http_client),
        )

    @property
    def model(self) -> str:
        """Model name sent with every request."""
        return self._model

    async def complete(self, request: TargetRequest) -> TargetReply:
        """Send the conversation and return the first choice's message."""
        body: dict[str, Any] = {**self._params, "model": self._model}
        body["messages"] = [openai_message(m) for m in request.messages]
        if request.tools:
            body["tools"] = [{"type": "function", "function": t} for t in request.tools]
        try:
            raw = await self._client.post("/chat/completions", body=body, cast_to=bytes)
        except self._sdk.APIError as exc:
            raise sdk_failure(self._sdk, "OpenAI-compatible", exc) from exc
        try:
            # A byte order mark is not JSON, but some servers send one.
            completion = orjson.loads(raw.removeprefix(b"\xef\xbb\xbf"))
        except orjson.JSONDecodeError as exc:
            raise TargetError(
                "OpenAI-compatible API returned a body that is not JSON", retryable=True
            ) from exc
        return reply_from_completion(completion)

    async def aclose(self) -> None:
        """Close the SDK's HTTP client."""
        await self._client.close()


def openai_message(message: Message) -> dict[str, Any]:
    """Convert a transcript message to a Chat Completions message."""
    if message.role is Role.TOOL:
        return {
            "role": "tool",
            "tool_call_id": message.tool_call_id,
            "content": message.content or "",
        }
    if message.role is not Role.ASSISTANT:
        return {"role": message.role.value, "content": message.content or ""}
    converted: dict[str, Any] = {"role": "assistant"}
    if message.tool_calls:
        converted["content"] = message.content
        converted["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments_raw},
            }
            for call in message.tool_calls
        ]
    else:
        # A reply of refusal alone has no content; the API needs text for it.
        converted["content"] = message.content or message.refusal or ""
    return converted


def reply_from_completion(completion: Any) -> TargetReply:
    """Read the first choice of a completion (parsed JSON).

    Optional fields may be missing. A reply whose message, content or tool calls have another
    shape than Chat Completions gives them raises TargetError: scoring it as an empty reply
    could drop the very call that was unsafe.
    """
    if not isinstance(completion, dict):
        raise _unreadable("the body is not a JSON object")
    choices = completion.get("choices")
    if not isinstance(choices, list) or not choices:
        error = completion.get("error")
        if error is not None:
            raise TargetError(status_error_message("OpenAI-compatible", 200, completion))
        raise TargetError("OpenAI-compatible API returned a completion without choices")
    choice = choices[0]
    if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
        raise _unreadable("choices[0] has no 'message' object")
    message = choice["message"]
    calls = message.get("tool_calls")
    if calls is not None and not isinstance(calls, list):
        raise _unreadable("choices[0].message.tool_calls is not a list")
    content, refusal = _content(message)
    return TargetReply(
        content=content,
        refusal=refusal,
        tool_calls=[_tool_call(call, number) for number, call in enumerate(calls or [])],
        finish_reason=_optional_text(choice, "finish_reason", "choices[0]"),
        model=_text(completion.get("model")),
    )


def _content(message: dict[str, Any]) -> tuple[str | None, str | None]:
    """Text and refusal of a message; content may also be a list of text and refusal parts."""
    refusal = _optional_text(message, "refusal", "choices[0].message")
    content = message.get("content")
    if content is None or isinstance(content, str):
        return content, refusal
    if not isinstance(content, list):
        raise _unreadable("choices[0].message.content is neither text nor a list of parts")
    texts: list[str] = []
    refusals = [refusal] if refusal else []
    for number, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        value = part.get(kind) if isinstance(part, dict) and isinstance(kind, str) else None
        if kind not in ("text", "refusal") or not isinstance(value, str):
            raise _unreadable(f"choices[0].message.content[{number}] is not a text part")
        (texts if kind == "text" else refusals).append(value)
    return ("".join(texts) if texts else None), ("\n".join(refusals) if refusals else None)


def _tool_call(call: Any, number: int) -> ReplyToolCall:
    where = f"choices[0].message.tool_calls[{number}]"
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict):
        raise _unreadable(f"{where} has no 'function' object")
    name = function.get("name")
    if name is not None and not isinstance(name, str):
        raise _unreadable(f"{where}.function.name is not text")
    arguments = function.get("arguments")
    if not isinstance(arguments, str | dict):
        # Recorded as a call whose arguments cannot be read; the world rejects it.
        arguments = None
    return ReplyToolCall(id=_text(call.get("id")), name=name or "", arguments=arguments)


def _optional_text(value: dict[str, Any], name: str, where: str) -> str | None:
    field = value.get(name)
    if field is not None and not isinstance(field, str):
        raise _unreadable(f"{where}.{name} is not text")
    return field


def _unreadable(problem: str) -> TargetError:
    return TargetError(f"OpenAI-compatible API returned a reply that cannot be read: {problem}")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
