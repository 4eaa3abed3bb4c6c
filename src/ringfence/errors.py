"""Exceptions grouped by who must act, each with the exit code the CLI uses for it."""

from __future__ import annotations


class RingfenceError(Exception):
    """Base class for errors the CLI prints without a traceback."""

    exit_code = 1


class ConfigError(RingfenceError):
    """A configuration file (tool policy, gate policy) is invalid. The user must fix it."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.hint = hint
        self.reason = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.path or "<config>"
        if self.line is not None:
            where += f":{self.line}"
        text = f"{where}: "
        if self.field:
            text += f"field '{self.field}': "
        text += self.reason
        if self.hint:
            text += f" Fix: {self.hint}"
        return text


class InputError(RingfenceError):
    """An input path given on the command line cannot be read at all."""

    exit_code = 2


class StoreError(RingfenceError):
    """The evidence store cannot be opened or written. Infrastructure must act."""

    exit_code = 5
