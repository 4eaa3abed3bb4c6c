"""Opening a store: paths, URLs, SQLite settings, schema version and clear errors."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

import ringfence.store
from ringfence.errors import StoreError
from ringfence.store import SCHEMA_VERSION, EvidenceStore

from .builders import make_result, make_sample


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


def test_wal_mode_is_on(store: EvidenceStore, store_path: Path) -> None:
    with closing(sqlite3.connect(store_path)) as connection:
        journal_mode = connection.execute("PRAGMA journal_mode").fetchone()[0]

    assert journal_mode == "wal"


def test_schema_version_recorded(store: EvidenceStore, store_path: Path) -> None:
    with closing(sqlite3.connect(store_path)) as connection:
        query = "SELECT value FROM schema_info WHERE key = 'schema_version'"
        version = connection.execute(query).fetchone()[0]

    assert version == str(SCHEMA_VERSION)


def test_newer_schema_rejected(store: EvidenceStore, store_path: Path) -> None:
    store.close()
    with closing(sqlite3.connect(store_path)) as connection, connection:
        connection.execute("UPDATE schema_info SET value = '999' WHERE key = 'schema_version'")

    with pytest.raises(StoreError, match="schema version 999") as caught:
        EvidenceStore.open(store_path)

    assert str(store_path) in str(caught.value)


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


def test_missing_driver_hides_password() -> None:
    # Neither psycopg2 nor a server is needed: the error comes before any connection attempt
    # when the driver is missing, and from 127.0.0.1 refusing the connection otherwise.
    with pytest.raises(StoreError) as caught:
        EvidenceStore.open("postgresql://reader:hunter2@127.0.0.1:1/evidence")

    assert "hunter2" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)


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

    assert "Nothing of this call was saved" in str(caught.value)
