"""Fixtures for the release, incident, review and trend tests: a fresh evidence store per test,
on SQLite and, where a server accepts connections, on PostgreSQL.

Test modules may define their own `store` fixture, which then takes precedence.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ringfence.store import EvidenceStore
from tests.store._postgres import PostgresServer, find_server


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """The PostgreSQL server; skips (or fails, when required) when there is none."""
    return find_server()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Location of a new store: a SQLite file, or a throw-away PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "evidence.sqlite")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database()
    yield url
    server.drop_database(url)


@pytest.fixture
def store(store_url: str) -> Iterator[EvidenceStore]:
    """An open store on either backend."""
    with EvidenceStore.open(store_url) as opened:
        yield opened


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """Path of a SQLite store, for tests that edit the file by hand."""
    return tmp_path / "evidence.sqlite"


@pytest.fixture
def sqlite_store(sqlite_path: Path) -> Iterator[EvidenceStore]:
    """An open SQLite store at `sqlite_path`."""
    with EvidenceStore.open(sqlite_path) as opened:
        yield opened
