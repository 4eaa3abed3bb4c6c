"""Schema migrations: new stores, stores of ringfence 0.1.0, newer stores and concurrent opens."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, String, inspect, text

from ringfence.errors import StoreError
from ringfence.store import SCHEMA_VERSION, EvidenceStore
from ringfence.store._connect import (
    create_store_engine,
    display_location,
    resolve_url,
    schema_change_transaction,
)
from ringfence.store._migrate import (
    INITIAL_REVISION,
    MIGRATIONS_DIR,
    alembic_config,
    full_metadata,
    head_revision,
)

from .builders import make_result, make_sample

# Key of the advisory lock that serializes migrations on PostgreSQL (see _migrate).
MIGRATION_LOCK_KEY = 727000

# The tables of ringfence 0.1.0, which revision 0001_initial creates.
INITIAL_TABLES = {
    "schema_info",
    "runs",
    "input_files",
    "transcripts",
    "samples",
    "findings",
    "metric_values",
    "import_issues",
    "decisions",
    "audit_log",
}


def _revisions(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(text("SELECT version_num FROM alembic_version")))


def _schema_version(engine: Engine) -> str:
    with engine.connect() as conn:
        query = text("SELECT value FROM schema_info WHERE key = 'schema_version'")
        return str(conn.execute(query).scalar_one())


def _migrate_to(store_url: str, revision: str) -> None:
    """Run the migrations up to `revision` only, as an older ringfence would have."""
    engine = create_store_engine(resolve_url(store_url), busy_timeout_s=10)
    try:
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        engine.dispose()


@pytest.fixture
def pre_alembic_store(store_url: str, raw_engine: Engine) -> Iterator[str]:
    """A store as ringfence 0.1.0 left it: the initial tables, one run, schema version 1."""
    _migrate_to(store_url, INITIAL_REVISION)
    sample = make_sample(0)
    url = resolve_url(store_url)
    old = EvidenceStore(create_store_engine(url, busy_timeout_s=10), display_location(url))
    with old:
        old.save_run(make_result([sample]), [sample])
    with raw_engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("UPDATE schema_info SET value = '1' WHERE key = 'schema_version'"))
    yield store_url


def test_new_store_is_at_head(store: EvidenceStore, raw_engine: Engine) -> None:
    assert _revisions(raw_engine) == [head_revision()]
    assert _schema_version(raw_engine) == str(SCHEMA_VERSION)
    assert set(inspect(raw_engine).get_table_names()) >= INITIAL_TABLES


def test_migrations_match_metadata(store: EvidenceStore, raw_engine: Engine) -> None:
    # Autogenerate finds what the migrations left out or did differently from the table
    # definitions of every `_schema` and `_*_tables` module. An empty list means they agree.
    with raw_engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), full_metadata())

    assert differences == []


def test_scripts_form_one_chain() -> None:
    script = ScriptDirectory.from_config(alembic_config())

    assert script.get_bases() == [INITIAL_REVISION]
    assert script.get_heads() == [head_revision()]
    assert MIGRATIONS_DIR.joinpath("env.py").is_file()


def test_reopen_changes_nothing(store_url: str, raw_engine: Engine) -> None:
    EvidenceStore.open(store_url).close()
    EvidenceStore.open(store_url).close()

    assert _revisions(raw_engine) == [head_revision()]
    with raw_engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM schema_info")).scalar_one() == 1


def test_pre_alembic_store_adopted(pre_alembic_store: str, raw_engine: Engine) -> None:
    with EvidenceStore.open(pre_alembic_store) as store:
        stored = store.get_run("run-0001")

    assert stored is not None
    assert stored.sample_count == 1
    assert _revisions(raw_engine) == [head_revision()]
    assert _schema_version(raw_engine) == str(SCHEMA_VERSION)


def test_unknown_revision_rejected(
    store: EvidenceStore, store_url: str, raw_engine: Engine
) -> None:
    store.close()
    with raw_engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))

    with pytest.raises(StoreError, match="9999_from_the_future") as caught:
        EvidenceStore.open(store_url)

    message = str(caught.value)
    assert display_location(resolve_url(store_url)) in message
    assert "newer ringfence" in message


def test_unknown_pre_alembic_version_rejected(pre_alembic_store: str, raw_engine: Engine) -> None:
    with raw_engine.begin() as conn:
        conn.execute(text("UPDATE schema_info SET value = '999' WHERE key = 'schema_version'"))

    with pytest.raises(StoreError, match="schema version 999") as caught:
        EvidenceStore.open(pre_alembic_store)

    assert display_location(resolve_url(pre_alembic_store)) in str(caught.value)
    assert _schema_version(raw_engine) == "999"


def test_failed_migration_changes_nothing(store_url: str, raw_engine: Engine) -> None:
    # A database that has a 'runs' table of its own: creating ours fails, and the tables that
    # the migration created before that roll back with it.
    with raw_engine.begin() as conn:
        conn.execute(text("CREATE TABLE runs (other_column INTEGER)"))

    with pytest.raises(StoreError, match="Opening failed"):
        EvidenceStore.open(store_url)

    assert set(inspect(raw_engine).get_table_names()) == {"runs"}


def test_concurrent_first_opens(store_url: str, raw_engine: Engine) -> None:
    # Six threads, each with an engine of its own, open the same new store at once. The
    # migration lock lets one create the tables, and the others then find them at head.
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def open_store() -> None:
        start.wait(timeout=20)
        try:
            EvidenceStore.open(store_url).close()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_store) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert _revisions(raw_engine) == [head_revision()]
    with raw_engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM schema_info")).scalar_one() == 1


def test_open_at_head_needs_no_write_lock(store_path: Path) -> None:
    EvidenceStore.open(store_path).close()

    with closing(sqlite3.connect(store_path, isolation_level=None)) as blocker:
        blocker.execute("BEGIN IMMEDIATE")
        with EvidenceStore.open(store_path, busy_timeout_s=0.05) as store:
            assert store.list_runs() == []
        blocker.execute("ROLLBACK")


def test_migration_waits_for_advisory_lock(postgres_url: str) -> None:
    opened: list[float] = []
    holder_engine = create_store_engine(resolve_url(postgres_url), busy_timeout_s=10)

    with holder_engine.connect() as holder:
        holder.execute(text(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
        holder.commit()
        thread = threading.Thread(
            target=lambda: (EvidenceStore.open(postgres_url).close(), opened.append(1.0))
        )
        thread.start()
        time.sleep(0.3)
        assert opened == []
        holder.execute(text(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
        holder.commit()
        thread.join(timeout=20)
    holder_engine.dispose()

    assert opened == [1.0]


def test_sqlite_rebuilds_referenced_table(store_path: Path) -> None:
    # A future migration that changes `runs` in batch mode copies, drops and renames the
    # table while samples still reference it. That needs foreign keys unenforced.
    sample = make_sample(0)
    result = make_result([sample])
    with EvidenceStore.open(store_path) as store:
        store.save_run(result, [sample])
    engine = create_store_engine(resolve_url(store_path), busy_timeout_s=10)

    with schema_change_transaction(engine) as conn:
        operations = Operations(MigrationContext.configure(conn))
        with operations.batch_alter_table("runs", recreate="always") as batch:
            batch.alter_column("target_name", existing_type=String(255), type_=String(300))
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []

    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    engine.dispose()
    with EvidenceStore.open(store_path) as store:
        assert store.load_result(result.run_id) == result
