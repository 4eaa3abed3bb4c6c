"""Stored decisions are keyed by run, gate policy and inputs (baseline and exceptions used)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from ringfence.gate import Decision, evaluate_gate
from ringfence.governance import BaselineRun, GateException
from ringfence.metrics.values import MetricValue
from ringfence.store import EvidenceStore, read_entries

from .gate_builders import NOW, gate_exception, policy, rate, run_result

SAMPLE_RATE = "unauthorized_action_sample_rate"


@pytest.fixture(autouse=True)
def _stored_run(store: EvidenceStore) -> None:
    store.save_run(run_result("run-1", [_red()]), [])


def _red() -> MetricValue:
    return rate(SAMPLE_RATE, 8, 100, sample_ids=[f"s{i}" for i in range(8)])


def _decide(
    *, baseline: BaselineRun | None = None, exceptions: Sequence[GateException] = ()
) -> Decision:
    gate_policy = policy(regression_budget=0.5)
    return evaluate_gate(
        gate_policy, [_red()], 0, baseline=baseline, exceptions=exceptions, now=NOW
    )


def test_identical_decision_stored_once(store: EvidenceStore) -> None:
    assert store.save_decision("run-1", _decide())
    assert not store.save_decision("run-1", _decide())
    assert len(store.decisions_for("run-1")) == 1


def test_other_inputs_stored_beside(store: EvidenceStore) -> None:
    plain = _decide()
    baseline = BaselineRun(run_id="run-0", chosen_by="given", metrics=[rate(SAMPLE_RATE, 7, 100)])
    compared = _decide(baseline=baseline)
    waived = _decide(exceptions=[gate_exception(3, metric=SAMPLE_RATE)])

    assert [store.save_decision("run-1", d) for d in (plain, compared, waived)] == [True] * 3
    assert store.decisions_for("run-1") == [plain, compared, waived]
    assert len({d.inputs_sha256() for d in (plain, compared, waived)}) == 3


def test_audit_entry_names_inputs(store: EvidenceStore) -> None:
    waived = _decide(exceptions=[gate_exception(3, metric=SAMPLE_RATE)])
    store.save_decision("run-1", waived)
    with store.reading("test") as conn:
        payload = read_entries(conn)[-1].payload
    assert payload["inputs_sha256"] == waived.inputs_sha256()
    assert payload["exceptions_used"] == [3]
    assert payload["baseline_run_id"] is None
    assert payload["coverage_missing"] == []
