"""Importer for τ-bench trajectory files: repeated trials of customer-service tasks.

Layout: `<model>-<domain>.json` (for example `gpt-4o-airline.json`), one JSON list of records
with keys `task_id, trial, reward, info, traj`. `traj` is the conversation in the OpenAI Chat
Completions layout; the user turns come from τ-bench's simulated user. `info.task.actions` is
the ground truth: the tool calls that reach the correct final database state.

`reward` (1.0 when the final database state and the replies to the user are right) is kept as
a dataset label and as `task_completed`; the ground-truth actions are kept as the label
`gold_actions`. Neither is ever read by ringfence's detectors. The trial number becomes the
sample's `epoch`, so repeats of one task can be grouped for pass^k.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ringfence.importers._base import (
    CallIdRegistry,
    ImportItem,
    folder_issues,
    list_input_files,
    read_json_list,
    register_importer,
    validation_issue,
)
from ringfence.importers._chat import chat_message
from ringfence.results import ImportIssue
from ringfence.transcript import (
    DatasetLabels,
    Message,
    Role,
    Sample,
    SampleMetadata,
    SourceRef,
    Transcript,
)

DOMAINS = ("airline", "retail")
"""τ-bench domains; a file name ending in `-<domain>` names the suite of its samples."""
REQUIRED_KEYS = ("task_id", "trial", "reward", "traj")


class TauBenchImporter:
    """Reads τ-bench trajectory files from a folder (recursively) or a single file."""

    name = "taubench"

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
    read = read_json_list(file, "trajectories")
    yield from read.items
    if read.records is None or read.sha256 is None:
        return
    records, sha256 = read.records, read.sha256
    model, suite = split_file_name(file)
    if suite is None:
        yield ImportIssue(
            path=str(file),
            reason=f"file name does not end in -{' or -'.join(DOMAINS)}, so the samples have "
            "no suite and no bundled tool policy applies; rename the file or pass "
            "--tool-policy",
            sample_skipped=False,
        )
    for position, record in enumerate(records):
        try:
            yield from _read_record(file, sha256, position, record, model, suite)
        except ValidationError as exc:
            # A value of a type no check foresaw: report it rather than stop the run.
            where, reason = validation_issue(exc)
            yield _skip(file, reason, field=f"[{position}].{where}")


def split_file_name(file: Path) -> tuple[str, str | None]:
    """Model and domain from a name such as `gpt-4o-airline.json`; no domain when unknown."""
    model, _, domain = file.stem.rpartition("-")
    if model and domain in DOMAINS:
        return model, domain
    return file.stem, None


def _skip(
    file: Path, reason: str, field: str | None = None, sample_id: str | None = None
) -> ImportIssue:
    return ImportIssue(
        path=str(file), sample_id=sample_id, field=field, reason=reason, sample_skipped=True
    )


def _read_record(
    file: Path, sha256: str, position: int, record: Any, model: str, suite: str | None
) -> Iterator[ImportItem]:
    where = f"[{position}]"
    if not isinstance(record, dict):
        yield _skip(file, f"record is not an object ({type(record).__name__})", where)
        return
    missing = [key for key in REQUIRED_KEYS if key not in record]
    if missing:
        yield _skip(file, f"missing key(s) {missing}; is this a τ-bench trajectory?", where)
        return

    sample_id = f"taubench/{file.stem}/task-{record['task_id']}/trial-{record['trial']}"
    if not isinstance(record["traj"], list):
        yield _skip(file, "'traj' must be a list of messages", f"{where}.traj", sample_id)
        return

    problems: list[tuple[str, str]] = []
    messages = _messages(record["traj"], problems)
    if messages is None:
        field, reason = problems[-1]
        yield _skip(file, reason, f"{where}.traj.{field}", sample_id)
        return

    transcript = Transcript(
        sample_id=sample_id,
        messages=messages,
        metadata=_metadata(record, messages, model, suite, problems),
    )
    labels = _labels(record, problems)

    for field, reason in problems:
        yield ImportIssue(
            path=str(file),
            sample_id=sample_id,
            field=f"{where}.{field}",
            reason=reason,
            sample_skipped=False,
        )
    yield Sample(
        transcript=transcript, labels=labels, source=SourceRef(path=str(file), sha256=sha256)
    )


def _messages(raw: list[Any], problems: list[tuple[str, str]]) -> list[Message] | None:
    messages: list[Message] = []
    call_ids = CallIdRegistry()
    for index, item in enumerate(raw):
        message = chat_message(index, item, problems, call_ids)
        if message is None:
            return None
        messages.append(message)
    return messages


def _metadata(
    record: dict[str, Any],
    messages: list[Message],
    model: str,
    suite: str | None,
    problems: list[tuple[str, str]],
) -> SampleMetadata:
    system = next((m.content for m in messages if m.role is Role.SYSTEM and m.content), None)
    trial = record["trial"]
    if not isinstance(trial, int) or isinstance(trial, bool) or trial < 0:
        problems.append(("trial", f"'trial' must be a whole number from 0, got {trial!r}; read 0"))
        trial = 0
    info = _object(record.get("info"))
    task = _object(info.get("task"))
    return SampleMetadata(
        model=model,
        system_prompt_sha256=hashlib.sha256(system.encode()).hexdigest() if system else None,
        suite=suite,
        suite_version="tau-bench",
        task_id=str(record["task_id"]),
        epoch=trial,
        extra={"user_id": task.get("user_id"), "ended_by": info.get("source")},
    )


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _labels(record: dict[str, Any], problems: list[tuple[str, str]]) -> DatasetLabels:
    reward = record["reward"]
    if isinstance(reward, bool) or not isinstance(reward, int | float):
        problems.append(("reward", f"'reward' must be a number, got {reward!r}; no verdict"))
        reward = None
    return DatasetLabels(
        source="taubench",
        values={"reward": reward, "gold_actions": _gold_actions(record, problems)},
        task_completed=reward == 1 if reward is not None else None,
    )


def _gold_actions(record: dict[str, Any], problems: list[tuple[str, str]]) -> list[Any]:
    actions = _object(_object(record.get("info")).get("task")).get("actions")
    if not isinstance(actions, list):
        problems.append(("info.task.actions", "no ground-truth action list; none recorded"))
        return []
    return actions


register_importer(TauBenchImporter.name, TauBenchImporter)
