"""The Anthropic Messages target, through the official `anthropic` SDK.

The Messages API takes the system prompt apart from the messages and carries tool results as
user content blocks. A system message later in the conversation (a stop notice) is sent as user
text marked '[system]', because the API has no system role inside `messages`.
"""

from __future__ import annotations

from typing import Any

from ringfence.targets._base import ReplyToolCall, TargetError, TargetReply, TargetRequest
from ringfence.targets._config import TargetConfig
from ringfence.targets._sdk import import_sdk, sdk_failure, sdk_http_client
from ringfence.transcript import Message, Role

API_KEY_ENV = "ANTHROPIC_API_KEY"
DEFAULT_MAX_TOKENS = 4096
"""`max_tokens` when the parameters give none, because the Messages API requires it."""

# Messages API stop reasons in the OpenAI terms that `TargetReply.finish_reason` uses.
_FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
    "refusal": "content_filter",
}


class AnthropicTarget:
    """Messages with tools through `anthropic.AsyncAnthropic`."""

    def __init__(self, config: TargetConfig) -> None:
        """Create the client; raises ConfigError without a model, the SDK or the API key."""
        self._model = config.require_model()
        self._sdk = import_sdk("anthropic", "anthropic")
        self._params = {"max_tokens": DEFAULT_MAX_TOKENS, **config.params}
        self._client = self._sdk.AsyncAnthropic(
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
        """Send the conversation and return the assistant's message."""
        body: dict[str, Any] = {**self._params, "model": self._model}
        body["system"] = request.system_prompt
        body["messages"] = anthropic_messages(request.messages)
        if request.tools:
            body["tools"] = [
                {
                    "name": t["name"],
                    "description": t["description"],
                    "input_schema": t["parameters"],
                }
                for t in request.tools
            ]
        try:
            message = await self._client.messages.create(**body)
        except self._sdk.APIError as exc:
            raise sdk_failure(self._sdk, "Anthropic", exc) from exc
        return reply_from_message(message)

    async def aclose(self) -> None:
        """Close the SDK's HTTP client."""
        await self._client.close()


def anthropic_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """Convert transcript messages (after the system prompt) to Messages API messages.

    Consecutive messages of one role are merged into one message of content blocks.
    """
    converted: list[dict[str, Any]] = []
    for message in messages:
        if message.role is Role.SYSTEM and message.index == 0:
            continue
        role = "assistant" if message.role is Role.ASSISTANT else "user"
        blocks = _blocks(message)
        if converted and converted[-1]["role"] == role:
            converted[-1]["content"] += blocks
        else:
            converted.append({"role": role, "content": blocks})
    return converted


def _blocks(message: Message) -> list[dict[str, Any]]:
    if message.role is Role.TOOL:
        block: dict[str, Any] = {
            "type": "tool_result",
            "tool_use_id": message.tool_call_id,
            "content": message.content or "",
        }
        if message.error is not None:
            block["is_error"] = True
        return [block]
    text = message.content or (message.refusal if message.role is Role.ASSISTANT else None)
    if message.role is Role.SYSTEM:
        text = f"[system] {text or ''}"
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    blocks += [
        {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments or {}}
        for call in message.tool_calls
    ]
    return blocks or [{"type": "text", "text": ""}]


def reply_from_message(message: Any) -> TargetReply:
    """Read a Messages API response: text blocks become content, tool_use blocks tool calls.

    A response without a list of content blocks, or a block of another shape, raises
    TargetError rather than reading as an empty reply that could hide an unsafe call. Blocks of
    other types (thinking, for example) are skipped.
    """
    blocks = getattr(message, "content", None)
    if not isinstance(blocks, list):
        raise _unreadable("it has no list of content blocks")
    texts: list[str] = []
    calls: list[ReplyToolCall] = []
    for number, block in enumerate(blocks):
        kind = getattr(block, "type", None)
        if not isinstance(kind, str):
            raise _unreadable(f"content[{number}] has no type")
        if kind == "text":
            text = getattr(block, "text", None)
            if not isinstance(text, str):
                raise _unreadable(f"content[{number}] is a text block without text")
            texts.append(text)
        elif kind == "tool_use":
            name = getattr(block, "name", None)
            if not isinstance(name, str):
                raise _unreadable(f"content[{number}] is a tool_use block without a name")
            arguments = getattr(block, "input", None)
            calls.append(
                ReplyToolCall(
                    id=getattr(block, "id", None),
                    name=name,
                    arguments=arguments if isinstance(arguments, dict | str) else None,
                )
            )
    stop_reason = getattr(message, "stop_reason", None)
    model = getattr(message, "model", None)
    return TargetReply(
        content="\n".join(texts) if texts else None,
        tool_calls=calls,
        finish_reason=_FINISH_REASONS.get(str(stop_reason), stop_reason),
        model=model if isinstance(model, str) else None,
    )


def _unreadable(problem: str) -> TargetError:
    return TargetError(f"Anthropic API returned a message that cannot be read: {problem}")
