"""Saving the same run or decision twice, and transcripts shared between runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ringfence.errors import StoreError
from ringfence.store import EvidenceStore
from ringfence.transcript import Sample

from .builders import make_decision, make_result, make_sample

CountRows = Callable[[], dict[str, int]]


def test_same_run_twice_stores_once(store: EvidenceStore, count_rows: CountRows) -> None:
    samples = [make_sample(index) for index in range(4)]
    result = make_result(samples, decision=make_decision())

    assert store.save_run(result, samples) is True
    after_first = count_rows()
    assert store.save_run(result, samples) is False

    assert count_rows() == after_first
    assert after_first == {
        "runs": 1,
        "input_files": 1,
        "samples": 4,
        "transcripts": 4,
        "findings": 4,
        "metric_values": 3,
        "import_issues": 1,
        "decisions": 1,
    }


def test_second_save_leaves_samples_unread(store: EvidenceStore) -> None:
    samples = [make_sample(0)]
    result = make_result(samples)
    store.save_run(result, samples)
    pulled: list[int] = []

    def stream() -> Iterator[Sample]:
        pulled.append(1)
        yield from samples

    assert store.save_run(result, stream()) is False
    assert pulled == []


def test_shared_transcripts_stored_once(store: EvidenceStore, count_rows: CountRows) -> None:
    samples = [make_sample(index) for index in range(3)]

    store.save_run(make_result(samples, run_id="run-a"), samples)
    store.save_run(make_result(samples, run_id="run-b"), samples)

    counts = count_rows()
    assert counts["runs"] == 2
    assert counts["samples"] == 6
    assert counts["transcripts"] == 3


def test_decision_twice_stores_once(store: EvidenceStore, count_rows: CountRows) -> None:
    sample = make_sample(0)
    store.save_run(make_result([sample]), [sample])
    decision = make_decision()

    assert store.save_decision("run-0001", decision) is True
    assert store.save_decision("run-0001", decision) is False

    assert count_rows()["decisions"] == 1
    assert store.decisions_for("run-0001") == [decision]


def test_decision_per_gate_policy(store: EvidenceStore) -> None:
    sample = make_sample(0)
    inside = make_decision("1" * 64)
    store.save_run(make_result([sample], decision=inside), [sample])
    later = make_decision("2" * 64)

    assert store.save_decision("run-0001", inside) is False
    assert store.save_decision("run-0001", later) is True

    assert store.decisions_for("run-0001") == [inside, later]
    assert store.load_result("run-0001").decision == inside


def test_decision_for_unknown_run(store: EvidenceStore, count_rows: CountRows) -> None:
    with pytest.raises(StoreError, match="Run no-such-run is not in the evidence store"):
        store.save_decision("no-such-run", make_decision())

    assert count_rows()["decisions"] == 0


def test_duplicate_sample_id_rejected(store: EvidenceStore, count_rows: CountRows) -> None:
    sample = make_sample(0)
    result = make_result([sample])

    with pytest.raises(StoreError, match="contains sample '.*user_task_0.*' more than once"):
        store.save_run(result, [sample, sample])

    assert count_rows()["runs"] == 0


def test_duplicate_outcome_rejected(store: EvidenceStore) -> None:
    sample = make_sample(0)
    result = make_result([sample])
    result = result.model_copy(update={"outcomes": result.outcomes * 2})

    with pytest.raises(StoreError, match="two outcomes for sample"):
        store.save_run(result, [sample])

    assert store.get_run(result.run_id) is None
