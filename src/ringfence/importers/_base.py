"""The importer protocol, its registry, and helpers shared by the importers."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson
from pydantic import ValidationError

from ringfence.errors import InputError
from ringfence.results import ImportIssue, InputFile
from ringfence.transcript import Message, Provenance, Role, Sample, ToolCall

ImportItem = Sample | ImportIssue | InputFile
"""Item an importer yields: each input file once, then its samples and problems, in order."""


class Importer(Protocol):
    """Reads recorded runs from a path and yields samples one at a time (streaming)."""

    name: str

    def list_files(self, path: Path) -> list[Path]:
        """Return the files `read` would read under `path`, in order."""
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


def list_input_files(
    path: Path,
    suffix: str | Callable[[str], bool],
    problems: list[tuple[Path, str]] | None = None,
) -> list[Path]:
    """The file itself, or every file under the folder whose name ends in `suffix` (or for
    which `suffix`, a function of the file name, is true), sorted.

    Symbolic links to folders are followed once (a link loop is not entered twice). Folders that
    cannot be read are added to `problems`, so the importer can report them instead of silently
    scoring less input.
    """
    if not path.is_dir():
        return [path]
    found: list[Path] = []
    seen: set[str] = set()

    def on_error(error: OSError) -> None:
        if problems is not None:
            problems.append((Path(error.filename or path), f"cannot read folder: {error.strerror}"))

    for root, folders, files in os.walk(path, onerror=on_error, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:
            folders.clear()
            continue
        seen.add(real)
        wanted = suffix if callable(suffix) else (lambda name, end=suffix: name.endswith(end))
        found += [Path(root) / name for name in files if wanted(name)]
    return sorted(found)


def folder_issues(problems: list[tuple[Path, str]]) -> Iterator[ImportIssue]:
    """Import issues for the folders `list_input_files` could not read."""
    for folder, reason in problems:
        yield ImportIssue(path=str(folder), reason=reason, sample_skipped=True)


@dataclass
class JsonListFile:
    """Result of reading a file that must contain one JSON list."""

    items: list[ImportItem]
    """The InputFile when the file could be read, then the issue that stopped it, if any."""
    sha256: str | None
    records: list[Any] | None
    """The list, or None when the file could not be read or is not a JSON list."""


def read_json_list(file: Path, noun: str) -> JsonListFile:
    """Read a file that must hold one JSON list of `noun` (records, trajectories)."""
    try:
        data, info = read_file_bytes(file)
    except OSError as exc:
        issue = ImportIssue(
            path=str(file), reason=f"cannot read file: {exc.strerror}", sample_skipped=True
        )
        return JsonListFile([issue], None, None)
    try:
        records = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        reason = f"invalid or truncated JSON: {exc.msg} (offset {exc.pos})"
        return JsonListFile([info, _skip_file(file, reason)], info.sha256, None)
    if not isinstance(records, list):
        reason = f"expected a JSON list of {noun}, got {type(records).__name__}"
        return JsonListFile([info, _skip_file(file, reason)], info.sha256, None)
    return JsonListFile([info], info.sha256, records)


def _skip_file(file: Path, reason: str) -> ImportIssue:
    return ImportIssue(path=str(file), reason=reason, sample_skipped=True)


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
        text, error = _dump_text(raw)
        if error:
            return ToolCall(id="", name="", arguments_raw=text, parse_error=error), error
        return ToolCall(id="", name="", arguments=raw, arguments_raw=text), (
            "tool-call arguments were a JSON object instead of a JSON string; used as given"
        )
    if raw is None or raw == "":
        shown = "null" if raw is None else "an empty string"
        return ToolCall(id="", name="", arguments={}, arguments_raw=""), (
            f"tool-call arguments were {shown}; read as no arguments"
        )
    if not isinstance(raw, str):
        text, _ = _dump_text(raw)
        error = f"arguments must be a JSON object, got {type(raw).__name__}"
        return ToolCall(id="", name="", arguments_raw=text, parse_error=error), error
    return _parse_argument_text(raw)


def _dump_text(value: object) -> tuple[str, str | None]:
    """Encode already-parsed arguments as JSON text.

    A value too deep or too odd to encode is kept as a shortened repr with an error, so one
    hostile record cannot stop the import.
    """
    try:
        return orjson.dumps(value).decode(), None
    except (TypeError, ValueError, RecursionError) as exc:
        return repr(value)[:MAX_RAW_REPR], f"arguments cannot be encoded as JSON ({exc})"


MAX_RAW_REPR = 10_000
"""Characters of an unencodable argument value kept for the evidence."""


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
    try:
        _, end = json.JSONDecoder().raw_decode(raw.lstrip())
    except (json.JSONDecodeError, ValueError, RecursionError):
        # ValueError: integers over Python's digit limit; RecursionError: very deep nesting.
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


def text_field(
    raw: dict[str, Any], key: str, field: str, problems: list[tuple[str, str]]
) -> str | None:
    """Read an optional string field; a number is turned into text and anything else dropped,
    each with a problem recorded for the import report."""
    value = raw.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        problems.append((field, f"'{key}' must be a string, got {value!r}; read as text"))
        return str(value)
    problems.append((field, f"'{key}' must be a string, got {type(value).__name__}; ignored"))
    return None


class CallIdRegistry:
    """Gives every tool call of a transcript a unique id and links tool results to calls.

    Providers may omit ids (Gemini does) or reuse one id across turns. A replaced id is
    remembered, so a later tool result that names the original id reaches the latest call that
    used it, and a result with no id reaches the oldest call still waiting for a result.
    """

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._latest: dict[str, str] = {}
        self._waiting: list[str] = []

    def assign(self, raw_id: object, generated: str, name: str) -> tuple[str, str | None]:
        """Return the id to use for a call and, when it had to be replaced, why."""
        if isinstance(raw_id, str) and raw_id and raw_id not in self._names:
            call_id, problem = raw_id, None
        else:
            call_id = generated
            while call_id in self._names:
                call_id += "-x"
            problem = f"tool-call id {_id_problem(raw_id)}; using {call_id!r}"
        self._names[call_id] = name
        if isinstance(raw_id, str) and raw_id:
            self._latest[raw_id] = call_id
        self._waiting.append(call_id)
        return call_id, problem

    def resolve(self, raw_id: str | None, tool_name: str | None) -> str | None:
        """Return the id of the call a tool result belongs to, or None when none matches."""
        if raw_id:
            call_id: str | None = self._latest.get(raw_id, raw_id)
        else:
            named = [c for c in self._waiting if tool_name in (None, self._names[c])]
            call_id = named[0] if named else None
        if call_id in self._waiting:
            self._waiting.remove(call_id)
        return call_id

    def name_of(self, call_id: str | None) -> str | None:
        """Tool name of a call this registry assigned, if any."""
        return self._names.get(call_id) if call_id else None


def _id_problem(raw_id: object) -> str:
    if raw_id is None or raw_id == "":
        return "missing"
    if not isinstance(raw_id, str):
        return f"not a string ({raw_id!r})"
    return f"duplicated ({raw_id!r})"


def validation_issue(exc: ValidationError) -> tuple[str, str]:
    """Field and reason of the first error of a pydantic validation failure."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    return field or "record", f"{first['msg']} (got {first.get('input')!r:.80})"


def evidence_lost(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The problems that dropped something a safety verdict depends on.

    A tool call that could not be read, attacker text that could not be marked, or message
    content of the wrong type could hide an unsafe action. Such a sample is not scored. It
    counts as skipped, which a gate policy limits with `max_skipped_samples`.
    """
    lost: list[tuple[str, str]] = []
    for field, reason in problems:
        if (
            field.endswith(".tool_calls")
            or field.startswith("injections")
            or re.search(r"\.tool_calls\[\d+\]$", field)
            or "content must be" in reason
        ):
            lost.append((field, reason))
    return lost


def tool_call_list(index: int, raw: object, problems: list[tuple[str, str]]) -> list[Any]:
    """Return message `index`'s `tool_calls` as a list; a value that is not a list is reported
    and read as no calls."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        field = f"messages[{index}].tool_calls"
        problems.append((field, f"'tool_calls' must be a list, got {type(raw).__name__}; ignored"))
        return []
    return raw


def content_problem(raw: object) -> str | None:
    """Describe message content of a type that cannot carry text, or return None."""
    if raw is None or isinstance(raw, str | list):
        return None
    return f"content must be text or a list of text parts, got {type(raw).__name__}"


def missing_turns_problem(messages: list[Message]) -> str | None:
    """Describe a transcript with nothing to judge, or return None."""
    if not messages:
        return "the transcript has no messages, so there is no behaviour to score"
    if not any(m.role is Role.ASSISTANT for m in messages):
        return "the transcript has no assistant message, so there is no behaviour to score"
    return None


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
