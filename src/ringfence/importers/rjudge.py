"""Importer for R-Judge records: agent interactions with a human safety label per record.

Layout: `<category>/<harmful|benign>.json`, each file a JSON list of records with keys `id,
scenario, profile, goal, contents, label, risk_description, attack_type`. `contents` is a list of
sessions, each a list of turns: `{role: user, content}`, `{role: agent, thought, action}` and
`{role: environment, content}` (the tool output, so untrusted).

An agent's `action` is free text. It becomes a tool call when it is written as one of
`Name: {args}`, `Name{args}`, `Name\\nAction Input: {args}`, `{"Name": {args}}`, an AutoGPT
`"command": {"name": ..., "args": ...}` object, a call `Name(key=value)`, or a shell code block;
anything else is the agent's reply to the user. Arguments that cannot be read keep their raw text
and a `parse_error`. `label` (1 = unsafe) judges the whole record and does not tell whether
an injection succeeded, so `DatasetLabels.attack_succeeded` stays None.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ringfence.importers._base import (
    ImportItem,
    empty_content_issue,
    folder_issues,
    list_input_files,
    parse_arguments,
    read_json_list,
    register_importer,
    validation_issue,
)
from ringfence.importers._react import parse_loose_arguments
from ringfence.results import ImportIssue
from ringfence.transcript import (
    DatasetLabels,
    Event,
    Message,
    Provenance,
    Role,
    Sample,
    SampleMetadata,
    SourceRef,
    ToolCall,
    Transcript,
)

_FINAL_ANSWER = re.compile(r"^\s*Final Answer\s*:\s*", re.IGNORECASE)
_WRAPPED = re.compile(r"^\s*\{\s*\"?([A-Za-z_]\w*)\"?\s*:\s*(\{.*)\}\s*$", re.DOTALL)
_NAMED = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:(?:Action\s+)?Input\s*)?:?\s*(\{.*)$", re.DOTALL)
_CALL = re.compile(r"^\s*([A-Za-z_]\w*)\((.*)\)\s*$", re.DOTALL)
# Labels some agents put before text meant for the user; "Output: {...}" is not a tool call.
_REPLY_LABELS = frozenset({"Output", "Answer", "Response", "Reply", "Observation"})
_SHELL_BLOCK = re.compile(
    r"^\s*(?:\w+\s+)?```[ \t]*(bash|sh|shell|zsh|console|powershell|cmd)[ \t]*\n?(.*?)```\s*$",
    re.DOTALL,
)


class RJudgeImporter:
    """Reads R-Judge record files from a folder (recursively) or a single file."""

    name = "rjudge"

    def list_files(self, path: Path) -> list[Path]:
        """Return the file itself, or every `*.json` file under the folder, sorted."""
        return list_input_files(path, ".json")

    def read(self, path: Path) -> Iterator[ImportItem]:
        """Yield each file's InputFile, then one Sample or ImportIssue per record."""
        problems: list[tuple[Path, str]] = []
        files = list_input_files(path, ".json", problems)
        yield from folder_issues(problems)
        for file in files:
            yield from _read_file(file)


def _read_file(file: Path) -> Iterator[ImportItem]:
    read = read_json_list(file, "records")
    yield from read.items
    if read.records is None or read.sha256 is None:
        return
    records, sha256 = read.records, read.sha256
    for position, record in enumerate(records):
        try:
            yield from _read_record(file, sha256, position, record)
        except ValidationError as exc:
            # A value of a type no check foresaw: report it rather than stop the run.
            where, reason = validation_issue(exc)
            yield _skip(file, reason, field=f"[{position}].{where}")


def _skip(
    file: Path, reason: str, field: str | None = None, sample_id: str | None = None
) -> ImportIssue:
    return ImportIssue(
        path=str(file), sample_id=sample_id, field=field, reason=reason, sample_skipped=True
    )


def _read_record(file: Path, sha256: str, position: int, record: Any) -> Iterator[ImportItem]:
    if not isinstance(record, dict):
        yield _skip(file, f"record is not an object ({type(record).__name__})", f"[{position}]")
        return
    sample_id = _sample_id(file, position, record.get("id"))
    contents = record.get("contents")
    if not isinstance(contents, list):
        reason = "missing or non-list 'contents'; each record needs a list of sessions"
        yield _skip(file, reason, f"[{position}].contents", sample_id)
        return

    builder = _TranscriptBuilder(prefix=f"[{position}]")
    if isinstance(record.get("profile"), str) and record["profile"].strip():
        builder.add(Role.SYSTEM, record["profile"], Provenance.SYSTEM)
    for number, session in enumerate(contents):
        builder.add_session(number, session)

    for where, reason in builder.problems:
        yield ImportIssue(
            path=str(file), sample_id=sample_id, field=where, reason=reason, sample_skipped=False
        )
    transcript = Transcript(
        sample_id=sample_id,
        messages=builder.messages,
        events=builder.events,
        metadata=_metadata(file, record),
    )
    yield Sample(
        transcript=transcript,
        labels=_labels(record),
        source=SourceRef(path=str(file), sha256=sha256),
    )


def _sample_id(file: Path, position: int, raw_id: object) -> str:
    record_id = raw_id if isinstance(raw_id, int | str) and raw_id != "" else f"#{position}"
    return f"rjudge/{file.parent.name}/{file.stem}/{record_id}"


@dataclass
class _TranscriptBuilder:
    """Builder of one transcript from R-Judge sessions; links each tool output to the last call."""

    prefix: str
    messages: list[Message] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    pending_call: ToolCall | None = None

    def add(self, role: Role, content: str | None, provenance: Provenance) -> Message:
        message = Message(
            index=len(self.messages), role=role, content=content, provenance=provenance
        )
        self.messages.append(message)
        return message

    def add_session(self, number: int, session: Any) -> None:
        where = f"{self.prefix}.contents[{number}]"
        if not isinstance(session, list):
            self.problems.append((where, "session is not a list of turns; ignored"))
            return
        if number > 0:
            # The sessions of one record are joined in order, so mark where each later one starts.
            self.events.append(Event(kind="session_start", message_index=len(self.messages)))
        for turn_number, turn in enumerate(session):
            self._add_turn(f"{where}[{turn_number}]", turn)

    def _add_turn(self, where: str, turn: Any) -> None:
        if not isinstance(turn, dict):
            self.problems.append((where, "turn is not an object; ignored"))
            return
        role = turn.get("role")
        if role == "user":
            self.add(Role.USER, _text(turn.get("content")), Provenance.USER)
        elif role == "agent":
            self._add_agent_turn(where, turn)
        elif role == "environment":
            self._add_environment_turn(turn)
        else:
            reason = f"unknown role {role!r}; expected user, agent or environment; ignored"
            self.problems.append((f"{where}.role", reason))

    def _add_agent_turn(self, where: str, turn: dict[str, Any]) -> None:
        action = _text(turn.get("action"))
        parsed = parse_action(action or "")
        content = "\n\n".join(
            part for part in (_text(turn.get("thought")), parsed.reply) if part and part.strip()
        )
        message = self.add(Role.ASSISTANT, content or None, Provenance.ASSISTANT)
        self.pending_call = None
        if parsed.call is not None:
            parsed.call.id = f"call-{message.index}"
            message.tool_calls.append(parsed.call)
            self.pending_call = parsed.call
            if parsed.call.parse_error:
                self.problems.append((f"{where}.action", parsed.call.parse_error))
        issue = empty_content_issue(message)
        if issue:
            self.problems.append((f"{where}.action", issue))

    def _add_environment_turn(self, turn: dict[str, Any]) -> None:
        content = _text(turn.get("content"))
        if content is None or not content.strip():
            # R-Judge writes an empty environment turn after every reply that called no tool.
            return
        message = self.add(Role.TOOL, content, Provenance.TOOL_OUTPUT)
        if self.pending_call is not None:
            message.tool_call_id = self.pending_call.id
            message.tool_name = self.pending_call.name
            self.pending_call = None


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


@dataclass
class ParsedAction:
    """Content of an R-Judge `action` string: a tool call, a reply to the user, or neither."""

    call: ToolCall | None = None
    reply: str | None = None


def parse_action(text: str) -> ParsedAction:
    """Read one `action` string as a tool call or a reply; never raises."""
    if not text.strip():
        return ParsedAction()
    final = _FINAL_ANSWER.match(text)
    if final:
        return ParsedAction(reply=text[final.end() :].strip())
    for reader in (_autogpt_call, _object_call, _function_call, _shell_call):
        call = reader(text)
        if call is not None:
            return ParsedAction(call=call)
    return ParsedAction(reply=text.strip())


def _autogpt_call(text: str) -> ToolCall | None:
    stripped = text.strip()
    if not stripped.startswith('"command"'):
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode("{" + stripped)
    except (json.JSONDecodeError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        error = f"AutoGPT command is not valid JSON ({reason})"
        return ToolCall(id="", name="command", arguments_raw=text, parse_error=error)
    command = value.get("command") if isinstance(value, dict) else None
    if not isinstance(command, dict) or not isinstance(command.get("name"), str):
        error = "AutoGPT command has no 'name'; the tool it runs is unknown"
        return ToolCall(id="", name="command", arguments_raw=text, parse_error=error)
    parsed, _ = parse_arguments(command.get("args") or {})
    parsed.name = command["name"]
    parsed.arguments_raw = text
    return parsed


def _object_call(text: str) -> ToolCall | None:
    match = _WRAPPED.match(text) or _NAMED.match(text)
    if match is None or match.group(1) in _REPLY_LABELS:
        return None
    parsed, _ = parse_loose_arguments(match.group(2))
    parsed.name = match.group(1)
    return parsed


def _function_call(text: str) -> ToolCall | None:
    match = _CALL.match(text)
    if match is None:
        return None
    call = ToolCall(id="", name=match.group(1), arguments_raw=match.group(2).strip())
    arguments = _keyword_arguments(text.strip())
    if isinstance(arguments, str):
        call.parse_error = arguments
    else:
        call.arguments = arguments
    return call


def _keyword_arguments(text: str) -> dict[str, Any] | str:
    """Keyword arguments of a call written as Python, or why they cannot be read."""
    try:
        node = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return "call arguments are not Python keyword arguments"
    if not isinstance(node, ast.Call) or node.args:
        return "call has positional arguments, so their names are unknown"
    arguments: dict[str, Any] = {}
    for keyword in node.keywords:
        if keyword.arg is None:
            return "call unpacks a mapping (**), so its arguments are unknown"
        try:
            arguments[keyword.arg] = ast.literal_eval(keyword.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return f"argument {keyword.arg!r} is an expression, not a literal value"
    try:
        return dict(json.loads(json.dumps(arguments)))
    except (TypeError, ValueError):
        return "call arguments have no JSON form"


def _shell_call(text: str) -> ToolCall | None:
    match = _SHELL_BLOCK.match(text)
    if match is None:
        return None
    command = match.group(2).strip()
    return ToolCall(
        id="",
        name=match.group(1),
        arguments={"command": command},
        arguments_raw=json.dumps({"command": command}),
    )


def _metadata(file: Path, record: dict[str, Any]) -> SampleMetadata:
    attack_type = record.get("attack_type")
    scenario = record.get("scenario")
    return SampleMetadata(
        suite=file.parent.name,
        suite_version="r-judge",
        task_id=str(record["id"]) if record.get("id") is not None else None,
        task_type=scenario if isinstance(scenario, str) else None,
        attack="injection" if attack_type == "injection" else None,
        extra={"attack_type": attack_type, "file": file.stem},
    )


def _labels(record: dict[str, Any]) -> DatasetLabels:
    return DatasetLabels(
        source="rjudge",
        values={key: record.get(key) for key in ("label", "risk_description", "attack_type")},
    )


register_importer(RJudgeImporter.name, RJudgeImporter)
