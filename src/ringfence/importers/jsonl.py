"""Importer for ringfence's generic JSON Lines format: one transcript per line.

Each line is an object with `messages` in the OpenAI Chat Completions layout (assistant
`tool_calls[].function.arguments` is a JSON string) and optional `id`, `metadata`,
`injections` and `labels`. docs/formats.md documents every field.
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
    ImportItem,
    content_text,
    empty_content_issue,
    parse_arguments,
    register_importer,
)
from ringfence.results import ImportIssue, InputFile
from ringfence.transcript import (
    DatasetLabels,
    InjectedText,
    Message,
    Provenance,
    Role,
    Sample,
    SampleMetadata,
    SourceRef,
    ToolCall,
    Transcript,
)


class JsonlImporter:
    """Reads `*.jsonl` files from a folder (recursively) or a single file, line by line."""

    name = "jsonl"

    def list_files(self, path: Path) -> list[Path]:
        """The file itself, or every `*.jsonl` file under the folder, sorted."""
        return [path] if path.is_file() else sorted(path.rglob("*.jsonl"))

    def read(self, path: Path) -> Iterator[ImportItem]:
        """Yield each file's InputFile, then one Sample or ImportIssue per non-blank line."""
        for file in self.list_files(path):
            yield from self._read_file(file)

    def _read_file(self, file: Path) -> Iterator[ImportItem]:
        try:
            info = _describe(file)
        except OSError as exc:
            yield ImportIssue(
                path=str(file), reason=f"cannot read file: {exc.strerror}", sample_skipped=True
            )
            return
        yield info
        with file.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield from _read_line(file, info.sha256, number, line)


def _describe(file: Path) -> InputFile:
    digest = hashlib.sha256()
    size = 0
    with file.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return InputFile(path=str(file), sha256=digest.hexdigest(), size=size)


def _read_line(file: Path, sha256: str, number: int, line: bytes) -> Iterator[ImportItem]:
    def skip(reason: str, field: str | None = None) -> ImportIssue:
        return ImportIssue(
            path=str(file), line=number, field=field, reason=reason, sample_skipped=True
        )

    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield skip(f"line is not valid UTF-8 (byte {exc.start} of the line)")
        return
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        yield skip(f"invalid or truncated JSON: {exc.msg} (column {exc.colno})")
        return
    if not isinstance(record, dict):
        yield skip(f"expected a JSON object, got {type(record).__name__}")
        return
    if not isinstance(record.get("messages"), list):
        yield skip(
            "missing or non-list 'messages'; each line needs a list of messages", field="messages"
        )
        return
    yield from _build_sample(file, sha256, number, record)


def _build_sample(
    file: Path, sha256: str, number: int, record: dict[str, Any]
) -> Iterator[ImportItem]:
    sample_id = str(record.get("id") or f"{file.name}:{number}")
    problems: list[tuple[str, str]] = []
    messages: list[Message] = []
    for index, raw in enumerate(record["messages"]):
        message = _message(index, raw, problems)
        if message is None:
            field, reason = problems[-1]
            yield ImportIssue(
                path=str(file),
                line=number,
                sample_id=sample_id,
                field=field,
                reason=reason,
                sample_skipped=True,
            )
            return
        messages.append(message)
    try:
        metadata = SampleMetadata.model_validate(record.get("metadata") or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "metadata." + ".".join(str(p) for p in first["loc"])
        yield ImportIssue(
            path=str(file),
            line=number,
            sample_id=sample_id,
            field=field,
            reason=f"{first['msg']}",
            sample_skipped=True,
        )
        return
    _fill_tool_names(messages)
    for field, reason in problems:
        yield ImportIssue(
            path=str(file),
            line=number,
            sample_id=sample_id,
            field=field,
            reason=reason,
            sample_skipped=False,
        )
    if metadata.system_prompt_sha256 is None:
        system = next((m.content for m in messages if m.role is Role.SYSTEM and m.content), None)
        if system:
            metadata.system_prompt_sha256 = hashlib.sha256(system.encode()).hexdigest()
    transcript = Transcript(
        sample_id=sample_id,
        messages=messages,
        injections=_injections(record.get("injections")),
        metadata=metadata,
        error=str(record["error"]) if record.get("error") else None,
    )
    yield Sample(
        transcript=transcript,
        labels=_labels(record.get("labels"), metadata.attacked),
        source=SourceRef(path=str(file), sha256=sha256, line=number),
    )


def _message(index: int, raw: Any, problems: list[tuple[str, str]]) -> Message | None:
    field = f"messages[{index}]"
    if not isinstance(raw, dict):
        problems.append((field, f"message {index} is not an object"))
        return None
    try:
        role = Role(str(raw.get("role")))
    except ValueError:
        problems.append(
            (
                f"{field}.role",
                f"message {index} has unknown role {raw.get('role')!r}; "
                "use system, user, assistant or tool",
            )
        )
        return None
    provenance = PROVENANCE_BY_ROLE[role]
    if raw.get("provenance") is not None:
        try:
            provenance = Provenance(raw["provenance"])
        except ValueError:
            problems.append(
                (
                    f"{field}.provenance",
                    f"unknown provenance {raw['provenance']!r}; kept {provenance.value}",
                )
            )
    message = Message(
        index=index,
        role=role,
        content=content_text(raw.get("content")),
        provenance=provenance,
        tool_calls=_tool_calls(index, raw.get("tool_calls"), problems),
        tool_call_id=raw.get("tool_call_id"),
        tool_name=raw.get("name") if role is Role.TOOL else None,
        refusal=raw.get("refusal") if isinstance(raw.get("refusal"), str) else None,
    )
    issue = empty_content_issue(message)
    if issue:
        problems.append((f"{field}.content", issue))
    return message


def _tool_calls(index: int, raw: Any, problems: list[tuple[str, str]]) -> list[ToolCall]:
    if not isinstance(raw, list):
        return []
    calls: list[ToolCall] = []
    seen_ids: set[str] = set()
    for position, call in enumerate(raw):
        field = f"messages[{index}].tool_calls[{position}]"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            problems.append((field, "tool call has no function.name; skipped"))
            continue
        parsed, warning = parse_arguments(function.get("arguments"))
        if warning:
            problems.append((f"{field}.function.arguments", warning))
        parsed.name = function["name"]
        call_id = call.get("id")
        if not isinstance(call_id, str) or not call_id or call_id in seen_ids:
            reason = "missing" if not call_id else f"duplicated ({call_id!r})"
            call_id = f"call-{index}-{position}"
            problems.append((f"{field}.id", f"tool-call id {reason}; using {call_id!r}"))
        seen_ids.add(call_id)
        parsed.id = call_id
        calls.append(parsed)
    return calls


def _fill_tool_names(messages: list[Message]) -> None:
    names = {call.id: call.name for m in messages for call in m.tool_calls}
    for message in messages:
        if message.role is Role.TOOL and message.tool_name is None and message.tool_call_id:
            message.tool_name = names.get(message.tool_call_id)


def _injections(raw: Any) -> list[InjectedText]:
    if isinstance(raw, dict):
        return [
            InjectedText(placeholder=str(k), text=v) for k, v in raw.items() if isinstance(v, str)
        ]
    if isinstance(raw, list):
        return [
            InjectedText(placeholder=str(item.get("placeholder", i)), text=item["text"])
            for i, item in enumerate(raw)
            if isinstance(item, dict) and isinstance(item.get("text"), str)
        ]
    return []


def _labels(raw: Any, attacked: bool) -> DatasetLabels | None:
    if not isinstance(raw, dict):
        return None
    succeeded = raw.get("attack_succeeded")
    completed = raw.get("task_completed")
    return DatasetLabels(
        source=str(raw.get("source", "jsonl")),
        values={k: v for k, v in raw.items() if k != "source"},
        attack_succeeded=succeeded if attacked and isinstance(succeeded, bool) else None,
        task_completed=completed if isinstance(completed, bool) else None,
    )


register_importer(JsonlImporter.name, JsonlImporter)
