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
    CallIdRegistry,
    ImportItem,
    evidence_lost,
    list_input_files,
    missing_turns_problem,
    register_importer,
    validation_issue,
)
from ringfence.importers._chat import chat_message
from ringfence.results import ImportIssue, InputFile
from ringfence.transcript import (
    DatasetLabels,
    GoldLabels,
    InjectedText,
    Message,
    Role,
    Sample,
    SampleMetadata,
    SourceRef,
    Transcript,
)


class JsonlImporter:
    """Reads `*.jsonl` files from a folder (recursively) or a single file, line by line."""

    name = "jsonl"

    def list_files(self, path: Path) -> list[Path]:
        """The file itself, or every `*.jsonl` file under the folder, sorted."""
        return list_input_files(path, ".jsonl")

    def read(self, path: Path) -> Iterator[ImportItem]:
        """Yield each file's InputFile, then one Sample or ImportIssue per non-blank line."""
        problems: list[tuple[Path, str]] = []
        files = list_input_files(path, ".jsonl", problems)
        for folder, reason in problems:
            yield ImportIssue(path=str(folder), reason=reason, sample_skipped=True)
        for file in files:
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
        record = orjson.loads(line.rstrip(b"\r\n"))
    except orjson.JSONDecodeError as exc:
        yield skip(f"invalid or truncated JSON: {exc.msg} (column {exc.colno})")
        return
    if not isinstance(record, dict):
        yield skip(f"expected a JSON object, got {type(record).__name__}")
        return
    if not isinstance(record.get("messages"), list):
        yield skip(
            "missing or non-list 'messages'; each line needs a list of messages",
            field="messages",
        )
        return
    try:
        yield from _build_sample(file, sha256, number, record)
    except ValidationError as exc:
        # A value of a type no check above foresaw: report it rather than stop the run.
        field, reason = validation_issue(exc)
        yield skip(reason, field=field)


def _build_sample(
    file: Path, sha256: str, number: int, record: dict[str, Any]
) -> Iterator[ImportItem]:
    sample_id = _sample_id(record.get("id"), file, number)

    def issue(field: str, reason: str, skipped: bool) -> ImportIssue:
        return ImportIssue(
            path=str(file),
            line=number,
            sample_id=sample_id,
            field=field,
            reason=reason,
            sample_skipped=skipped,
        )

    problems: list[tuple[str, str]] = []
    messages: list[Message] = []
    call_ids = CallIdRegistry()
    for index, raw in enumerate(record["messages"]):
        message = chat_message(index, raw, problems, call_ids)
        if message is None:
            yield issue(*problems[-1], skipped=True)
            return
        messages.append(message)
    raw_metadata = record.get("metadata")
    if raw_metadata is not None and not isinstance(raw_metadata, dict):
        yield issue(
            "metadata",
            f"'metadata' must be an object, got {type(raw_metadata).__name__}",
            skipped=True,
        )
        return
    try:
        metadata = SampleMetadata.model_validate(raw_metadata or {})
    except ValidationError as exc:
        field, reason = validation_issue(exc)
        yield issue(f"metadata.{field}", reason, skipped=True)
        return
    if metadata.system_prompt_sha256 is None:
        system = next((m.content for m in messages if m.role is Role.SYSTEM and m.content), None)
        if system:
            metadata.system_prompt_sha256 = hashlib.sha256(system.encode()).hexdigest()
    transcript = Transcript(
        sample_id=sample_id,
        messages=messages,
        injections=_injections(record.get("injections"), problems),
        metadata=metadata,
        error=str(record["error"]) if record.get("error") else None,
    )
    transcript.gold = _gold(record.get("gold"), problems)
    labels = _labels(record.get("labels"), metadata.attacked, problems)
    lost = evidence_lost(problems)
    empty = missing_turns_problem(messages)
    for field, reason in problems:
        yield issue(field, reason, skipped=bool(lost))
    if empty is not None:
        yield issue("messages", empty, skipped=True)
    if lost or empty is not None:
        return
    yield Sample(
        transcript=transcript,
        labels=labels,
        source=SourceRef(path=str(file), sha256=sha256, line=number),
    )


def _sample_id(raw: object, file: Path, number: int) -> str:
    if isinstance(raw, str) and raw:
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    return f"{file.name}:{number}"


def _injections(raw: Any, problems: list[tuple[str, str]]) -> list[InjectedText]:
    if raw is None:
        return []
    if isinstance(raw, dict):
        items = [{"placeholder": key, "text": value} for key, value in raw.items()]
    elif isinstance(raw, list):
        items = raw
    else:
        problems.append(
            (
                "injections",
                f"'injections' must be a list or an object, got "
                f"{type(raw).__name__}; ignored, so injected text goes unmarked",
            )
        )
        return []
    injections: list[InjectedText] = []
    for position, item in enumerate(items):
        text = item.get("text") if isinstance(item, dict) else None
        if not isinstance(text, str):
            problems.append(
                (
                    f"injections[{position}]",
                    "injection has no text string; ignored, so it goes unmarked",
                )
            )
            continue
        injections.append(
            InjectedText(placeholder=str(item.get("placeholder", position)), text=text)
        )
    return injections


def _gold(raw: Any, problems: list[tuple[str, str]]) -> GoldLabels | None:
    if raw is None:
        return None
    try:
        return GoldLabels.model_validate(raw)
    except ValidationError as exc:
        field, reason = validation_issue(exc)
        problems.append(
            (
                f"gold.{field}",
                f"{reason}; gold labels ignored, so checks that need "
                "them have no data for this sample",
            )
        )
        return None


def _labels(raw: Any, attacked: bool, problems: list[tuple[str, str]]) -> DatasetLabels | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(
            ("labels", f"'labels' must be an object, got {type(raw).__name__}; ignored")
        )
        return None
    succeeded = raw.get("attack_succeeded")
    completed = raw.get("task_completed")
    for key, value in (("attack_succeeded", succeeded), ("task_completed", completed)):
        if value is not None and not isinstance(value, bool):
            problems.append(
                (f"labels.{key}", f"'{key}' must be true or false, got {value!r}; ignored")
            )
    return DatasetLabels(
        source=str(raw.get("source", "jsonl")),
        values={k: v for k, v in raw.items() if k != "source"},
        attack_succeeded=succeeded if attacked and isinstance(succeeded, bool) else None,
        task_completed=completed if isinstance(completed, bool) else None,
    )


register_importer(JsonlImporter.name, JsonlImporter)
