"""Table definitions of the evidence store, written with SQLAlchemy Core.

Types are dialect-neutral (no SQLite-only column types), so the same tables exist on SQLite and
PostgreSQL. Identifiers that come from input data use
`String` without a length, so PostgreSQL does not reject a long id. Rows that belong to a run
carry a `position`, the index of the record in the list it came from, so a run loads back in
the order it was saved.

The Alembic migrations in `migrations/versions` create these tables. Every change here needs a
migration that makes the same change, and a test compares the two.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

SCHEMA_VERSION = 2
"""`schema_version` in `schema_info`: 2 marks a store whose layout Alembic's `alembic_version`
records. Version 1 stores come from ringfence 0.1.0, which created tables without Alembic and
refuses any other version, so it cannot write into tables that later migrations changed. Keep
it at 2; the Alembic revision, not this number, changes with the tables."""

SCHEMA_VERSION_KEY = "schema_version"

# none_as_null stores Python None as SQL NULL instead of the JSON text 'null', so
# `IS NULL` queries work on optional JSON columns.
_JSON = JSON(none_as_null=True)

metadata = MetaData()

schema_info = Table(
    "schema_info",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(), primary_key=True),
    Column("ringfence_version", String(64), nullable=False),
    Column("created_at", String(64), nullable=False),
    Column("stored_at", String(64), nullable=False),
    Column("tool_policy_sha256", String(64), nullable=False),
    Column("target_name", String(255)),
    Column("target_version", String(255)),
    Column("suite_version", String(255)),
    Column("target", _JSON),
    Column("settings", _JSON, nullable=False),
    Column("label_metrics", _JSON, nullable=False),
    Column("agreement", _JSON, nullable=False),
    # Gate policy of the decision that came inside the RunResult, if any. Decisions saved
    # later for other gate policies are only in `decisions`.
    Column("decision_gate_policy_sha256", String(64)),
    Column("input_count", Integer, nullable=False),
    Column("sample_count", Integer, nullable=False),
    Column("finding_count", Integer, nullable=False),
    Column("metric_count", Integer, nullable=False),
    Column("import_issue_count", Integer, nullable=False),
    Index("ix_runs_target", "target_name", "suite_version", "stored_at"),
)

input_files = Table(
    "input_files",
    metadata,
    Column("run_id", ForeignKey("runs.run_id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
)

transcripts = Table(
    "transcripts",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("compression", String(16), nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

samples = Table(
    "samples",
    metadata,
    Column("run_id", ForeignKey("runs.run_id"), primary_key=True),
    Column("sample_id", String(), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("transcript_sha256", ForeignKey("transcripts.sha256"), nullable=True),
    Column("source_path", Text),
    Column("source_sha256", String(64)),
    Column("source_line", Integer),
    Column("model", String()),
    Column("suite", String()),
    Column("task_id", String()),
    Column("attack", String()),
    Column("injection_task_id", String()),
    Column("scored", Boolean, nullable=False),
    Column("side_effecting_calls", Integer),
    Column("unauthorized_calls", Integer),
    Column("attack_succeeded", Boolean),
    Column("finding_count", Integer),
    Column("label_attack_succeeded", Boolean),
    Column("label_task_completed", Boolean),
    Column("error", Text),
    Column("labels", _JSON),
    Index("ix_samples_transcript", "transcript_sha256"),
)

findings = Table(
    "findings",
    metadata,
    Column("run_id", ForeignKey("runs.run_id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("sample_id", String(), nullable=False),
    Column("detector", String(), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("message_index", Integer),
    Column("tool_call_id", String()),
    Column("tool_name", String()),
    Column("action_class", String()),
    Column("privilege", String()),
    Column("argument", String()),
    Column("value", Text),
    Column("evidence", _JSON, nullable=False),
    Column("injection_driven", Boolean, nullable=False),
    Column("clause_id", String()),
    Index("ix_findings_sample", "run_id", "sample_id"),
)

metric_values = Table(
    "metric_values",
    metadata,
    Column("run_id", ForeignKey("runs.run_id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("metric", String(), nullable=False),
    Column("unit", String(), nullable=False),
    Column("direction", String(32), nullable=False),
    Column("segment", _JSON, nullable=False),
    Column("segment_key", Text, nullable=False),
    Column("numerator", Integer, nullable=False),
    Column("denominator", Integer, nullable=False),
    Column("sample_count", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("estimate", Float),
    Column("ci_low", Float),
    Column("ci_high", Float),
    Column("sample_ids", _JSON, nullable=False),
    Index("ix_metric_values_metric", "run_id", "metric", "segment_key"),
)

import_issues = Table(
    "import_issues",
    metadata,
    Column("run_id", ForeignKey("runs.run_id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("path", Text, nullable=False),
    Column("line", Integer),
    Column("sample_id", String()),
    Column("field", String()),
    Column("reason", Text, nullable=False),
    Column("sample_skipped", Boolean, nullable=False),
)

decisions = Table(
    "decisions",
    metadata,
    Column("run_id", ForeignKey("runs.run_id"), primary_key=True),
    Column("gate_policy_sha256", String(64), primary_key=True),
    # Decision.inputs_sha256(): baseline run and exceptions used. A re-gate whose baseline or
    # exceptions differ is a new decision; an identical one is not stored twice.
    Column("inputs_sha256", String(64), primary_key=True),
    Column("gate_policy_name", String(), nullable=False),
    Column("verdict", String(32), nullable=False),
    Column("ring", String()),
    Column("decision", _JSON, nullable=False),
    Column("created_at", String(64), nullable=False),
)


audit_log = Table(
    "audit_log",
    metadata,
    # Position in the hash chain, from 1. Entries are only ever appended.
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("created_at", String(64), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("subject", String(), nullable=False),
    Column("actor", String()),
    Column("payload", _JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

# Governance tables register on the same metadata, so creating the schema creates them too.
# They import `metadata` from this module, so the import has to come after it.
from ringfence.store import _exceptions_tables, _judge_tables, _release_tables  # noqa: E402, F401
