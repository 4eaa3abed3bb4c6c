"""Fixtures for the store tests: a fresh store per test, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from ringfence.store import EvidenceStore
from ringfence.store._connect import resolve_url

from ._postgres import PostgresServer, find_server

TABLES = (
    "runs",
    "input_files",
    "samples",
    "transcripts",
    "findings",
    "metric_values",
    "import_issues",
    "decisions",
)

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """The PostgreSQL server; skips (or fails, when required) when there is none."""
    return find_server()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """URL of a new, empty PostgreSQL database that is dropped after the test."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "evidence.db"


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, store_path: Path) -> str:
    """Location of a store that does not exist yet: a SQLite path or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(store_path)
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[EvidenceStore]:
    evidence_store = EvidenceStore.open(store_url)
    yield evidence_store
    evidence_store.close()


@pytest.fixture
def raw_engine(store_url: str) -> Iterator[Engine]:
    """An engine of its own on the store's database, outside the store under test."""
    engine = create_engine(resolve_url(store_url), poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def count_rows(raw_engine: Engine) -> Callable[[], dict[str, int]]:
    """Return a function that counts the rows of every table through a separate connection."""

    def count() -> dict[str, int]:
        with raw_engine.connect() as conn:
            return {
                table: conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
                for table in TABLES
            }

    return count
