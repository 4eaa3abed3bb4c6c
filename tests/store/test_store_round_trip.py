"""Saving a run and reading every part of it back."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine, text

from ringfence.results import SampleOutcome
from ringfence.store import EvidenceStore, StoredRun, segment_key

from .builders import INPUT_PATH, make_decision, make_outcome, make_result, make_sample


def test_run_round_trip(store: EvidenceStore) -> None:
    samples = [make_sample(index, attacked=index % 2 == 0) for index in range(5)]
    result = make_result(samples, decision=make_decision())

    assert store.save_run(result, iter(samples)) is True

    assert store.load_result(result.run_id) == result
    assert list(store.iter_samples(result.run_id)) == samples


def test_run_summary(store: EvidenceStore) -> None:
    samples = [make_sample(index) for index in range(3)]
    result = make_result(samples)
    store.save_run(result, samples)

    stored = store.get_run(result.run_id)

    assert isinstance(stored, StoredRun)
    assert stored.run_id == result.run_id
    assert stored.settings == result.settings
    assert stored.inputs == result.inputs
    assert stored.sample_count == 3
    assert stored.finding_count == 3
    assert stored.metric_count == 3
    assert stored.import_issue_count == 1
    assert store.list_runs() == [stored]


def test_missing_run_is_none(store: EvidenceStore) -> None:
    assert store.get_run("no-such-run") is None
    assert store.list_runs() == []
    assert store.findings_for("no-such-run") == []


def test_findings_for_one_sample(store: EvidenceStore) -> None:
    samples = [make_sample(index) for index in range(3)]
    result = make_result(samples)
    store.save_run(result, samples)
    wanted = samples[1].transcript.sample_id

    findings = store.findings_for(result.run_id, wanted)

    assert [finding.sample_id for finding in findings] == [wanted]
    assert findings[0] == result.findings[1]
    assert findings[0].evidence[0].in_injected_instruction is True
    assert store.findings_for(result.run_id) == result.findings


def test_metrics_keep_segments_and_no_data(store: EvidenceStore) -> None:
    samples = [make_sample(index) for index in range(2)]
    result = make_result(samples)
    store.save_run(result, samples)

    metrics = store.metrics_for(result.run_id)

    assert metrics == result.metrics
    no_data = metrics[2]
    assert no_data.estimate is None
    assert no_data.ci_low is None
    assert no_data.status == "no_data"


def test_segment_key_is_canonical() -> None:
    assert segment_key({}) == "{}"
    assert segment_key({"model": "m", "attack": "a"}) == segment_key({"attack": "a", "model": "m"})
    assert segment_key({"model": "a=b, c"}) != segment_key({"model": "a", "c": "b"})


def test_transcript_loads_by_hash(store: EvidenceStore) -> None:
    sample = make_sample(0)
    store.save_run(make_result([sample]), [sample])

    transcript = store.load_transcript(sample.transcript.content_sha256())

    assert transcript == sample.transcript


def test_labels_stay_apart_from_findings(store: EvidenceStore) -> None:
    sample = make_sample(0)
    store.save_run(make_result([sample]), [sample])

    loaded = next(store.iter_samples("run-0001"))
    outcome = store.outcomes_for("run-0001")[0]

    assert loaded.labels == sample.labels
    assert outcome.label_attack_succeeded is True
    assert outcome.attack_succeeded is True
    assert "labels" not in store.findings_for("run-0001")[0].model_dump()


def test_unscored_sample_has_no_outcome(store: EvidenceStore) -> None:
    scored = make_sample(0)
    unscored = make_sample(1, model="llama-3")
    result = make_result([scored])

    store.save_run(result, [scored, unscored])

    assert [sample.transcript.sample_id for sample in store.iter_samples(result.run_id)] == [
        scored.transcript.sample_id,
        unscored.transcript.sample_id,
    ]
    assert store.outcomes_for(result.run_id) == result.outcomes
    stored = store.get_run(result.run_id)
    assert stored is not None
    assert stored.sample_count == 2


def test_outcome_without_sample_is_kept(store: EvidenceStore) -> None:
    sample = make_sample(0)
    orphan = make_outcome(make_sample(7)).model_copy(update={"error": "target timed out"})
    result = make_result([sample], extra_outcomes=[orphan])

    store.save_run(result, [sample])

    outcomes = store.outcomes_for(result.run_id)
    assert outcomes[-1] == orphan
    assert len(list(store.iter_samples(result.run_id))) == 1


def test_outcome_values_win_over_metadata(store: EvidenceStore) -> None:
    sample = make_sample(0)
    outcome = make_outcome(sample).model_copy(update={"model": "pipeline-a", "suite": None})
    result = make_result([sample]).model_copy(update={"outcomes": [outcome]})

    store.save_run(result, [sample])

    loaded: SampleOutcome = store.outcomes_for(result.run_id)[0]
    assert loaded.model == "pipeline-a"
    assert loaded.suite is None
    assert loaded.source_path == INPUT_PATH


def test_store_reopens_with_data(store_url: str) -> None:
    sample = make_sample(0)
    result = make_result([sample])
    with EvidenceStore.open(store_url) as first:
        first.save_run(result, [sample])

    with EvidenceStore.open(store_url) as second:
        assert second.load_result(result.run_id) == result


def test_in_memory_store_round_trip() -> None:
    sample = make_sample(0)
    result = make_result([sample])

    with EvidenceStore.open(":memory:") as store:
        assert store.save_run(result, [sample]) is True
        assert store.load_result(result.run_id) == result


def test_sqlite_url_is_accepted(store_path: Path) -> None:
    sample = make_sample(0)
    url = f"sqlite:///{store_path}"

    with EvidenceStore.open(url) as store:
        store.save_run(make_result([sample]), [sample])

    with closing(sqlite3.connect(store_path)) as connection:
        assert connection.execute("SELECT COUNT(*) FROM samples").fetchone()[0] == 1


def test_long_identifiers_round_trip(store: EvidenceStore) -> None:
    # Ids from input data are String without a length, so PostgreSQL stores any length.
    sample = make_sample(0)
    long_id = "banking/" + "x" * 5000
    sample.transcript.sample_id = long_id
    result = make_result([sample], run_id="run-" + "r" * 300)

    assert store.save_run(result, [sample]) is True

    assert store.load_result(result.run_id) == result
    assert next(store.iter_samples(result.run_id)).transcript.sample_id == long_id


def test_null_json_is_sql_null(store: EvidenceStore, raw_engine: Engine) -> None:
    # JSON columns store None as SQL NULL, not as the JSON text 'null', on every backend.
    sample = make_sample(0)
    result = make_result([sample])
    assert result.target is None
    store.save_run(result, [sample])

    with raw_engine.connect() as conn:
        query = text("SELECT COUNT(*) FROM runs WHERE target IS NULL")
        assert conn.execute(query).scalar_one() == 1
