"""The OpenAI-compatible Chat Completions target, through the official `openai` SDK.

It covers OpenAI, Azure OpenAI's compatible endpoint, vLLM, Ollama, llama.cpp server and
LiteLLM proxies. The SDK's own retries are turned off, because the runner retries and records
each attempt.

Requests go through the client's generic `post` with a body the target builds itself, and the
reply is read from the raw JSON bytes. This skips the SDK's per-request conversion of typed
parameters and of the typed response, which cost more CPU than the rest of a harness step;
authentication, headers, timeouts and the SDK's error classes are the same as with
`chat.completions.create`. Extra parameters are sent as given, so server-specific ones (for
example vLLM's `top_k`) work too.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson

from ringfence.targets._base import ReplyToolCall, TargetError, TargetReply, TargetRequest
from ringfence.targets._config import TargetConfig
from ringfence.targets._http import is_retryable_status, parse_retry_after
from ringfence.targets._sdk import import_sdk, sdk_http_client, status_error_message
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
            base_url=config.base_url,
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
        sdk = self._sdk
        try:
            raw = await self._client.post("/chat/completions", body=body, cast_to=bytes)
        except sdk.APIStatusError as exc:
            raise TargetError(
                status_error_message("OpenAI-compatible", exc.status_code, exc.body),
                retryable=is_retryable_status(exc.status_code),
                status_code=exc.status_code,
                retry_after_s=parse_retry_after(exc.response.headers),
            ) from exc
        except sdk.APITimeoutError as exc:
            raise TargetError("OpenAI-compatible API call timed out", retryable=True) from exc
        except sdk.APIConnectionError as exc:
            raise TargetError(
                f"cannot connect to the OpenAI-compatible API: {type(exc).__name__}",
                retryable=True,
            ) from exc
        try:
            completion = orjson.loads(raw)
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
    """Read the first choice of a completion (parsed JSON), tolerating fields left out."""
    choices = _field(completion, "choices")
    if not isinstance(choices, list) or not choices:
        raise TargetError("OpenAI-compatible API returned a completion without choices")
    choice = choices[0]
    message = _field(choice, "message")
    calls = _field(message, "tool_calls")
    read = [_tool_call(call) for call in (calls if isinstance(calls, list) else [])]
    return TargetReply(
        content=_text(_field(message, "content")),
        refusal=_text(_field(message, "refusal")),
        tool_calls=[call for call in read if call is not None],
        finish_reason=_text(_field(choice, "finish_reason")),
        model=_text(_field(completion, "model")),
    )


def _tool_call(call: Any) -> ReplyToolCall | None:
    function = _field(call, "function")
    if not isinstance(function, dict):
        return None
    name, arguments = function.get("name"), function.get("arguments")
    if not isinstance(arguments, str | dict):
        arguments = None
    return ReplyToolCall(id=_text(_field(call, "id")), name=str(name or ""), arguments=arguments)


def _field(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
