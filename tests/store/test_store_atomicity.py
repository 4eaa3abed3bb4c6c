"""A failure in the middle of save_run leaves no partial run, and samples stream in batches.

Transcripts of full batches are committed while the run is scored, so a crash keeps them for the
rerun, but every row that belongs to the run is written in one transaction at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pytest
from sqlalchemy import Connection

from ringfence.detectors.findings import Finding
from ringfence.store import EvidenceStore, _rows, _run_writer
from ringfence.store._transcripts import CanonicalTranscript
from ringfence.transcript import Sample

from .builders import make_result, make_sample

CountRows = Callable[[], dict[str, int]]
EMPTY = {
    "runs": 0,
    "input_files": 0,
    "samples": 0,
    "transcripts": 0,
    "findings": 0,
    "metric_values": 0,
    "import_issues": 0,
    "decisions": 0,
}


def test_crash_after_samples_rolls_back(
    store: EvidenceStore, count_rows: CountRows, monkeypatch: pytest.MonkeyPatch
) -> None:
    samples = [make_sample(index) for index in range(10)]
    result = make_result(samples)

    def crash(run_id: str, findings: list[Finding]) -> list[_rows.Row]:
        raise RuntimeError("simulated crash while writing findings")

    monkeypatch.setattr(_rows, "finding_rows", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        store.save_run(result, samples, batch_size=3)

    # Three full batches of three were committed; the tenth transcript went with the run.
    assert count_rows() == {**EMPTY, "transcripts": 9}
    assert store.get_run(result.run_id) is None


def test_retry_after_crash_succeeds(
    store: EvidenceStore, count_rows: CountRows, monkeypatch: pytest.MonkeyPatch
) -> None:
    samples = [make_sample(index) for index in range(4)]
    result = make_result(samples)
    with monkeypatch.context() as patch:
        patch.setattr(_rows, "metric_rows", _raise_runtime_error)
        with pytest.raises(RuntimeError):
            store.save_run(result, samples, batch_size=2)

    assert store.save_run(result, samples, batch_size=2) is True
    assert count_rows()["samples"] == 4
    assert count_rows()["transcripts"] == 4
    assert store.load_result(result.run_id) == result


def test_failing_sample_stream_rolls_back(store: EvidenceStore, count_rows: CountRows) -> None:
    samples = [make_sample(index) for index in range(6)]

    def stream() -> Iterator[Sample]:
        yield from samples[:5]
        raise ValueError("input file truncated")

    with pytest.raises(ValueError, match="input file truncated"):
        store.save_run(make_result(samples), stream(), batch_size=2)

    assert count_rows() == {**EMPTY, "transcripts": 4}


def test_small_run_is_one_transaction(store: EvidenceStore, count_rows: CountRows) -> None:
    samples = [make_sample(index) for index in range(3)]

    def stream() -> Iterator[Sample]:
        yield from samples
        raise ValueError("input file truncated")

    with pytest.raises(ValueError, match="input file truncated"):
        store.save_run(make_result(samples), stream(), batch_size=10)

    assert count_rows() == EMPTY


def test_transcripts_written_per_batch(
    store: EvidenceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    samples = [make_sample(index) for index in range(10)]
    pulled = 0
    pulled_at_insert: list[int] = []
    insert_transcripts = _run_writer.insert_new_transcripts

    def stream() -> Iterator[Sample]:
        nonlocal pulled
        for sample in samples:
            pulled += 1
            yield sample

    def record(conn: Connection, batch: Sequence[CanonicalTranscript], compress_level: int) -> int:
        pulled_at_insert.append(pulled)
        return insert_transcripts(conn, batch, compress_level)

    monkeypatch.setattr(_run_writer, "insert_new_transcripts", record)
    store.save_run(make_result(samples), stream(), batch_size=3)

    # Three inserts of three transcripts each, written before the next sample was read, then
    # the last transcript when the stream ends.
    assert pulled_at_insert == [3, 6, 9, 10]


def _raise_runtime_error(*args: object) -> list[_rows.Row]:
    raise RuntimeError("simulated crash while writing metric values")
