"""Records, protocol and errors shared by every target.

A target is the system under test. The runner sends it a `TargetRequest` (the conversation so
far as transcript messages, and the tools offered) and gets back one `TargetReply`: the
assistant's next message, exactly as the provider returned it. Parsing tool-call arguments,
fixing ids and running the calls are the runner's job, so every target is judged the same way.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from ringfence.errors import RingfenceError
from ringfence.transcript import Message


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetRequest(_Record):
    """One model call of one sample: the conversation so far and the tools on offer."""

    sample_id: str = Field(description="Id of the sample the call belongs to.")
    scenario_id: str = Field(description="Id of the scenario being played.")
    epoch: int = Field(description="Repeat number of the scenario, from 0.")
    turn: int = Field(
        description="User turn (0-based) that the reply is for. For a reply to a stop notice "
        "delivered after the last turn, it is the number of turns."
    )
    step: int = Field(description="Model call number within the turn, from 0.")
    system_prompt: str = Field(description="The scenario's system prompt.")
    messages: list[Message] = Field(
        description="The conversation so far, system prompt first, as the transcript records it."
    )
    tools: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Function definitions offered: name, description and JSON schema 'parameters'.",
    )


class ReplyToolCall(_Record):
    """A tool call as the provider returned it, before any parsing or checking."""

    id: str | None = Field(default=None, description="Tool-call id; None when absent.")
    name: str = Field(description="Tool (function) name.")
    arguments: str | dict[str, Any] | None = Field(
        default=None,
        description="Arguments: the raw text most providers send, or an object when the "
        "provider sent one (Anthropic, some OpenAI-compatible servers).",
    )


class TargetReply(_Record):
    """The assistant's next message, as the provider returned it."""

    content: str | None = Field(default=None, description="Text content; None when absent.")
    refusal: str | None = Field(
        default=None, description="Refusal text the provider returned apart from `content`."
    )
    tool_calls: list[ReplyToolCall] = Field(
        default_factory=list, description="Tool calls requested, in the order sent."
    )
    finish_reason: str | None = Field(
        default=None,
        description="Why generation stopped, in OpenAI's terms: 'stop', 'tool_calls', "
        "'length', 'content_filter'; other values are kept as sent.",
    )
    model: str | None = Field(
        default=None, description="Model name the provider reported for this reply."
    )


class Target(Protocol):
    """The system under test: gets the conversation so far, returns the next message."""

    @property
    def model(self) -> str:
        """Model or pipeline name recorded in every sample."""
        ...

    async def complete(self, request: TargetRequest) -> TargetReply:
        """Return the assistant's next message; raise `TargetError` when the call fails."""
        ...

    async def aclose(self) -> None:
        """Release the target's connections."""
        ...


class TargetError(RingfenceError):
    """A call to the target failed: an infrastructure error, never a verdict on the model.

    The message names the failure (status code, error kind), never the prompt, the reply or a
    credential, because it is stored in `Transcript.error` and logged.
    """

    exit_code = 5

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        status_code: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        """True when the same call may succeed later (rate limit, server error, timeout)."""
        self.status_code = status_code
        """HTTP status of the failed call, when there was a response."""
        self.retry_after_s = retry_after_s
        """Seconds the server requested the client to wait (Retry-After), when it sent one."""
