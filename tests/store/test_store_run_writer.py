"""Writing a run while it is scored, through EvidenceStore.open_run and RunWriter."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Connection

from ringfence.results import RunResult
from ringfence.store import EvidenceStore, _run_writer

from .builders import make_outcome, make_result, make_sample

CountRows = Callable[[], dict[str, int]]


def test_streamed_run_round_trip(store: EvidenceStore) -> None:
    samples = [make_sample(index) for index in range(5)]
    result = make_result(samples)

    with store.open_run(result.run_id, batch_size=2) as writer:
        assert writer.already_stored is False
        for sample in samples:
            writer.add_sample(sample, make_outcome(sample))
        assert writer.finish(result) is True

    assert store.load_result(result.run_id) == result
    assert list(store.iter_samples(result.run_id)) == samples


def test_sample_without_outcome_unscored(store: EvidenceStore) -> None:
    scored, unscored = make_sample(0), make_sample(1)
    result = make_result([scored])

    with store.open_run(result.run_id) as writer:
        writer.add_sample(scored, make_outcome(scored))
        writer.add_sample(unscored)
        writer.finish(result)

    assert store.outcomes_for(result.run_id) == result.outcomes
    assert len(list(store.iter_samples(result.run_id))) == 2


def test_stored_run_writer_writes_nothing(store: EvidenceStore, count_rows: CountRows) -> None:
    sample = make_sample(0)
    result = make_result([sample])
    store.save_run(result, [sample])
    before = count_rows()

    with store.open_run(result.run_id) as writer:
        assert writer.already_stored is True
        writer.add_sample(make_sample(1))
        assert writer.finish(result) is False

    assert count_rows() == before


def test_block_without_finish_rolls_back(store: EvidenceStore, count_rows: CountRows) -> None:
    sample = make_sample(0)

    with (
        pytest.raises(RuntimeError, match="without calling finish"),
        store.open_run("run-0001") as writer,
    ):
        writer.add_sample(sample, make_outcome(sample))

    assert count_rows()["runs"] == 0
    assert count_rows()["transcripts"] == 0


def test_finish_rejects_other_run(store: EvidenceStore, count_rows: CountRows) -> None:
    sample = make_sample(0)

    with pytest.raises(ValueError, match="run-other"), store.open_run("run-0001") as writer:
        writer.add_sample(sample)
        writer.finish(make_result([sample], run_id="run-other"))

    assert count_rows()["runs"] == 0


def test_add_after_finish_rejected(store: EvidenceStore) -> None:
    sample = make_sample(0)
    result = make_result([sample])

    with store.open_run(result.run_id) as writer:
        writer.add_sample(sample)
        writer.finish(result)
        with pytest.raises(RuntimeError, match="after finish"):
            writer.add_sample(make_sample(1))


def test_invalid_batch_size_rejected(store: EvidenceStore) -> None:
    with pytest.raises(ValueError, match="batch_size"), store.open_run("run-0001", batch_size=0):
        pass


def test_second_finish_writes_nothing(
    store_url: str, count_rows: CountRows, caplog: pytest.LogCaptureFixture
) -> None:
    # Both writers open the run before either stores it, as two processes scoring the same
    # input do. The first finish stores the run; the second finds it and writes nothing.
    sample = make_sample(0)
    result = make_result([sample])
    caplog.set_level(logging.INFO, logger="ringfence.store")

    with (
        EvidenceStore.open(store_url) as first,
        EvidenceStore.open(store_url) as second,
        first.open_run(result.run_id) as writer,
        second.open_run(result.run_id) as other,
    ):
        writer.add_sample(sample, make_outcome(sample))
        other.add_sample(sample, make_outcome(sample))
        assert writer.finish(result) is True
        assert other.finish(result) is False
        assert other.already_stored is True

    assert "stored by another writer" in caplog.text
    assert count_rows()["runs"] == 1
    assert count_rows()["samples"] == 1
    assert count_rows()["transcripts"] == 1


def test_finish_waits_for_other_finish(
    store_url: str, count_rows: CountRows, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first finish pauses inside its transaction, after inserting the run. The second
    # finish waits for it (the SQLite write lock, or the run's key on PostgreSQL), then
    # finds the run stored.
    sample = make_sample(0)
    result = make_result([sample])
    inside, release = threading.Event(), threading.Event()
    write_records = _run_writer._write_run_records

    def pause_first(conn: Connection, run: RunResult, stored_at: str) -> None:
        write_records(conn, run, stored_at)
        if not inside.is_set():
            inside.set()
            release.wait(timeout=20)

    monkeypatch.setattr(_run_writer, "_write_run_records", pause_first)
    with (
        EvidenceStore.open(store_url) as first,
        EvidenceStore.open(store_url) as second,
        first.open_run(result.run_id) as writer,
        second.open_run(result.run_id) as other,
    ):
        writer.add_sample(sample, make_outcome(sample))
        other.add_sample(sample, make_outcome(sample))
        finished: list[bool] = []
        thread = threading.Thread(target=lambda: finished.append(writer.finish(result)))
        thread.start()
        assert inside.wait(timeout=20)
        waiting = threading.Timer(0.3, release.set)
        waiting.start()
        started = time.monotonic()
        assert other.finish(result) is False
        waited = time.monotonic() - started
        thread.join(timeout=20)
        waiting.join()

    assert finished == [True]
    assert waited >= 0.2
    assert count_rows()["runs"] == 1
    assert count_rows()["samples"] == 1
