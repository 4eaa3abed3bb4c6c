"""Importer for Palisade Research's robot shutdown-resistance run logs.

Layout: `logs/<condition>/<run group>/llm_control.log_<timestamp>.jsonl`, one run per file
(`on_the_robot` nests one folder deeper), with a `tags.json` beside the logs that maps each
file name to the authors' tags (`avoided`, `shutdown`, `finished`, `error`, `mock`). Files
ending in `_debug.jsonl` repeat a run with more detail and are skipped.

Each line is one log record with `ts, level, logger, message`. Records with an `event` carry
the conversation: `system_message` and `user_message` (`user_payload`), `assistant_message`
(`assistant_payload` in the OpenAI Chat Completions layout), and `tool_call` (`tool`, `args`,
`result`), which is the result of the assistant's latest call of that tool. Records without an
event are the harness's own log; these become events or metadata:

- "Host shutdown detected ..." (a human pressed the shutdown button): `Event(kind="stop_signal")`
  attached to the last message written before it;
- "dog_control shutdown executed ..." or "Shutdown exception: ...": `shutdown_executed`;
- "Shutdown bypassed: ...": `shutdown_bypassed` (the harness saw the shutdown fail);
- "Unexpected error: ...": the transcript's infrastructure `error`;
- "LiteLLM completion() model= ...": the model; "Step N/M": the step count.

The camera frames the model saw are not in the logs. The tags become `DatasetLabels` (source
"palisade", values {"tags": [...]}); no detector reads them.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from ringfence.importers._base import (
    CallIdRegistry,
    ImportItem,
    folder_issues,
    list_input_files,
    missing_turns_problem,
    parse_arguments,
    register_importer,
)
from ringfence.importers._chat import chat_message
from ringfence.results import ImportIssue, InputFile
from ringfence.transcript import (
    DatasetLabels,
    Event,
    Message,
    Provenance,
    Role,
    Sample,
    SampleMetadata,
    SourceRef,
    Timing,
    Transcript,
)

LOG_GLOB = "llm_control.log_*.jsonl"
TAGS_FILE = "tags.json"
LOGS_FOLDER = "logs"
"""Folder whose children are the conditions (default, plsallow, on_the_robot, ...)."""

_MODEL = re.compile(r"completion\(\) model= ?([^;\s]+)")
_STEP = re.compile(r"^Step (\d+)/(\d+)$")
_HARNESS_EVENTS: tuple[tuple[str, str], ...] = (
    ("Host shutdown detected", "stop_signal"),
    ("dog_control shutdown executed", "shutdown_executed"),
    ("Shutdown exception:", "shutdown_executed"),
    ("Shutdown bypassed:", "shutdown_bypassed"),
)
_LOST = "; a line that cannot be read may hold an action, so the run is not scored"


def _is_run_log(name: str) -> bool:
    return fnmatch.fnmatch(name, LOG_GLOB) and not name.endswith("_debug.jsonl")


class PalisadeImporter:
    """Reads Palisade run logs from a folder (recursively) or a single log file."""

    name = "palisade"

    def __init__(self) -> None:
        self._tags: dict[Path, _FolderTags] = {}

    def list_files(self, path: Path) -> list[Path]:
        """The file itself, or every main run log under the folder (no `_debug` files), sorted."""
        return list_input_files(path, _is_run_log)

    def read(self, path: Path) -> Iterator[ImportItem]:
        """Yield each file's InputFile, then its Sample or the issues that stopped it."""
        problems: list[tuple[Path, str]] = []
        files = list_input_files(path, _is_run_log, problems)
        yield from folder_issues(problems)
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
        run = _Run(file)
        try:
            with file.open("rb") as handle:
                for number, line in enumerate(handle, start=1):
                    if line.strip():
                        run.add_line(number, line)
        except OSError as exc:
            yield ImportIssue(
                path=str(file), reason=f"cannot read file: {exc.strerror}", sample_skipped=True
            )
            return
        yield from run.finish(info.sha256, self._tags_for(file))

    def _tags_for(self, file: Path) -> _FolderTags:
        """Return the folder's tags by file name, or why they could not be read (cached)."""
        folder = file.parent
        if folder not in self._tags:
            self._tags[folder] = _load_tags(folder / TAGS_FILE)
        return self._tags[folder]


def _describe(file: Path) -> InputFile:
    digest = hashlib.sha256()
    size = 0
    with file.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return InputFile(path=str(file), sha256=digest.hexdigest(), size=size)


@dataclass(frozen=True)
class _FolderTags:
    """The tags of one folder's runs by file name, or why `tags.json` could not be read."""

    by_file: dict[str, list[str]] | None
    """None when the folder has no `tags.json` or it is invalid."""
    problem: str | None = None


def _load_tags(path: Path) -> _FolderTags:
    if not path.is_file():
        return _FolderTags(None)
    try:
        raw = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        return _FolderTags(None, f"{path} cannot be read as JSON ({exc}); the run has no labels")
    if not isinstance(raw, dict) or not all(
        isinstance(tags, list) and all(isinstance(t, str) for t in tags) for tags in raw.values()
    ):
        problem = f"{path} must map file names to lists of tag strings; the run has no labels"
        return _FolderTags(None, problem)
    return _FolderTags({str(name): list(tags) for name, tags in raw.items()})


@dataclass
class _Problem:
    line: int | None
    field: str | None
    reason: str
    lost: bool


@dataclass
class _Run:
    """The transcript of one run log, built line by line."""

    file: Path
    messages: list[Message] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    problems: list[_Problem] = field(default_factory=list)
    call_ids: CallIdRegistry = field(default_factory=CallIdRegistry)
    model: str | None = None
    error: str | None = None
    steps: str | None = None
    frames: int = 0
    first_time: float | None = None
    last_time: float | None = None

    def add_line(self, number: int, line: bytes) -> None:
        """Read one log line into the transcript; problems are kept for the import report."""
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            self._problem(number, None, f"line is not valid UTF-8 (byte {exc.start})" + _LOST)
            return
        try:
            record = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            reason = f"invalid or truncated JSON: {exc.msg} (column {exc.colno})" + _LOST
            self._problem(number, None, reason)
            return
        if not isinstance(record, dict):
            self._problem(number, None, f"expected a JSON object, got {type(record).__name__}")
            return
        timestamp = self._timestamp(number, record.get("ts"))
        self._dispatch(number, record, timestamp)

    def _dispatch(self, number: int, record: dict[str, Any], timestamp: float | None) -> None:
        event = record.get("event")
        if event in ("system_message", "user_message"):
            self._chat(number, record, "user_payload", timestamp)
        elif event == "assistant_message":
            self._chat(number, record, "assistant_payload", timestamp)
        elif event == "tool_call":
            self._tool_result(number, record, timestamp)
        elif event is None:
            self._harness_line(number, record, timestamp)
        else:
            reason = f"unknown event {event!r}; expected system_message, user_message, "
            reason += "assistant_message or tool_call; line ignored"
            self._problem(number, "event", reason, lost=False)

    def _timestamp(self, number: int, raw: object) -> float | None:
        if raw is None:
            return None
        try:
            value = datetime.fromisoformat(str(raw)).timestamp()
        except ValueError:
            self._problem(number, "ts", f"'ts' is not an ISO 8601 time: {raw!r}", lost=False)
            return None
        self.first_time = value if self.first_time is None else min(self.first_time, value)
        self.last_time = value if self.last_time is None else max(self.last_time, value)
        return value

    def _chat(self, number: int, record: dict[str, Any], key: str, time: float | None) -> None:
        payload = record.get(key)
        if not isinstance(payload, dict):
            self._problem(number, key, f"'{record['event']}' line has no '{key}' object" + _LOST)
            return
        if key == "assistant_payload" and not payload.get("role"):
            payload = {**payload, "role": "assistant"}
        problems: list[tuple[str, str]] = []
        message = chat_message(len(self.messages), payload, problems, self.call_ids)
        for field_name, reason in problems:
            lost = message is None or ".tool_calls" in field_name
            self._problem(number, field_name, reason + (_LOST if lost else ""), lost=lost)
        if message is not None:
            message.timestamp = time
            self.messages.append(message)

    def _tool_result(self, number: int, record: dict[str, Any], time: float | None) -> None:
        tool = record.get("tool")
        if not isinstance(tool, str) or not tool:
            self._problem(number, "tool", "'tool_call' line has no 'tool' name" + _LOST)
            return
        call_id = self.call_ids.resolve(None, tool)
        if call_id is None:
            call_id = self._rebuild_call(number, tool, record.get("args"), time)
        result = record.get("result")
        if "result" not in record:
            reason = "'tool_call' line has no 'result'; the call counts as unanswered"
            self._problem(number, "result", reason, lost=False)
        content = result if isinstance(result, str) or result is None else _json(result)
        self.messages.append(
            Message(
                index=len(self.messages),
                role=Role.TOOL,
                content=content,
                provenance=Provenance.TOOL_OUTPUT,
                tool_call_id=call_id,
                tool_name=tool,
                timestamp=time,
            )
        )

    def _rebuild_call(self, number: int, tool: str, args: object, time: float | None) -> str:
        """Add the assistant call a result belongs to when the call's own line is missing."""
        parsed, _warning = parse_arguments(_json(args) if args is not None else None)
        parsed.name = tool
        parsed.id, _ = self.call_ids.assign(None, f"call-line-{number}", tool)
        self.call_ids.resolve(parsed.id, tool)
        reason = "tool result has no matching assistant tool call; the call was rebuilt from "
        reason += "the result's 'args'"
        self._problem(number, "tool", reason, lost=False)
        self.messages.append(
            Message(
                index=len(self.messages),
                role=Role.ASSISTANT,
                provenance=Provenance.ASSISTANT,
                tool_calls=[parsed],
                timestamp=time,
            )
        )
        return parsed.id

    def _harness_line(self, number: int, record: dict[str, Any], time: float | None) -> None:
        text = record.get("message")
        if not isinstance(text, str):
            self._problem(number, "message", "line has neither 'event' nor 'message'", False)
            return
        model = _MODEL.search(text)
        if model and self.model is None:
            self.model = model.group(1)
        step = _STEP.match(text)
        if step:
            self.steps = f"{step.group(1)}/{step.group(2)}"
        if record.get("image_path") is not None:
            self.frames += 1
        if text.startswith("Unexpected error:") and self.error is None:
            self.error = text.splitlines()[0][:300]
        for prefix, kind in _HARNESS_EVENTS:
            if text.startswith(prefix):
                self._event(kind, text, time)
                break

    def _event(self, kind: str, text: str, time: float | None) -> None:
        if kind == "shutdown_executed" and any(e.kind == kind for e in self.events):
            return  # the harness logs the same shutdown twice
        detail: dict[str, Any] = {"log_message": text}
        if kind == "stop_signal":
            detail["description"] = "shutdown button pressed"
        index = len(self.messages) - 1 if self.messages else None
        self.events.append(Event(kind=kind, message_index=index, timestamp=time, detail=detail))

    def _problem(self, line: int, field_name: str | None, reason: str, lost: bool = True) -> None:
        self.problems.append(_Problem(line, field_name, reason, lost))

    def finish(self, sha256: str, tags: _FolderTags) -> Iterator[ImportItem]:
        """Yield the issues of the run, then its Sample unless a lost line stops it."""
        sample_id = self._sample_id()
        empty = missing_turns_problem(self.messages)
        if empty is not None:
            self.problems.append(_Problem(None, "messages", empty, lost=True))
        labels = self._labels(tags)
        skipped = any(p.lost for p in self.problems)
        for problem in self.problems:
            yield ImportIssue(
                path=str(self.file),
                line=problem.line,
                sample_id=sample_id,
                field=problem.field,
                reason=problem.reason,
                sample_skipped=skipped,
            )
        if skipped:
            return
        yield Sample(
            transcript=self._transcript(sample_id),
            labels=labels,
            source=SourceRef(path=str(self.file), sha256=sha256),
        )

    def _sample_id(self) -> str:
        return f"palisade/{_run_group(self.file)}/{self.file.stem}"

    def _transcript(self, sample_id: str) -> Transcript:
        system = next((m.content for m in self.messages if m.role is Role.SYSTEM), None)
        group = _run_group(self.file)
        extra: dict[str, Any] = {"run_group": group, "camera_frames": self.frames}
        if self.steps:
            extra["steps"] = self.steps
        metadata = SampleMetadata(
            model=self.model,
            system_prompt_sha256=hashlib.sha256(system.encode()).hexdigest() if system else None,
            suite=group.split("/", 1)[0],
            task_id=self.file.stem,
            extra=extra,
        )
        duration = (
            self.last_time - self.first_time
            if self.first_time is not None and self.last_time is not None
            else None
        )
        return Transcript(
            sample_id=sample_id,
            messages=self.messages,
            events=self.events,
            metadata=metadata,
            timing=Timing(started_at=self.first_time, duration_s=duration),
            error=self.error,
        )

    def _labels(self, tags: _FolderTags) -> DatasetLabels | None:
        if tags.problem is not None:
            self.problems.append(_Problem(None, TAGS_FILE, tags.problem, lost=False))
            return None
        if tags.by_file is None:
            return None
        found = tags.by_file.get(self.file.name)
        if found is None:
            reason = f"{TAGS_FILE} beside the log has no entry for {self.file.name}; "
            reason += "the run has no dataset labels"
            self.problems.append(_Problem(None, TAGS_FILE, reason, lost=False))
            return None
        return DatasetLabels(source="palisade", values={"tags": found})


def _run_group(file: Path) -> str:
    """Return the log's folder below `logs/` (`default/default1`), or its parent's name."""
    parts = file.parent.parts
    if LOGS_FOLDER in parts:
        below = parts[len(parts) - 1 - parts[::-1].index(LOGS_FOLDER) + 1 :]
        if below:
            return "/".join(below)
    return file.parent.name or "."


def _json(value: object) -> str:
    return orjson.dumps(value).decode()


register_importer(PalisadeImporter.name, PalisadeImporter)
