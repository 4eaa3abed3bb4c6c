"""The audit log's hash chain: intact, edited, deleted and reordered entries."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from ringfence.store import EvidenceStore, append_entry, read_entries, verify_chain
from ringfence.store._schema import metadata

from .builders import make_decision, make_result


@pytest.fixture
def chain_db(tmp_path: Path) -> Path:
    """A SQLite file with five audit entries."""
    path = tmp_path / "audit.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    with engine.begin() as conn:
        for number in range(5):
            append_entry(
                conn,
                kind="exception",
                subject=f"metric-{number}",
                payload={"approver": "ana", "number": number},
                actor="ana",
            )
    engine.dispose()
    return path


def _verify(path: Path):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        entries = read_entries(conn)
    engine.dispose()
    return entries, verify_chain(entries)


def _sql(path: Path, statement: str) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute(statement)
        db.commit()


def test_intact_chain_verifies(chain_db: Path) -> None:
    entries, problem = _verify(chain_db)
    assert problem is None
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[1].prev_hash == entries[0].entry_hash


def test_edited_payload_is_named(chain_db: Path) -> None:
    _sql(chain_db, 'update audit_log set payload = \'{"approver": "mallory"}\' where seq = 3')
    _, problem = _verify(chain_db)
    assert problem is not None
    assert problem.seq == 3
    assert problem.problem == "edited"
    assert problem.subject == "metric-2"


def test_deleted_entry_is_named(chain_db: Path) -> None:
    _sql(chain_db, "delete from audit_log where seq = 2")
    _, problem = _verify(chain_db)
    assert problem is not None
    assert problem.seq == 3
    assert problem.problem == "deleted before this entry"
    assert "entries 2 to 2 are missing" in problem.detail


def test_deleted_last_entry_undetectable_alone(chain_db: Path) -> None:
    # Removing the newest entry leaves a consistent, shorter chain; only a copy of the latest
    # hash kept elsewhere reveals it.
    _sql(chain_db, "delete from audit_log where seq = 5")
    entries, problem = _verify(chain_db)
    assert problem is None
    assert len(entries) == 4


def test_swapped_entries_are_named(chain_db: Path) -> None:
    _sql(chain_db, "update audit_log set seq = 100 where seq = 2")
    _sql(chain_db, "update audit_log set seq = 2 where seq = 3")
    _sql(chain_db, "update audit_log set seq = 3 where seq = 100")
    _, problem = _verify(chain_db)
    assert problem is not None
    assert problem.seq == 2
    assert problem.problem == "edited"


def test_decisions_are_audited(tmp_path: Path) -> None:
    with EvidenceStore.open(tmp_path / "store.sqlite") as store:
        result = make_result([])
        result.decision = None
        store.save_run(result, [])
        decision = make_decision("a" * 64)
        assert store.save_decision(result.run_id, decision)
        assert not store.save_decision(result.run_id, decision)
    entries, problem = _verify(tmp_path / "store.sqlite")
    assert problem is None
    decision_entries = [e for e in entries if e.kind == "decision"]
    assert len(decision_entries) >= 1
    assert decision_entries[-1].payload["verdict"] == decision.verdict.value
    assert decision_entries[-1].subject == result.run_id
