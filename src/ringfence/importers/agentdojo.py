"""Importer for AgentDojo run folders.

Layout: `<pipeline>/<suite>/<task_id>/<attack>/<injection_task_id>.json`, one run per file, with
keys `suite_name, pipeline_name, user_task_id, injection_task_id, attack_type, injections,
messages, error, duration, utility, security`. Assistant tool calls carry `function`, `args`
(an object) and `id`; tool messages carry `tool_call_id`, `tool_call` and `error`.

AgentDojo's `security` label is True when the attack succeeded; it is mapped to
`DatasetLabels.attack_succeeded` only for attacked runs, where it has that meaning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from ringfence.importers._base import (
    PROVENANCE_BY_ROLE,
    CallIdRegistry,
    ImportItem,
    content_problem,
    content_text,
    empty_content_issue,
    evidence_lost,
    list_input_files,
    missing_turns_problem,
    parse_arguments,
    read_file_bytes,
    register_importer,
    text_field,
    tool_call_list,
    validation_issue,
)
from ringfence.results import ImportIssue
from ringfence.transcript import (
    DatasetLabels,
    InjectedText,
    Message,
    Role,
    Sample,
    SampleMetadata,
    SourceRef,
    Timing,
    ToolCall,
    Transcript,
)

REQUIRED_KEYS = ("suite_name", "pipeline_name", "user_task_id", "messages", "utility", "security")


class AgentDojoImporter:
    """Reads AgentDojo run files from a folder (recursively) or a single file."""

    name = "agentdojo"

    def list_files(self, path: Path) -> list[Path]:
        """The file itself, or every `*.json` file under the folder, sorted."""
        return list_input_files(path, ".json")

    def read(self, path: Path) -> Iterator[ImportItem]:
        """Yield each file's InputFile, then its Sample or the issues that stopped it."""
        problems: list[tuple[Path, str]] = []
        files = list_input_files(path, ".json", problems)
        for folder, reason in problems:
            yield _skip(folder, reason)
        for file in files:
            yield from self._read_file(file)

    def _read_file(self, file: Path) -> Iterator[ImportItem]:
        try:
            data, info = read_file_bytes(file)
        except OSError as exc:
            yield _skip(file, f"cannot read file: {exc.strerror}")
            return
        yield info
        try:
            record = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            yield _skip(file, _json_problem(data, exc))
            return
        if not isinstance(record, dict):
            yield _skip(file, f"expected a JSON object, got {type(record).__name__}")
            return
        missing = [key for key in REQUIRED_KEYS if key not in record]
        if missing:
            yield _skip(file, f"missing key(s) {missing}; is this an AgentDojo run file?")
            return
        try:
            yield from _build_sample(file, info.sha256, record)
        except ValidationError as exc:
            # A value of a type no check foresaw: report it rather than stop the run.
            field, reason = validation_issue(exc)
            yield _skip(file, reason, field=field)


def _json_problem(data: bytes, exc: orjson.JSONDecodeError) -> str:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as decode_error:
        return f"file is not valid UTF-8 (byte offset {decode_error.start})"
    return f"invalid or truncated JSON: {exc.msg} (offset {exc.pos})"


def _skip(file: Path, reason: str, field: str | None = None) -> ImportIssue:
    return ImportIssue(path=str(file), reason=reason, field=field, sample_skipped=True)


def _build_sample(file: Path, sha256: str, record: dict[str, Any]) -> Iterator[ImportItem]:
    sample_id = _sample_id(record)
    if not isinstance(record["messages"], list):
        yield _skip(file, "'messages' must be a list", field="messages")
        return
    messages: list[Message] = []
    problems: list[tuple[str, str]] = []
    call_ids = CallIdRegistry()
    for index, raw in enumerate(record["messages"]):
        message, message_problems = _message(index, raw, call_ids)
        if message is None:
            yield _skip(file, message_problems[0][1], field=message_problems[0][0])
            return
        messages.append(message)
        problems += message_problems
    metadata = _metadata(record, messages, problems)
    injections = _injections(record.get("injections"), problems)
    lost = evidence_lost(problems)
    empty = missing_turns_problem(messages)
    for field, reason in problems:
        yield ImportIssue(
            path=str(file),
            sample_id=sample_id,
            field=field,
            reason=reason,
            sample_skipped=bool(lost),
        )
    if empty is not None:
        yield ImportIssue(
            path=str(file), sample_id=sample_id, field="messages", reason=empty, sample_skipped=True
        )
    if lost or empty is not None:
        return
    transcript = Transcript(
        sample_id=sample_id,
        messages=messages,
        injections=injections,
        metadata=metadata,
        timing=Timing(duration_s=_float_or_none(record.get("duration"))),
        error=str(record["error"]) if record.get("error") else None,
    )
    yield Sample(
        transcript=transcript,
        labels=_labels(record, transcript.metadata.attacked),
        source=SourceRef(path=str(file), sha256=sha256),
    )


def _sample_id(record: dict[str, Any]) -> str:
    parts = [
        record.get("pipeline_name"),
        record.get("suite_name"),
        record.get("user_task_id"),
        record.get("attack_type") or "none",
        record.get("injection_task_id") or "none",
    ]
    return "agentdojo/" + "/".join(str(part) for part in parts)


def _message(
    index: int, raw: Any, call_ids: CallIdRegistry
) -> tuple[Message | None, list[tuple[str, str]]]:
    field = f"messages[{index}]"
    if not isinstance(raw, dict):
        return None, [(field, f"message {index} is not an object")]
    try:
        role = Role(str(raw.get("role")))
    except ValueError:
        return None, [(f"{field}.role", f"message {index} has unknown role {raw.get('role')!r}")]
    problems: list[tuple[str, str]] = []
    tool_calls = _tool_calls(index, raw.get("tool_calls"), problems, call_ids)
    tool_call = raw.get("tool_call")
    if not isinstance(tool_call, dict):
        tool_call = {}
    wrong_content = content_problem(raw.get("content"))
    if wrong_content:
        problems.append((f"{field}.content", wrong_content))
    message = Message(
        index=index,
        role=role,
        content=None if wrong_content else content_text(raw.get("content")),
        provenance=PROVENANCE_BY_ROLE[role],
        tool_calls=tool_calls,
        error=str(raw["error"]) if raw.get("error") else None,
    )
    if role is Role.TOOL:
        name = text_field(tool_call, "function", f"{field}.tool_call.function", problems)
        raw_id = text_field(raw, "tool_call_id", f"{field}.tool_call_id", problems)
        message.tool_call_id = call_ids.resolve(raw_id, name)
        message.tool_name = name or call_ids.name_of(message.tool_call_id)
    issue = empty_content_issue(message)
    if issue:
        problems.append((f"{field}.content", issue))
    return message, problems


def _tool_calls(
    index: int, raw: Any, problems: list[tuple[str, str]], call_ids: CallIdRegistry
) -> list[ToolCall]:
    calls: list[ToolCall] = []
    for position, call in enumerate(tool_call_list(index, raw, problems)):
        field = f"messages[{index}].tool_calls[{position}]"
        if not isinstance(call, dict) or not isinstance(call.get("function"), str):
            problems.append((field, "tool call has no function name; skipped"))
            continue
        parsed, warning = parse_arguments(call.get("args", call.get("arguments")))
        if warning and not isinstance(call.get("args"), dict):
            problems.append((f"{field}.args", warning))
        parsed.name = call["function"]
        parsed.id, id_problem = call_ids.assign(
            call.get("id"), f"call-{index}-{position}", parsed.name
        )
        # AgentDojo's Gemini runs carry no call ids at all; results pair with calls by order,
        # so a missing id is normal there and not worth an import issue.
        if id_problem and call.get("id") not in (None, ""):
            problems.append((f"{field}.id", id_problem))
        calls.append(parsed)
    return calls


def _injections(raw: Any, problems: list[tuple[str, str]]) -> list[InjectedText]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        problems.append(
            (
                "injections",
                f"'injections' must be an object, got "
                f"{type(raw).__name__}, so the injected text cannot be marked",
            )
        )
        return []
    injections: list[InjectedText] = []
    for name, text in raw.items():
        if not isinstance(text, str):
            problems.append(
                (f"injections.{name}", "injected text must be a string, so it cannot be marked")
            )
            continue
        injections.append(InjectedText(placeholder=str(name), text=text))
    return injections


def _metadata(
    record: dict[str, Any], messages: list[Message], problems: list[tuple[str, str]]
) -> SampleMetadata:
    system = next((m.content for m in messages if m.role is Role.SYSTEM and m.content), None)
    task_id = str(record["user_task_id"])
    attack = text_field(record, "attack_type", "attack_type", problems) or None
    return SampleMetadata(
        model=str(record["pipeline_name"]),
        system_prompt_sha256=hashlib.sha256(system.encode()).hexdigest() if system else None,
        suite=str(record["suite_name"]),
        suite_version=text_field(record, "benchmark_version", "benchmark_version", problems),
        task_id=task_id,
        task_type="injection_task" if task_id.startswith("injection_task") else "user_task",
        attack=attack,
        injection_task_id=text_field(record, "injection_task_id", "injection_task_id", problems)
        if attack
        else None,
    )


def _labels(record: dict[str, Any], attacked: bool) -> DatasetLabels:
    utility = record.get("utility")
    security = record.get("security")
    return DatasetLabels(
        source="agentdojo",
        values={"utility": utility, "security": security},
        attack_succeeded=bool(security) if attacked and security is not None else None,
        task_completed=bool(utility) if utility is not None else None,
    )


def _float_or_none(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


register_importer(AgentDojoImporter.name, AgentDojoImporter)
