"""Engine creation: turning a path or URL into a configured SQLAlchemy engine.

A plain path means a SQLite file. On SQLite every new connection switches to WAL mode, so
readers do not block the single writer, and gets a busy timeout, so a second process waits
for the write lock instead of failing at once. A `postgresql://` URL uses the psycopg 3 driver.

`write_transaction` opens the transactions that write. On SQLite it starts them with
`BEGIN IMMEDIATE`, which takes the write lock first and waits for it under the busy timeout.
A deferred transaction that reads before it writes can instead fail at once with
'database is locked' when another process committed in between, whatever the busy timeout.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

from ringfence.errors import StoreError

logger = logging.getLogger(__name__)

_MEMORY_DATABASES = frozenset({"", ":memory:"})

# URL schemes without a driver name that mean PostgreSQL. SQLAlchemy would pick psycopg2 for
# 'postgresql' and rejects 'postgres', but ringfence installs psycopg 3 (the 'postgres' extra).
_POSTGRES_SCHEMES = frozenset({"postgresql", "postgres"})
_POSTGRES_DRIVER = "postgresql+psycopg"

# Seconds psycopg waits for the server to accept a connection, unless the URL sets
# connect_timeout. Without it a connection to an unreachable host can hang for minutes.
_POSTGRES_CONNECT_TIMEOUT_S = 10

# Execution option that marks a connection whose transactions write (see `write_transaction`).
_WRITE_OPTION = "ringfence_write"


def resolve_url(url_or_path: str | os.PathLike[str]) -> URL:
    """Return the SQLAlchemy URL for a URL string, a SQLite file path or ':memory:'."""
    text = os.fspath(url_or_path)
    if text == ":memory:":
        return make_url("sqlite://")
    if "://" not in text:
        path = Path(text).expanduser().absolute()
        return URL.create("sqlite+pysqlite", database=str(path))
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as error:
        # make_url raises ValueError for a port that is not a number.
        raise StoreError(
            f"Invalid evidence store URL '{_mask_password(text)}': {error}. Pass a SQLite file "
            "path or an SQLAlchemy URL such as 'sqlite:///evidence.db' or "
            "'postgresql://user@host/database'."
        ) from error
    if url.drivername in _POSTGRES_SCHEMES:
        return url.set(drivername=_POSTGRES_DRIVER)
    return url


def _mask_password(text: str) -> str:
    """Hide the password of a URL that SQLAlchemy could not parse, such as 'x://u:pw@h'."""
    scheme, separator, rest = text.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not separator or not at or ":" not in credentials:
        return text
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def display_location(url: URL) -> str:
    """Return the URL as text with any password masked, for messages and logs."""
    if is_sqlite_file(url) and url.database is not None:
        return url.database
    return url.render_as_string(hide_password=True)


def is_sqlite_file(url: URL) -> bool:
    """True when the URL names an SQLite database stored in a file."""
    return url.get_backend_name() == "sqlite" and (url.database or "") not in _MEMORY_DATABASES


def create_store_engine(url: URL, busy_timeout_s: float) -> Engine:
    """Create the engine, with orjson for JSON columns and SQLite settings on each connection.

    Creates the folder of a SQLite file when it is missing. Raises OSError when that fails.
    """
    if is_sqlite_file(url) and url.database is not None:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)

    engine = create_engine(
        url,
        json_serializer=_dump_json,
        json_deserializer=orjson.loads,
        connect_args=_connect_args(url),
    )
    if url.get_backend_name() == "sqlite":
        _configure_sqlite(engine, busy_timeout_s, expect_wal=is_sqlite_file(url))
    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """Open a transaction for writes that commits when the block ends and rolls back on error.

    On SQLite the transaction takes the database's write lock when it begins, so the busy
    timeout covers every wait for it. Other databases lock rows as the statements run.
    """
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE_OPTION: True})
        with conn.begin():
            yield conn


@contextmanager
def schema_change_transaction(engine: Engine) -> Iterator[Connection]:
    """Open a write transaction for changing tables, with SQLite's foreign keys unenforced.

    Alembic's batch mode changes a SQLite table by copying it, dropping the original and
    renaming the copy. Dropping a table that other rows reference fails while foreign keys are
    enforced, and SQLite ignores the pragma inside a transaction, so it is switched off before
    the transaction begins. The caller checks the references before the commit
    (`PRAGMA foreign_key_check`). Other databases get a plain write transaction.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            _execute_outside_transaction(conn, "PRAGMA foreign_keys = OFF")
        try:
            conn.execution_options(**{_WRITE_OPTION: True})
            with conn.begin():
                yield conn
        finally:
            if sqlite:
                _enforce_foreign_keys_again(conn)


def _enforce_foreign_keys_again(conn: Connection) -> None:
    try:
        _execute_outside_transaction(conn, "PRAGMA foreign_keys = ON")
    except sqlite3.Error:
        # The pool must not hand this connection to a later transaction.
        # NOTE: for ':memory:' this also discards the database, which lives in the connection.
        conn.invalidate()


def _execute_outside_transaction(conn: Connection, statement: str) -> None:
    # Through the driver's connection, because a statement on `conn` would begin a transaction.
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def _connect_args(url: URL) -> dict[str, Any]:
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        return {"connect_timeout": _POSTGRES_CONNECT_TIMEOUT_S}
    return {}


def _dump_json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _configure_sqlite(engine: Engine, busy_timeout_s: float, *, expect_wal: bool) -> None:
    busy_timeout_ms = max(0, int(busy_timeout_s * 1000))

    def on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        try:
            # The busy timeout comes first because switching to WAL itself needs a lock.
            cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            row = cursor.fetchone()
            journal_mode = str(row[0]).lower() if row else "unknown"
            cursor.execute("PRAGMA foreign_keys = ON")
            # In WAL mode NORMAL still never corrupts the file and keeps every committed
            # transaction through a killed process; only a power cut can lose the last few.
            # It avoids an fsync per commit, which a live run makes once per sample.
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()
        # Stop the sqlite3 module from opening transactions on its own, so that `on_begin`
        # decides how each transaction starts.
        dbapi_connection.isolation_level = None
        if expect_wal and journal_mode != "wal":
            logger.warning(
                "SQLite kept journal mode %s instead of WAL for %s, so readers may block writers",
                journal_mode,
                engine.url.database,
            )

    def on_begin(conn: Connection) -> None:
        writes = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
