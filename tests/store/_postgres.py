"""The PostgreSQL server of the store tests, and a throw-away database per test.

The tests use the server on 127.0.0.1:5432 that trusts local users (`postgres`, then `root`),
or the server that RINGFENCE_TEST_POSTGRES_URL names. When none accepts a connection, the tests
skip, unless RINGFENCE_REQUIRE_POSTGRES=1 makes that a failure, as in CI. Every test database
is named rf_test_<random hex>, and only such databases are ever dropped.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy.engine import URL, make_url

REQUIRE_ENV = "RINGFENCE_REQUIRE_POSTGRES"
URL_ENV = "RINGFENCE_TEST_POSTGRES_URL"
DATABASE_PREFIX = "rf_test_"

_DEFAULT_URLS = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)
_CONNECT_TIMEOUT_S = 3


@dataclass(frozen=True)
class PostgresServer:
    """A reachable server and the URL of a database on it that tests may connect to."""

    admin_url: URL

    def create_database(self) -> str:
        """Create an empty rf_test_* database and return its URL as text."""
        name = f"{DATABASE_PREFIX}{secrets.token_hex(6)}"
        self._execute(f'CREATE DATABASE "{name}"')
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        """Drop a test database, ending any connection that a failed test left open."""
        name = make_url(url).database or ""
        if not name.startswith(DATABASE_PREFIX):
            raise ValueError(f"refusing to drop '{name}': test databases start with rf_test_")
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _execute(self, statement: str) -> None:
        # CREATE and DROP DATABASE cannot run inside a transaction, hence autocommit.
        with psycopg.connect(_conninfo(self.admin_url), autocommit=True) as conn:
            conn.execute(statement.encode())


def find_server() -> PostgresServer:
    """Return the first server that accepts a connection and lets the user create databases.

    Skips the calling test, or fails it when RINGFENCE_REQUIRE_POSTGRES=1, when there is none.
    """
    override = os.environ.get(URL_ENV)
    candidates = [override] if override else list(_DEFAULT_URLS)
    problems: list[str] = []
    for text in candidates:
        url = make_url(text)
        problem = _check(url)
        if problem is None:
            return PostgresServer(url)
        problems.append(f"{url.render_as_string(hide_password=True)}: {problem}")
    _unavailable("; ".join(problems))
    raise AssertionError("unreachable: pytest.skip and pytest.fail raise")


def _check(url: URL) -> str | None:
    try:
        with psycopg.connect(_conninfo(url), connect_timeout=_CONNECT_TIMEOUT_S) as conn:
            row = conn.execute(
                "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if row is None or not row[0]:
        return "the user may not create databases"
    return None


def _conninfo(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1, but no PostgreSQL server is usable ({reason})")
    pytest.skip(
        f"no PostgreSQL server is usable ({reason}). Start one on 127.0.0.1:5432 or set "
        f"{URL_ENV}; with {REQUIRE_ENV}=1 this is a failure instead"
    )
