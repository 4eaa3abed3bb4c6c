"""Fixtures for the store tests: a fresh SQLite file per test."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from ringfence.store import EvidenceStore

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


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "evidence.db"


@pytest.fixture
def store(store_path: Path) -> Iterator[EvidenceStore]:
    evidence_store = EvidenceStore.open(store_path)
    yield evidence_store
    evidence_store.close()


@pytest.fixture
def count_rows(store_path: Path) -> Callable[[], dict[str, int]]:
    """Return a function that counts the rows of every table through a separate connection."""

    def count() -> dict[str, int]:
        with closing(sqlite3.connect(store_path)) as connection:
            return {
                table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in TABLES
            }

    return count
