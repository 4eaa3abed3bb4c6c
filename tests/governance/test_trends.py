"""Metric trends over stored runs: order, filters, rings and the indexes the query uses."""

from __future__ import annotations

from ringfence.gate.decision import Verdict
from ringfence.governance.trends import TrendQuery, query_trend, trend_statement
from ringfence.store import EvidenceStore

from .release_builders import decision, save_run

METRIC = "unauthorized_action_rate"
SEGMENT = {"model": "gpt-4o", "attack": "important_instructions"}


def _history(store: EvidenceStore) -> None:
    """Store four runs: three versions of support-agent and one of another target."""
    for number, samples in ((1, 2), (2, 4), (3, 6)):
        save_run(store, f"run-{number}", version=f"{number}.0.0", sample_count=samples)
    save_run(store, "run-other", target_name="billing-agent", suite_version="suite-2")
    assert store.save_decision("run-2", decision("staging", Verdict.GREEN))
    assert store.save_decision("run-2", decision("canary", Verdict.RED))
    assert store.save_decision("run-3", decision("staging", Verdict.RED))


def test_overall_values_oldest_first(store: EvidenceStore) -> None:
    _history(store)

    points = query_trend(store, TrendQuery(metric=METRIC, target_name="support-agent"))

    assert [p.run_id for p in points] == ["run-1", "run-2", "run-3"]
    assert [p.target_version for p in points] == ["1.0.0", "2.0.0", "3.0.0"]
    assert [p.rings for p in points] == [[], ["canary", "staging"], ["staging"]]
    assert [(p.numerator, p.denominator) for p in points] == [(2, 4), (4, 8), (6, 12)]
    assert all(p.segment == {} for p in points)
    assert points[0].estimate == 0.5
    assert points[0].ci_low is not None
    assert points[0].ci_low < 0.5
    assert points[0].sample_count == 2
    assert points[0].suite_version == "suite-1"


def test_every_metric_without_filter(store: EvidenceStore) -> None:
    _history(store)

    points = query_trend(store, TrendQuery())

    assert {p.metric for p in points} == {METRIC}
    assert [p.run_id for p in points] == ["run-1", "run-2", "run-3", "run-other"]


def test_last_keeps_latest_runs(store: EvidenceStore) -> None:
    _history(store)

    points = query_trend(store, TrendQuery(metric=METRIC, target_name="support-agent", last=2))

    assert [p.run_id for p in points] == ["run-2", "run-3"]


def test_ring_and_suite_filters(store: EvidenceStore) -> None:
    _history(store)

    staging = query_trend(store, TrendQuery(metric=METRIC, ring="staging"))
    suite_2 = query_trend(store, TrendQuery(metric=METRIC, suite_version="suite-2"))

    assert [p.run_id for p in staging] == ["run-2", "run-3"]
    assert [p.run_id for p in suite_2] == ["run-other"]
    assert suite_2[0].target_name == "billing-agent"


def test_exact_segment(store: EvidenceStore) -> None:
    _history(store)

    points = query_trend(store, TrendQuery(metric=METRIC, segment=SEGMENT, last=None))
    partial = query_trend(store, TrendQuery(metric=METRIC, segment={"model": "gpt-4o"}))

    assert len(points) == 4
    assert all(p.segment == SEGMENT for p in points)
    assert all((p.numerator, p.denominator) == (1, 3) for p in points)
    assert partial == []


def test_no_data_value_stays_no_data(store: EvidenceStore) -> None:
    _history(store)

    query = TrendQuery(metric="prompt_resistance_rate", segment={"environment": "staging"})
    points = query_trend(store, query)

    assert len(points) == 4
    assert all(p.status == "no_data" for p in points)
    assert all(p.estimate is None and p.ci_low is None for p in points)


def test_unknown_metric_is_empty(store: EvidenceStore) -> None:
    _history(store)

    assert query_trend(store, TrendQuery(metric="no_such_metric")) == []


def test_sqlite_plan_uses_indexes(sqlite_store: EvidenceStore) -> None:
    _history(sqlite_store)
    statement = trend_statement(
        TrendQuery(metric=METRIC, target_name="support-agent", suite_version="suite-1")
    )

    with sqlite_store.reading("test") as conn:
        compiled = statement.compile(dialect=conn.dialect)
        params = tuple(compiled.params[name] for name in compiled.positiontup or [])
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)
        plan = " ".join(str(row[-1]) for row in rows)

    assert "ix_runs_target" in plan
    assert "ix_metric_values_metric" in plan
    assert "SCAN metric_values" not in plan
