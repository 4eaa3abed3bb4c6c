"""The `exceptions` table: waivers of a metric or a scenario, approved by a person until a date.

Rows are never deleted. Revoking sets `revoked`, and the audit log records who revoked it and
when. Times are ISO 8601 text in UTC, like every time in the store.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Index, Integer, String, Table, Text

from ringfence.store._schema import metadata

exceptions = Table(
    "exceptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # 'metric' or 'scenario'.
    Column("kind", String(16), nullable=False),
    Column("metric", String()),
    # Segment the metric exception waives, as {key: value}; {} for the overall value.
    Column("segment", JSON(none_as_null=True), nullable=False),
    Column("scenario_id", String()),
    # NULL ring or target: the exception applies in every ring, or to every target.
    Column("ring", String(32)),
    Column("target", String(255)),
    Column("approver", String(), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", String(64), nullable=False),
    Column("expires_at", String(64), nullable=False),
    Column("revoked", Boolean, nullable=False),
    Index("ix_exceptions_expires_at", "expires_at"),
)
