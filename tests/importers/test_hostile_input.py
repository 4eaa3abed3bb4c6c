"""Hostile or broken inputs that must become import issues, never a crash."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ringfence.importers import AgentDojoImporter, JsonlImporter

from .builders import agentdojo_run, encode, jsonl_record, read_all


def _line_with_arguments(arguments: str) -> bytes:
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "lookup_order", "arguments": arguments},
    }
    record = jsonl_record("hostile", {"role": "assistant", "content": None, "tool_calls": [call]})
    return encode(record)


@pytest.mark.parametrize(
    "arguments",
    ['{"n": ' + "9" * 5000 + "}", "[" * 50_000 + "]" * 50_000, '{"to": NaN}'],
    ids=["huge-integer", "deep-nesting", "nan"],
)
def test_hostile_arguments_reported(tmp_path: Path, arguments: str) -> None:
    path = tmp_path / "runs.jsonl"
    path.write_bytes(_line_with_arguments(arguments) + b"\n")

    imported = read_all(JsonlImporter(), path)

    (sample,) = imported.samples
    call = sample.transcript.tool_calls()[0][1]
    assert call.arguments is None
    assert call.parse_error


def test_deep_agentdojo_args_kept_as_error(tmp_path: Path) -> None:
    run = agentdojo_run()
    deep: dict[str, object] = {}
    node = deep
    for _ in range(900):
        child: dict[str, object] = {}
        node["x"] = child
        node = child
    run["messages"][2]["tool_calls"][0]["args"] = deep
    path = tmp_path / "run.json"
    path.write_bytes(json.dumps(run).encode())

    imported = read_all(AgentDojoImporter(), path)

    (sample,) = imported.samples
    call = sample.transcript.tool_calls()[0][1]
    assert call.arguments is None
    assert call.parse_error is not None
    assert "cannot be encoded as JSON" in call.parse_error


def test_dangling_symlink_reported(tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "good.jsonl").write_bytes(encode(jsonl_record("good")) + b"\n")
    os.symlink(tmp_path / "missing.jsonl", folder / "gone.jsonl")

    imported = read_all(JsonlImporter(), folder)

    assert imported.sample_ids == ["good"]
    (issue,) = imported.issues
    assert issue.path.endswith("gone.jsonl")
    assert "cannot read file" in issue.reason
    assert issue.sample_skipped is True


def test_symlinked_folder_followed_once(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.jsonl").write_bytes(encode(jsonl_record("a")) + b"\n")
    top = tmp_path / "in"
    top.mkdir()
    os.symlink(real, top / "linked")
    os.symlink(top, top / "loop")

    imported = read_all(JsonlImporter(), top)

    assert imported.sample_ids == ["a"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read folders without permission bits")
def test_unreadable_folder_reported(tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    (folder / "locked").mkdir(parents=True)
    (folder / "good.jsonl").write_bytes(encode(jsonl_record("good")) + b"\n")
    (folder / "locked").chmod(0)
    try:
        imported = read_all(JsonlImporter(), folder)
    finally:
        (folder / "locked").chmod(0o755)

    assert imported.sample_ids == ["good"]
    (issue,) = imported.issues
    assert "cannot read folder" in issue.reason
    assert issue.sample_skipped is True


def test_injection_without_text_skips_sample(tmp_path: Path) -> None:
    record = jsonl_record("bad")
    record["injections"] = [{"placeholder": "note"}]
    path = tmp_path / "runs.jsonl"
    path.write_bytes(encode(record) + b"\n")

    imported = read_all(JsonlImporter(), path)

    assert imported.samples == []
    (issue,) = imported.issues
    assert issue.field == "injections[0]"
    assert issue.sample_skipped is True


def test_message_timestamps_read(tmp_path: Path) -> None:
    record = jsonl_record("timed")
    record["messages"][0]["timestamp"] = 1700000000
    record["messages"][1]["timestamp"] = "2023-11-14T22:13:25Z"
    path = tmp_path / "runs.jsonl"
    path.write_bytes(encode(record) + b"\n")

    imported = read_all(JsonlImporter(), path)

    messages = imported.samples[0].transcript.messages
    assert messages[0].timestamp == 1700000000.0
    assert messages[1].timestamp == 1700000005.0
    assert imported.issues == []


def test_bad_timestamp_reported(tmp_path: Path) -> None:
    record = jsonl_record("timed")
    record["messages"][0]["timestamp"] = "yesterday"
    path = tmp_path / "runs.jsonl"
    path.write_bytes(encode(record) + b"\n")

    imported = read_all(JsonlImporter(), path)

    (issue,) = imported.issues
    assert issue.field == "messages[0].timestamp"
    assert issue.sample_skipped is False
    assert imported.samples[0].transcript.messages[0].timestamp is None
