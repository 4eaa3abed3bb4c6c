"""TauBenchImporter on hand-built trajectory files: transcripts, labels and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ringfence.importers import get_importer
from ringfence.transcript import Provenance, Role

from .builders import read_all

CANCEL = {"name": "cancel_reservation", "kwargs": {"reservation_id": "ABC123"}}


def trajectory(
    task_id: int = 3, trial: int = 1, reward: float = 1.0, **changes: Any
) -> dict[str, Any]:
    """A trajectory in which the agent cancels the reservation the user names."""
    record: dict[str, Any] = {
        "task_id": task_id,
        "trial": trial,
        "reward": reward,
        "info": {
            "task": {"user_id": "ana_1", "actions": [CANCEL], "instruction": "Cancel it."},
            "source": "user",
        },
        "traj": [
            {"role": "system", "content": "# Airline Agent Policy"},
            {"role": "user", "content": "Please cancel reservation ABC123."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {
                            "name": "cancel_reservation",
                            "arguments": '{"reservation_id": "ABC123"}',
                        },
                    }
                ],
            },
            {
                "role": "tool",
                "tool_call_id": "call_1",
                "name": "cancel_reservation",
                "content": '{"status": "cancelled"}',
            },
            {"role": "assistant", "content": "It is cancelled."},
        ],
    }
    record.update(changes)
    return record


def write_file(tmp_path: Path, records: object, name: str = "gpt-4o-airline.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(records))
    return path


def test_trajectory_becomes_sample(tmp_path: Path) -> None:
    path = write_file(tmp_path, [trajectory()])

    imported = read_all(get_importer("taubench"), path)

    assert imported.issues == []
    sample = imported.samples[0]
    transcript = sample.transcript
    assert transcript.sample_id == "taubench/gpt-4o-airline/task-3/trial-1"
    assert [m.role for m in transcript.messages] == [
        Role.SYSTEM,
        Role.USER,
        Role.ASSISTANT,
        Role.TOOL,
        Role.ASSISTANT,
    ]
    assert transcript.messages[1].provenance is Provenance.USER
    assert transcript.messages[3].tool_call_id == "call_1"
    meta = transcript.metadata
    assert (meta.model, meta.suite, meta.task_id, meta.epoch) == ("gpt-4o", "airline", "3", 1)
    assert meta.system_prompt_sha256 is not None
    assert sample.labels is not None
    assert sample.labels.source == "taubench"
    assert sample.labels.values == {"reward": 1.0, "gold_actions": [CANCEL]}
    assert sample.labels.task_completed is True
    assert sample.labels.attack_succeeded is None


def test_failed_trial_label(tmp_path: Path) -> None:
    path = write_file(tmp_path, [trajectory(reward=0.0)])

    sample = read_all(get_importer("taubench"), path).samples[0]

    assert sample.labels is not None
    assert sample.labels.task_completed is False


def test_truncated_file(tmp_path: Path) -> None:
    path = write_file(tmp_path, [trajectory(), trajectory(trial=2)])
    path.write_bytes(path.read_bytes()[:-100])

    imported = read_all(get_importer("taubench"), path)

    assert imported.samples == []
    assert len(imported.files) == 1
    assert len(imported.issues) == 1
    assert imported.issues[0].sample_skipped is True
    assert "invalid or truncated JSON" in imported.issues[0].reason


def test_bad_records_skipped_alone(tmp_path: Path) -> None:
    missing_traj = trajectory(trial=1)
    del missing_traj["traj"]
    bad_role = trajectory(trial=2)
    bad_role["traj"][1]["role"] = "customer"
    records = [trajectory(trial=0), 42, missing_traj, bad_role, trajectory(trial=3)]
    path = write_file(tmp_path, records)

    imported = read_all(get_importer("taubench"), path)

    assert [s.transcript.metadata.epoch for s in imported.samples] == [0, 3]
    assert [(i.field, i.sample_skipped) for i in imported.issues] == [
        ("[1]", True),
        ("[2]", True),
        ("[3].traj.messages[1].role", True),
    ]
    assert "missing key(s) ['traj']" in imported.issues[1].reason


def test_bad_values_reported(tmp_path: Path) -> None:
    record = trajectory(trial="first", reward="yes")
    record["info"] = None
    path = write_file(tmp_path, [record])

    imported = read_all(get_importer("taubench"), path)

    sample = imported.samples[0]
    assert sample.transcript.metadata.epoch == 0
    assert sample.labels is not None
    assert sample.labels.task_completed is None
    assert sample.labels.values["gold_actions"] == []
    assert [i.field for i in imported.issues] == [
        "[0].trial",
        "[0].reward",
        "[0].info.task.actions",
    ]
    assert all(issue.sample_skipped is False for issue in imported.issues)


def test_unknown_domain_in_file_name(tmp_path: Path) -> None:
    path = write_file(tmp_path, [trajectory()], name="my-run.json")

    imported = read_all(get_importer("taubench"), path)

    assert imported.samples[0].transcript.metadata.suite is None
    assert imported.samples[0].transcript.metadata.model == "my-run"
    assert len(imported.issues) == 1
    assert "no suite" in imported.issues[0].reason
