"""The callable target: a Python function `module:function` that produces each reply.

The function gets the `TargetRequest` (conversation so far, the scenario's tool definitions)
and returns a `TargetReply`, a dict with the same fields, or a string (a final text reply). It
may be a plain function or a coroutine function. The runner executes the tool calls it returns.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from ringfence.errors import ConfigError
from ringfence.targets._base import TargetError, TargetReply, TargetRequest
from ringfence.targets._config import TargetConfig

logger = logging.getLogger(__name__)

ReplyFunction = Callable[[TargetRequest], Any]


class CallableTarget:
    """Calls a Python function for each reply."""

    def __init__(self, function: ReplyFunction, model: str) -> None:
        """Call `function`; samples record `model` as their model."""
        self._function = function
        self._model = model

    @classmethod
    def from_config(cls, config: TargetConfig) -> CallableTarget:
        """Import the function the configuration names as 'module:function'."""
        if not config.function:
            raise ConfigError(
                "the callable target needs a function.", hint="pass --function module:function."
            )
        return cls(import_function(config.function), config.model or config.function)

    @property
    def model(self) -> str:
        """Model name recorded with samples."""
        return self._model

    async def complete(self, request: TargetRequest) -> TargetReply:
        """Call the function and convert what it returns to a reply.

        The function gets its own copy of the conversation and tools, so changing them cannot
        change the transcript.
        """
        try:
            result = self._function(request.model_copy(deep=True))
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:
            logger.warning(
                "Callable target %s raised %s on sample %s",
                self._model,
                type(exc).__name__,
                request.sample_id,
            )
            raise TargetError(f"the callable target raised {type(exc).__name__}") from exc
        return _as_reply(result)

    async def aclose(self) -> None:
        """Nothing to release."""


def import_function(spec: str) -> ReplyFunction:
    """Import 'module:function'; raise ConfigError when it cannot be found."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ConfigError(
            f"invalid function reference {spec!r}.", hint="write it as module:function."
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"cannot import module {module_name!r}: {exc}.",
            hint="check the name and that the module is on PYTHONPATH.",
        ) from exc
    function = getattr(module, attribute, None)
    if not callable(function):
        raise ConfigError(f"module {module_name!r} has no function {attribute!r}.")
    return function  # type: ignore[no-any-return]


def _as_reply(result: Any) -> TargetReply:
    if isinstance(result, TargetReply):
        return result
    if isinstance(result, str):
        return TargetReply(content=result, finish_reason="stop")
    try:
        return TargetReply.model_validate(result)
    except ValidationError as exc:
        raise TargetError(
            f"the callable target returned {type(result).__name__}, which is not a "
            "TargetReply, a dict of its fields or a string"
        ) from exc
