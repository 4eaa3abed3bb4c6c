"""Engine creation: turning a path or URL into a configured SQLAlchemy engine.

A plain path means a SQLite file. On SQLite every new connection switches to WAL mode, so
readers do not block the single writer, and gets a busy timeout, so a second process waits
for the write lock instead of failing at once.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

from ringfence.errors import StoreError

logger = logging.getLogger(__name__)

_MEMORY_DATABASES = frozenset({"", ":memory:"})


def resolve_url(url_or_path: str | os.PathLike[str]) -> URL:
    """Return the SQLAlchemy URL for a URL string, a SQLite file path or ':memory:'."""
    text = os.fspath(url_or_path)
    if text == ":memory:":
        return make_url("sqlite://")
    if "://" not in text:
        path = Path(text).expanduser().absolute()
        return URL.create("sqlite+pysqlite", database=str(path))
    try:
        return make_url(text)
    except ArgumentError as error:
        raise StoreError(
            f"Invalid evidence store URL '{text}': {error}. Pass a SQLite file path or an "
            "SQLAlchemy URL such as 'sqlite:///evidence.db'."
        ) from error


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

    engine = create_engine(url, json_serializer=_dump_json, json_deserializer=orjson.loads)
    if url.get_backend_name() == "sqlite":
        _configure_sqlite(engine, busy_timeout_s, expect_wal=is_sqlite_file(url))
    return engine


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
        finally:
            cursor.close()
        if expect_wal and journal_mode != "wal":
            logger.warning(
                "SQLite kept journal mode %s instead of WAL for %s, so readers may block writers",
                journal_mode,
                engine.url.database,
            )

    event.listen(engine, "connect", on_connect)
