"""The audit log's hash chain: intact, edited, deleted and reordered entries."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, text

from ringfence.store import (
    AuditEntry,
    ChainProblem,
    EvidenceStore,
    append_entry,
    read_entries,
    verify_chain,
)

from .builders import make_decision, make_result, make_sample

# Key of the advisory lock that serializes appends on PostgreSQL (see ringfence.store._audit).
AUDIT_LOCK_KEY = 727001


@pytest.fixture
def chain_db(store_url: str, raw_engine: Engine) -> Engine:
    """A store with five audit entries, reached through an engine of its own."""
    EvidenceStore.open(store_url).close()
    with raw_engine.begin() as conn:
        for number in range(5):
            append_entry(
                conn,
                kind="exception",
                subject=f"metric-{number}",
                payload={"approver": "ana", "number": number},
                actor="ana",
            )
    return raw_engine


def _verify(engine: Engine) -> tuple[list[AuditEntry], ChainProblem | None]:
    with engine.connect() as conn:
        entries = read_entries(conn)
    return entries, verify_chain(entries)


def _sql(engine: Engine, statement: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement))


def test_intact_chain_verifies(chain_db: Engine) -> None:
    entries, problem = _verify(chain_db)
    assert problem is None
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[1].prev_hash == entries[0].entry_hash


def test_edited_payload_is_named(chain_db: Engine) -> None:
    _sql(chain_db, 'update audit_log set payload = \'{"approver": "mallory"}\' where seq = 3')
    _, problem = _verify(chain_db)
    assert problem is not None
    assert problem.seq == 3
    assert problem.problem == "edited"
    assert problem.subject == "metric-2"


def test_deleted_entry_is_named(chain_db: Engine) -> None:
    _sql(chain_db, "delete from audit_log where seq = 2")
    _, problem = _verify(chain_db)
    assert problem is not None
    assert problem.seq == 3
    assert problem.problem == "deleted before this entry"
    assert "entries 2 to 2 are missing" in problem.detail


def test_deleted_last_entry_undetectable_alone(chain_db: Engine) -> None:
    # Removing the newest entry leaves a consistent, shorter chain; only a copy of the latest
    # hash kept elsewhere reveals it.
    _sql(chain_db, "delete from audit_log where seq = 5")
    entries, problem = _verify(chain_db)
    assert problem is None
    assert len(entries) == 4


def test_swapped_entries_are_named(chain_db: Engine) -> None:
    _sql(chain_db, "update audit_log set seq = 100 where seq = 2")
    _sql(chain_db, "update audit_log set seq = 2 where seq = 3")
    _sql(chain_db, "update audit_log set seq = 3 where seq = 100")
    _, problem = _verify(chain_db)
    assert problem is not None
    assert problem.seq == 2
    assert problem.problem == "edited"


def test_decisions_are_audited(store_url: str, raw_engine: Engine) -> None:
    with EvidenceStore.open(store_url) as store:
        result = make_result([])
        result.decision = None
        store.save_run(result, [])
        decision = make_decision("a" * 64)
        assert store.save_decision(result.run_id, decision)
        assert not store.save_decision(result.run_id, decision)
    entries, problem = _verify(raw_engine)
    assert problem is None
    decision_entries = [e for e in entries if e.kind == "decision"]
    assert len(decision_entries) >= 1
    assert decision_entries[-1].payload["verdict"] == decision.verdict.value
    assert decision_entries[-1].subject == result.run_id


def test_append_waits_for_advisory_lock(postgres_url: str) -> None:
    # Another session holds the append lock, so saving a decision, which appends an audit
    # entry, waits until that session releases it.
    sample = make_sample(0)
    with EvidenceStore.open(postgres_url) as store:
        store.save_run(make_result([sample]), [sample])
        saved: list[bool] = []
        with store.writing("Holding the audit lock") as holder:
            holder.execute(text(f"SELECT pg_advisory_lock({AUDIT_LOCK_KEY})"))
            thread = threading.Thread(
                target=lambda: saved.append(store.save_decision("run-0001", make_decision()))
            )
            thread.start()
            time.sleep(0.3)
            assert saved == []
            holder.execute(text(f"SELECT pg_advisory_unlock({AUDIT_LOCK_KEY})"))
        thread.join(timeout=20)

    assert saved == [True]
