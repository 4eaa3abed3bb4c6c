"""Opening a store: paths, URLs, SQLite settings and clear errors.

Schema revisions and migrations are tested in test_store_migrations.py.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

import ringfence.store
from ringfence.errors import StoreError
from ringfence.store import EvidenceStore

from .builders import make_decision, make_result, make_sample


def test_public_names() -> None:
    assert sorted(ringfence.store.__all__) == [
        "AuditEntry",
        "ChainProblem",
        "DEFAULT_BUSY_TIMEOUT_S",
        "DEFAULT_COMPRESS_LEVEL",
        "DEFAULT_SAMPLE_BATCH_SIZE",
        "EvidenceStore",
        "RunWriter",
        "SCHEMA_VERSION",
        "StoredRun",
        "append_entry",
        "read_entries",
        "segment_key",
        "verify_chain",
    ]


def test_wal_mode_is_on(store_path: Path) -> None:
    EvidenceStore.open(store_path).close()

    with closing(sqlite3.connect(store_path)) as connection:
        journal_mode = connection.execute("PRAGMA journal_mode").fetchone()[0]

    assert journal_mode == "wal"


def test_missing_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "deeper" / "evidence.db"

    with EvidenceStore.open(path):
        pass

    assert path.is_file()


def test_parent_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("plain file")
    path = blocker / "evidence.db"

    with pytest.raises(StoreError, match="Opening failed") as caught:
        EvidenceStore.open(path)

    assert str(path) in str(caught.value)
    assert "writable" in str(caught.value)


def test_path_is_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "folder.db"
    folder.mkdir()

    with pytest.raises(StoreError) as caught:
        EvidenceStore.open(folder)

    assert str(folder) in str(caught.value)


def test_unknown_dialect_url() -> None:
    with pytest.raises(StoreError, match="nosuchdb"):
        EvidenceStore.open("nosuchdb://localhost/evidence")


def test_refused_connection_hides_password() -> None:
    # No server listens on port 1, so 127.0.0.1 refuses the connection at once.
    with pytest.raises(StoreError, match="Opening failed") as caught:
        EvidenceStore.open("postgresql://reader:hunter2@127.0.0.1:1/evidence")

    assert "hunter2" not in str(caught.value)
    assert "reader:***@127.0.0.1:1/evidence" in str(caught.value)


def test_missing_driver_names_extra() -> None:
    # pg8000 is a PostgreSQL driver that ringfence does not install.
    with pytest.raises(StoreError, match="not installed") as caught:
        EvidenceStore.open("postgresql+pg8000://reader:hunter2@127.0.0.1:1/evidence")

    assert "hunter2" not in str(caught.value)
    assert "ringfence[postgres]" in str(caught.value)


def test_unparseable_url_hides_password() -> None:
    with pytest.raises(StoreError, match="Invalid evidence store URL") as caught:
        EvidenceStore.open("postgresql://reader:hunter2@127.0.0.1:notaport/evidence")

    assert "hunter2" not in str(caught.value)
    assert "reader:***@" in str(caught.value)


def test_busy_store_waits_for_lock(store_path: Path) -> None:
    sample = make_sample(0)
    EvidenceStore.open(store_path).close()
    blocker = sqlite3.connect(store_path, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, blocker.commit)
    release.start()

    try:
        with EvidenceStore.open(store_path, busy_timeout_s=10) as store:
            assert store.save_run(make_result([sample]), [sample]) is True
    finally:
        release.join()
        blocker.close()


def test_locked_store_times_out(store_path: Path) -> None:
    sample = make_sample(0)
    EvidenceStore.open(store_path).close()

    with closing(sqlite3.connect(store_path)) as blocker:
        blocker.execute("BEGIN IMMEDIATE")
        with (
            EvidenceStore.open(store_path, busy_timeout_s=0.05) as store,
            pytest.raises(StoreError, match="database is locked") as caught,
        ):
            store.save_run(make_result([sample]), [sample])
        blocker.rollback()

    assert "Saving run run-0001 failed" in str(caught.value)
    assert "The run was not saved" in str(caught.value)
    assert str(store_path) in str(caught.value)


def test_read_then_write_waits_for_lock(store_path: Path) -> None:
    # save_decision reads the run before it inserts. A deferred SQLite transaction would fail
    # with 'database is locked' at once, without waiting, when another process committed a
    # write after that read. Write transactions begin with BEGIN IMMEDIATE, so it waits.
    sample = make_sample(0)
    with EvidenceStore.open(store_path) as store:
        store.save_run(make_result([sample]), [sample])
    blocker = sqlite3.connect(store_path, check_same_thread=False, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    blocker.execute("INSERT INTO schema_info (key, value) VALUES ('probe', 'x')")
    release = threading.Timer(0.3, blocker.execute, args=("COMMIT",))
    release.start()

    try:
        with EvidenceStore.open(store_path, busy_timeout_s=10) as store:
            assert store.save_decision("run-0001", make_decision()) is True
    finally:
        release.join()
        blocker.close()
