"""Schema migrations: bringing any evidence store to the newest Alembic revision on open.

Alembic's `alembic_version` table records the layout of a store. The migration scripts live in
the package (`ringfence/store/migrations`), and the Alembic configuration is built here, so no
`alembic.ini` is needed at run time.

Two processes may open the same new store at once, so migrating takes a lock first and then
reads the revision again: a PostgreSQL advisory lock held until the migration commits, or on
SQLite the database's write lock (`BEGIN IMMEDIATE`). The migration runs inside that
transaction, and both databases roll DDL back with it, so a failed migration leaves the store as
it was. A store already at the newest revision is only read, and takes no lock.

Stores created by ringfence 0.1.0, before Alembic, have the tables of revision 0001_initial and
`schema_version` 1 in `schema_info`. They are stamped at that revision and then upgraded.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, MetaData, inspect, select, text, update

from ringfence import __version__
from ringfence.errors import StoreError
from ringfence.store._connect import schema_change_transaction
from ringfence.store._schema import SCHEMA_VERSION, SCHEMA_VERSION_KEY, metadata, schema_info

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
"""Folder of the Alembic environment and of `versions/`, inside the installed package."""

INITIAL_REVISION = "0001_initial"
"""Revision whose tables are those of ringfence 0.1.0."""

PRE_ALEMBIC_SCHEMA_VERSION = "1"
"""`schema_info` version of stores created by ringfence 0.1.0, before Alembic."""

# Key of the PostgreSQL advisory lock that serializes migrations. Any constant works, as long
# as no other lock of ringfence uses it (the audit log uses 727001).
_MIGRATION_LOCK_KEY = 727000

# Modules of the store package whose names end with this define more tables on `metadata`.
_TABLE_MODULE_SUFFIX = "_tables"


@dataclass(frozen=True, slots=True)
class StoreRevision:
    """Layout markers of a database, read before migrating."""

    revisions: tuple[str, ...]
    """Alembic revisions in `alembic_version`, empty when Alembic never ran on the database."""

    schema_version: str | None
    """`schema_version` in `schema_info`, or None when that table or row is missing."""


def alembic_config() -> Config:
    """Return the Alembic configuration of the store's migrations, built without a file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """Return the newest revision of the migration scripts.

    Raises `StoreError` when the scripts have more than one head, which happens when two
    migrations name the same `down_revision`.
    """
    return _single_head(ScriptDirectory.from_config(alembic_config()))


def _single_head(script: ScriptDirectory) -> str:
    try:
        head = script.get_current_head()
    except CommandError as error:
        raise StoreError(
            f"The migration scripts in {MIGRATIONS_DIR} are inconsistent: {error}. Give each "
            "new migration the previous newest revision as its down_revision."
        ) from error
    if head is None:
        raise StoreError(f"No migration scripts found in {MIGRATIONS_DIR}. Reinstall ringfence.")
    return head


def full_metadata() -> MetaData:
    """Return `metadata` with the tables of every `ringfence.store._*_tables` module added.

    Modules that add tables register them on `metadata` when imported. Importing them all here
    makes autogenerate and the migration tests see every table, whichever modules the caller
    happened to import.
    """
    package = importlib.import_module("ringfence.store")
    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("_") and module.name.endswith(_TABLE_MODULE_SUFFIX):
            importlib.import_module(f"ringfence.store.{module.name}")
    return metadata


def upgrade_to_head(engine: Engine, location: str) -> None:
    """Bring the database to the newest revision, creating every table of a new store.

    Raises `StoreError` when the store was written by a newer ringfence, or has a schema this
    version cannot adopt. Database errors propagate for the caller to translate.
    """
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    head = _single_head(script)
    with engine.connect() as conn:
        found = read_revision(conn)
    _check_known(script, found, location)
    if found.revisions == (head,):
        return

    with schema_change_transaction(engine) as conn:
        _lock_migrations(conn)
        # Another process may have migrated while this one waited for the lock.
        found = read_revision(conn)
        _check_known(script, found, location)
        if found.revisions == (head,):
            return
        if not found.revisions and found.schema_version == PRE_ALEMBIC_SCHEMA_VERSION:
            _adopt_pre_alembic_store(conn, script, location)

        logger.info("Migrating evidence store %s to revision %s", location, head)
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        _check_sqlite_references(conn, head, location)


def read_revision(conn: Connection) -> StoreRevision:
    """Read the Alembic revisions and the `schema_info` version of a database."""
    revisions = tuple(MigrationContext.configure(conn).get_current_heads())
    schema_version = None
    if inspect(conn).has_table(schema_info.name):
        query = select(schema_info.c.value).where(schema_info.c.key == SCHEMA_VERSION_KEY)
        schema_version = conn.execute(query).scalar_one_or_none()
    return StoreRevision(revisions, schema_version)


def _check_known(script: ScriptDirectory, found: StoreRevision, location: str) -> None:
    unknown = [revision for revision in found.revisions if _lookup(script, revision) is None]
    if unknown:
        raise StoreError(
            f"The evidence store at {location} has schema revision {', '.join(unknown)}, "
            f"which ringfence {__version__} does not know, so a newer ringfence has upgraded "
            "it. Use that ringfence version or a newer one, or open another store."
        )

    pre_alembic = not found.revisions and found.schema_version is not None
    if pre_alembic and found.schema_version != PRE_ALEMBIC_SCHEMA_VERSION:
        raise StoreError(
            f"The evidence store at {location} has schema version {found.schema_version} "
            f"and no Alembic revision, but ringfence {__version__} can only adopt schema "
            f"version {PRE_ALEMBIC_SCHEMA_VERSION}. Use the ringfence version that created the "
            "store, or open a new store."
        )


def _lookup(script: ScriptDirectory, revision: str) -> object | None:
    try:
        return script.get_revision(revision)
    except CommandError:
        return None


def _lock_migrations(conn: Connection) -> None:
    # SQLite needs nothing more: the write transaction holds the database's write lock.
    # NOTE: other databases get no migration lock, so concurrent first opens can race there.
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})


def _check_sqlite_references(conn: Connection, head: str, location: str) -> None:
    # SQLite migrates with foreign keys unenforced (see `schema_change_transaction`).
    if conn.dialect.name != "sqlite":
        return
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise StoreError(
            f"Migrating the evidence store at {location} to revision {head} left "
            f"{len(broken)} rows in {', '.join(tables)} that reference missing rows, so the "
            "migration was rolled back. Report this as a bug in the migration scripts."
        )


def _adopt_pre_alembic_store(conn: Connection, script: ScriptDirectory, location: str) -> None:
    logger.info(
        "Evidence store %s was created before ringfence used Alembic; stamping it at %s",
        location,
        INITIAL_REVISION,
    )
    MigrationContext.configure(conn).stamp(script, INITIAL_REVISION)
    conn.execute(
        update(schema_info)
        .where(schema_info.c.key == SCHEMA_VERSION_KEY)
        .values(value=str(SCHEMA_VERSION))
    )
