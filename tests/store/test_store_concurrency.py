"""Several processes scoring into one new store at once, with the real pipeline.

Writers start together behind a barrier, open the store (racing to create it), score their
input and store the run with its gate decision. Some writers share an input, and two inputs
share transcripts. Afterwards the store must hold exactly the rows that scoring each input once,
in one process, leaves in a store of its own.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from ringfence.store import EvidenceStore, read_entries, verify_chain
from ringfence.store._connect import resolve_url

from ._writers import (
    ScoringFiles,
    WriterReport,
    score_here,
    score_in_process,
    write_input,
    write_scoring_files,
)

# Seconds for all writers together. They take about 2-5 s on 2 cores (mostly interpreter
# start-up), so reaching this limit means a writer hangs.
WRITERS_TIMEOUT_S = 120

# Sample numbers of each input. The 'overlap' input repeats the 'small' input's transcripts.
INPUT_NUMBERS = {
    "small.jsonl": list(range(0, 6)),
    "medium.jsonl": list(range(100, 108)),
    "overlap.jsonl": [*range(0, 6), *range(200, 205)],
    "large.jsonl": list(range(300, 311)),
}


@pytest.fixture
def scoring_files(tmp_path: Path) -> ScoringFiles:
    return write_scoring_files(tmp_path)


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "inputs"
    folder.mkdir()
    return {name: write_input(folder / name, numbers) for name, numbers in INPUT_NUMBERS.items()}


def test_postgres_writers_store_once(
    postgres_url: str, inputs: dict[str, Path], scoring_files: ScoringFiles, tmp_path: Path
) -> None:
    # Eight writers, two per input.
    assigned = [inputs[name] for name in INPUT_NUMBERS for _ in range(2)]

    reports = _run_writers(postgres_url, assigned, scoring_files)

    _check_store(postgres_url, reports, inputs, scoring_files, tmp_path)


def test_sqlite_writers_store_once(
    store_path: Path, inputs: dict[str, Path], scoring_files: ScoringFiles, tmp_path: Path
) -> None:
    # Four writers on one SQLite file: two on the same input, one on an input that shares
    # its transcripts, one on an input of its own.
    names = ["small.jsonl", "small.jsonl", "overlap.jsonl", "medium.jsonl"]
    assigned = [inputs[name] for name in names]

    reports = _run_writers(str(store_path), assigned, scoring_files)

    _check_store(str(store_path), reports, inputs, scoring_files, tmp_path)


def _run_writers(store_url: str, assigned: list[Path], files: ScoringFiles) -> list[WriterReport]:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(assigned))
    reports = context.Queue()
    processes = [
        context.Process(
            target=score_in_process,
            args=(worker, store_url, input_path, files, start, reports),
        )
        for worker, input_path in enumerate(assigned)
    ]
    for process in processes:
        process.start()
    try:
        # Reading the queue before joining keeps a child from blocking on a full pipe.
        received = [reports.get(timeout=WRITERS_TIMEOUT_S) for _ in processes]
        for process in processes:
            process.join(timeout=WRITERS_TIMEOUT_S)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()

    failures = [report.error for report in received if report.error is not None]
    assert failures == []
    assert [process.exitcode for process in processes] == [0] * len(processes)
    return sorted(received, key=lambda report: report.worker)


def _check_store(
    store_url: str,
    reports: list[WriterReport],
    inputs: dict[str, Path],
    files: ScoringFiles,
    tmp_path: Path,
) -> None:
    expected_runs = _expected_runs(reports)
    assert len(set(expected_runs.values())) == len(expected_runs)

    with EvidenceStore.open(store_url) as store:
        stored = {run.run_id: run.sample_count for run in store.list_runs()}
        with store.reading("Reading the audit log") as conn:
            entries = read_entries(conn)

    assert stored == {expected_runs[name]: len(INPUT_NUMBERS[name]) for name in expected_runs}
    assert verify_chain(entries) is None
    # Writers that gated a run already gated add a 'decision_repeated' entry, not a decision.
    decided = [entry for entry in entries if entry.kind == "decision"]
    assert [entry.seq for entry in entries] == list(range(1, len(entries) + 1))
    assert sorted(entry.subject for entry in decided) == sorted(expected_runs.values())

    counts = _count_rows(store_url)
    distinct_numbers = set().union(*(INPUT_NUMBERS[name] for name in expected_runs))
    assert counts["transcripts"] == len(distinct_numbers)

    reference = tmp_path / "reference.db"
    for name in expected_runs:
        score_here(str(reference), inputs[name], files)
    reference_counts = _count_rows(str(reference))
    # Repeated decisions add audit entries only; every other table must match exactly.
    repeats = len(entries) - len(decided)
    assert counts.pop("audit_log") == reference_counts.pop("audit_log") + repeats
    assert counts == reference_counts


def _expected_runs(reports: list[WriterReport]) -> dict[str, str]:
    """Check each writer's report; return the run id of each input that was scored."""
    run_ids: dict[str, str] = {}
    for report in reports:
        assert report.sample_count == len(INPUT_NUMBERS[report.input_name])
        assert report.run_id is not None
        assert run_ids.setdefault(report.input_name, report.run_id) == report.run_id
    return run_ids


def _count_rows(store_url: str) -> dict[str, int]:
    engine = create_engine(resolve_url(store_url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            names = inspect(conn).get_table_names()
            return {
                name: conn.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar_one()
                for name in names
            }
    finally:
        engine.dispose()
