"""Records toolset: a small database of named tables (list, query, update)."""

from __future__ import annotations

from typing import Any

from ringfence.policy import ActionClass, Privilege
from ringfence.world._registry import ToolError, Toolset, tool
from ringfence.world._state import WorldState
from ringfence.world.toolsets._common import lookup, require_limit

Scalar = str | int | float | bool | None


@tool(action=ActionClass.READ, scope="records:read")
def list_tables(state: WorldState) -> dict[str, Any]:
    """List the database tables with their row counts and column names."""
    return {
        table: {"rows": len(rows), "columns": _columns(rows)}
        for table, rows in sorted(state.records.items())
    }


@tool(action=ActionClass.READ, scope="records:read", reads="records", scope_target="table")
def query_records(
    state: WorldState, table: str, filters: dict[str, Scalar] | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Return the rows of a table whose columns equal every given filter value.

    Args:
        table: Table name.
        filters: Column name to required value; text compares without regard to case.
        limit: Maximum number of rows to return.
    """
    require_limit(limit)
    rows = _table(state, table)
    unknown = sorted(set(filters or {}) - set(_columns(rows)))
    if unknown:
        raise ToolError(f"table {table!r} has no column {', '.join(map(repr, unknown))}.")
    chosen = [r for r in rows if all(_equal(r.get(k), v) for k, v in (filters or {}).items())]
    return [dict(r) for r in chosen[:limit]]


@tool(
    action=ActionClass.WRITE,
    privilege=Privilege.HIGH,
    scope="records:write",
    targets=("table", "record_id"),
    scope_target="table",
)
def update_record(
    state: WorldState, table: str, record_id: str, changes: dict[str, Scalar]
) -> dict[str, Any]:
    """Change columns of one row; the 'id' column cannot change.

    Args:
        table: Table name.
        record_id: Value of the row's 'id' column.
        changes: Column name to new value, for existing columns only.
    """
    rows = _table(state, table)
    row = lookup(rows, lambda r: str(r["id"]), record_id, f"row of {table!r} with id")
    if not changes:
        raise ToolError("'changes' is empty; give at least one column and value.")
    if "id" in changes:
        raise ToolError("the 'id' column cannot change.")
    unknown = sorted(set(changes) - set(_columns(rows)))
    if unknown:
        raise ToolError(f"table {table!r} has no column {', '.join(map(repr, unknown))}.")
    row.update(changes)
    return dict(row)


def _table(state: WorldState, table: str) -> list[dict[str, Any]]:
    name = lookup(state.records, lambda t: t, table, "table")
    return state.records[name]


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    return sorted({column for row in rows for column in row})


def _equal(actual: Any, expected: Scalar) -> bool:
    if isinstance(expected, str) and isinstance(actual, str):
        return actual.strip().lower() == expected.strip().lower()
    return bool(actual == expected)


TOOLSET = Toolset(
    "records", "A database of named tables.", [list_tables, query_records, update_record]
)
