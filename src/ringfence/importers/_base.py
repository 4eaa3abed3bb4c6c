"""The importer protocol, its registry, and helpers shared by the importers."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

import orjson

from ringfence.errors import InputError
from ringfence.results import ImportIssue, InputFile
from ringfence.transcript import Message, Provenance, Role, Sample, ToolCall

ImportItem = Sample | ImportIssue | InputFile
"""What an importer yields: each input file once, then its samples and problems, in order."""


class Importer(Protocol):
    """Reads recorded runs from a path and yields samples one at a time (streaming)."""

    name: str

    def list_files(self, path: Path) -> list[Path]:
        """The files `read` would read under `path`, in order."""
        ...

    def read(self, path: Path) -> Iterator[ImportItem]:
        """Yield an InputFile for each file read, then its Samples and ImportIssues."""
        ...


_REGISTRY: dict[str, Callable[[], Importer]] = {}


def register_importer(name: str, factory: Callable[[], Importer]) -> None:
    """Make an importer available under `name` (for the CLI's --format option)."""
    _REGISTRY[name] = factory


def importer_names() -> list[str]:
    """Registered importer names, sorted."""
    return sorted(_REGISTRY)


def get_importer(name: str) -> Importer:
    """Return a new importer by name; an unknown name lists the valid ones."""
    factory = _REGISTRY.get(name)
    if factory is None:
        close = difflib.get_close_matches(name, importer_names(), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise InputError(
            f"unknown input format '{name}'; valid formats: {', '.join(importer_names())}.{hint}"
        )
    return factory()


def read_file_bytes(path: Path) -> tuple[bytes, InputFile]:
    """Read a whole file and describe it with its hash."""
    data = path.read_bytes()
    return data, InputFile(path=str(path), sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def parse_arguments(raw: object) -> tuple[ToolCall, str | None]:
    """Parse tool-call arguments from what a provider sent, without ever raising.

    Returns a ToolCall template (id and name empty) and a warning for the import report when
    the arguments were not a well-formed JSON object string.
    """
    if isinstance(raw, dict):
        text = orjson.dumps(raw).decode()
        return ToolCall(id="", name="", arguments=raw, arguments_raw=text), (
            "tool-call arguments were a JSON object instead of a JSON string; used as given"
        )
    if raw is None or raw == "":
        shown = "null" if raw is None else "an empty string"
        return ToolCall(id="", name="", arguments={}, arguments_raw=""), (
            f"tool-call arguments were {shown}; read as no arguments"
        )
    if not isinstance(raw, str):
        text = orjson.dumps(raw).decode()
        error = f"arguments must be a JSON object, got {type(raw).__name__}"
        return ToolCall(id="", name="", arguments_raw=text, parse_error=error), error
    return _parse_argument_text(raw)


def _parse_argument_text(raw: str) -> tuple[ToolCall, str | None]:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        error = _describe_json_error(raw, exc)
        return ToolCall(id="", name="", arguments_raw=raw, parse_error=error), error
    if not isinstance(value, dict):
        error = f"arguments must be a JSON object, got JSON {type(value).__name__}"
        return ToolCall(id="", name="", arguments_raw=raw, parse_error=error), error
    return ToolCall(id="", name="", arguments=value, arguments_raw=raw), None


def _describe_json_error(raw: str, exc: orjson.JSONDecodeError) -> str:
    import json

    try:
        _, end = json.JSONDecoder().raw_decode(raw.lstrip())
    except json.JSONDecodeError:
        return f"arguments are not valid JSON ({exc.msg} at offset {exc.pos})"
    return f"arguments carry trailing data after a valid JSON value (offset {end})"


def content_text(content: object) -> str | None:
    """Flatten message content (a string or a list of text parts) into text."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict):
                text = part.get("text", part.get("content"))
                if isinstance(text, str):
                    parts.append(text)
            elif isinstance(part, str):
                parts.append(part)
        return "\n".join(parts)
    return str(content)


PROVENANCE_BY_ROLE = {
    Role.SYSTEM: Provenance.SYSTEM,
    Role.USER: Provenance.USER,
    Role.ASSISTANT: Provenance.ASSISTANT,
    Role.TOOL: Provenance.TOOL_OUTPUT,
}


def empty_content_issue(message: Message) -> str | None:
    """Describe a message whose missing content is worth reporting, or return None."""
    if message.content not in (None, ""):
        return None
    if message.role is Role.ASSISTANT and (message.tool_calls or message.refusal):
        return None
    if message.role is Role.TOOL:
        return None
    shown = "null" if message.content is None else "empty"
    return f"{message.role.value} message {message.index} has {shown} content"
