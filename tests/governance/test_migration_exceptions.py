"""Revision 0002_exceptions on SQLite and PostgreSQL: the exceptions table, decisions keyed by
their inputs, the fill of decisions stored before it, and the way back."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from types import ModuleType

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from ringfence.gate.decision import EMPTY_INPUTS_SHA256, Decision, Verdict
from ringfence.store import EvidenceStore
from ringfence.store._connect import create_store_engine, display_location, resolve_url
from ringfence.store._migrate import INITIAL_REVISION, MIGRATIONS_DIR, alembic_config
from tests.store.builders import make_result, make_sample

REVISION = "0002_exceptions"
POLICY_SHA256 = "d" * 64


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    raw = create_store_engine(resolve_url(store_url), busy_timeout_s=10)
    yield raw
    raw.dispose()


def _migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        if down:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)


def _legacy_decision(verdict: Verdict) -> str:
    decision = Decision(
        verdict=verdict,
        gate_policy_name="staging",
        gate_policy_sha256=POLICY_SHA256,
        ring="staging",
    )
    return json.dumps(decision.model_dump(mode="json"))


def _store_at_initial_revision(store_url: str, engine: Engine) -> None:
    """Leave a store at 0001_initial with one run and the decision saved with it."""
    _migrate(engine, INITIAL_REVISION)
    url = resolve_url(store_url)
    old = EvidenceStore(create_store_engine(url, busy_timeout_s=10), display_location(url))
    sample = make_sample(0)
    with old:
        old.save_run(make_result([sample]), [sample])
    row = {"decision": _legacy_decision(Verdict.GREEN), "sha": POLICY_SHA256}
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO decisions (run_id, gate_policy_sha256, gate_policy_name, verdict, "
                "ring, decision, created_at) VALUES ('run-0001', :sha, 'staging', 'green', "
                "'staging', :decision, '2025-01-01T00:00:00+00:00')"
            ),
            row,
        )
        conn.execute(text("UPDATE runs SET decision_gate_policy_sha256 = :sha"), row)


def _migration_module() -> ModuleType:
    path = MIGRATIONS_DIR / "versions" / f"{REVISION}.py"
    spec = importlib.util.spec_from_file_location("migration_0002", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fixed_fingerprint_matches_code() -> None:
    assert _migration_module().EMPTY_INPUTS_SHA256 == EMPTY_INPUTS_SHA256


def test_upgrade_fills_old_decisions(store_url: str, engine: Engine) -> None:
    _store_at_initial_revision(store_url, engine)

    _migrate(engine, REVISION)

    inspector = inspect(engine)
    assert "exceptions" in inspector.get_table_names()
    key = inspector.get_pk_constraint("decisions")
    assert key["constrained_columns"] == ["run_id", "gate_policy_sha256", "inputs_sha256"]
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT inputs_sha256 FROM decisions")).scalars().all()
    assert stored == [EMPTY_INPUTS_SHA256]


def test_upgraded_store_keeps_both_decisions(store_url: str, engine: Engine) -> None:
    _store_at_initial_revision(store_url, engine)
    _migrate(engine, REVISION)
    url = resolve_url(store_url)
    store = EvidenceStore(create_store_engine(url, busy_timeout_s=10), display_location(url))
    with store:
        (old,) = store.decisions_for("run-0001")
        compared = old.model_copy(update={"baseline_run_id": "run-0000"})
        assert not store.save_decision("run-0001", old)
        assert store.save_decision("run-0001", compared)
        assert store.decisions_for("run-0001") == [old, compared]
        assert store.load_result("run-0001").decision == old


def test_downgrade_keeps_oldest_decision(store_url: str, engine: Engine) -> None:
    _store_at_initial_revision(store_url, engine)
    _migrate(engine, REVISION)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO decisions (run_id, gate_policy_sha256, inputs_sha256, "
                "gate_policy_name, verdict, ring, decision, created_at) VALUES ('run-0001', :sha, "
                "'e', 'staging', 'red', 'staging', :decision, '2025-02-01T00:00:00+00:00')"
            ),
            {"sha": POLICY_SHA256, "decision": _legacy_decision(Verdict.RED)},
        )

    _migrate(engine, INITIAL_REVISION, down=True)

    inspector = inspect(engine)
    assert "exceptions" not in inspector.get_table_names()
    key = inspector.get_pk_constraint("decisions")
    assert key["constrained_columns"] == ["run_id", "gate_policy_sha256"]
    with engine.connect() as conn:
        verdicts = conn.execute(text("SELECT verdict FROM decisions")).scalars().all()
    assert verdicts == ["green"]
