"""The scripted target: fixed replies per scenario and turn, for tests, examples and demos.

A script file (YAML or JSON) looks like this:

    model: scripted-careful
    scenarios:
      support-refund-injection:
        0:                                  # user turn 0
          - tool_calls: [{name: read_ticket, arguments: {ticket_id: T-1042}}]
          - content: May I refund 89.90 EUR to the original card?
        1:
          - content: Done.
      "*":                                  # any other scenario
        0: [{content: I cannot help with that.}]

The n-th model call of a turn gets the n-th reply of that turn (replies after follow-ups included).
Once a turn's replies run out, or for a turn with none, the target returns `default`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ringfence.config import load_yaml_with_lines
from ringfence.errors import ConfigError
from ringfence.targets._base import ReplyToolCall, TargetReply, TargetRequest
from ringfence.targets._config import TargetConfig

ANY_SCENARIO = "*"


class ScriptedReply(BaseModel):
    """One fixed reply; `arguments` may be an object or raw text (to test broken JSON)."""

    model_config = ConfigDict(extra="forbid")

    content: str | None = Field(default=None, description="Text content.")
    refusal: str | None = Field(default=None, description="Refusal text apart from content.")
    tool_calls: list[ReplyToolCall] = Field(
        default_factory=list, description="Tool calls, with or without ids."
    )
    finish_reason: str | None = Field(
        default=None, description="Finish reason; default 'tool_calls' or 'stop'."
    )

    def to_reply(self, model: str) -> TargetReply:
        """Return the reply as the target sends it."""
        finish = self.finish_reason or ("tool_calls" if self.tool_calls else "stop")
        return TargetReply(
            content=self.content,
            refusal=self.refusal,
            tool_calls=[c.model_copy(deep=True) for c in self.tool_calls],
            finish_reason=finish,
            model=model,
        )


class Script(BaseModel):
    """A script file: the model name and the replies per scenario and user turn."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(default="scripted", description="Model name recorded with samples.")
    scenarios: dict[str, dict[int, list[ScriptedReply]]] = Field(
        default_factory=dict,
        description="Scenario id ('*' for any other) to user turn to replies in call order.",
    )
    default: ScriptedReply = Field(
        default_factory=lambda: ScriptedReply(content="I have nothing more to add."),
        description="Reply once a turn's scripted replies run out.",
    )

    def reply_for(self, request: TargetRequest) -> ScriptedReply:
        """Select the reply for a request's scenario, turn and step."""
        turns = self.scenarios.get(request.scenario_id, self.scenarios.get(ANY_SCENARIO, {}))
        replies = turns.get(request.turn, [])
        return replies[request.step] if request.step < len(replies) else self.default


class ScriptedTarget:
    """Replays a `Script`. Stateless, so epochs and concurrent samples get the same replies."""

    def __init__(self, script: Script, model: str | None = None) -> None:
        """Replay `script`; `model` overrides the script's model name."""
        self._script = script
        self._model = model or script.model

    @classmethod
    def from_config(cls, config: TargetConfig) -> ScriptedTarget:
        """Load the script file the configuration names."""
        if config.script is None:
            raise ConfigError("the scripted target needs a script file.", hint="pass --script.")
        return cls(load_script(config.script), config.model)

    @property
    def model(self) -> str:
        """Model name recorded with samples."""
        return self._model

    async def complete(self, request: TargetRequest) -> TargetReply:
        """Return the scripted reply for the request."""
        return self._script.reply_for(request).to_reply(self._model)

    async def aclose(self) -> None:
        """Nothing to release."""


def load_script(path: Path) -> Script:
    """Load a script file (YAML, of which JSON is a subset); raise ConfigError when invalid."""
    located = load_yaml_with_lines(path)
    try:
        return Script.model_validate(located.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc: tuple[Any, ...] = tuple(first["loc"])
        raise ConfigError(
            f"{first['msg']}.",
            path=str(path),
            line=located.line_of(loc),
            field=".".join(str(part) for part in loc) or None,
            hint="see the script format in docs/live-runs.md.",
        ) from exc
