"""Create the tables of ringfence 0.1.0: runs, their samples and records, and the audit log.

Types are dialect-neutral, so the same steps create the tables on SQLite and PostgreSQL.
Identifiers that come from input data are `String` without a length. The `schema_info` row
marks the store as managed by Alembic (see `ringfence.store._schema.SCHEMA_VERSION`).

Revision ID: 0001_initial
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_TABLES = (
    "audit_log",
    "decisions",
    "import_issues",
    "metric_values",
    "findings",
    "samples",
    "transcripts",
    "input_files",
    "runs",
    "schema_info",
)


def _json() -> sa.JSON:
    return sa.JSON(none_as_null=True)


def _run_id() -> sa.Column[str]:
    """The `run_id` column of a table whose rows belong to a run."""
    return sa.Column("run_id", sa.String(), sa.ForeignKey("runs.run_id"), primary_key=True)


def upgrade() -> None:
    _create_schema_info()
    _create_runs()
    _create_input_files()
    _create_transcripts()
    _create_samples()
    _create_findings()
    _create_metric_values()
    _create_import_issues()
    _create_decisions()
    _create_audit_log()


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)


def _create_schema_info() -> None:
    schema_info = op.create_table(
        "schema_info",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.bulk_insert(schema_info, [{"key": "schema_version", "value": "2"}])


def _create_runs() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(), primary_key=True),
        sa.Column("ringfence_version", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(64), nullable=False),
        sa.Column("stored_at", sa.String(64), nullable=False),
        sa.Column("tool_policy_sha256", sa.String(64), nullable=False),
        sa.Column("target_name", sa.String(255)),
        sa.Column("target_version", sa.String(255)),
        sa.Column("suite_version", sa.String(255)),
        sa.Column("target", _json()),
        sa.Column("settings", _json(), nullable=False),
        sa.Column("label_metrics", _json(), nullable=False),
        sa.Column("agreement", _json(), nullable=False),
        sa.Column("decision_gate_policy_sha256", sa.String(64)),
        sa.Column("input_count", sa.Integer(), nullable=False),
        sa.Column("sample_count", sa.Integer(), nullable=False),
        sa.Column("finding_count", sa.Integer(), nullable=False),
        sa.Column("metric_count", sa.Integer(), nullable=False),
        sa.Column("import_issue_count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_runs_target", "runs", ["target_name", "suite_version", "stored_at"])


def _create_input_files() -> None:
    op.create_table(
        "input_files",
        _run_id(),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
    )


def _create_transcripts() -> None:
    op.create_table(
        "transcripts",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("compression", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def _create_samples() -> None:
    op.create_table(
        "samples",
        _run_id(),
        sa.Column("sample_id", sa.String(), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "transcript_sha256", sa.String(64), sa.ForeignKey("transcripts.sha256"), nullable=True
        ),
        sa.Column("source_path", sa.Text()),
        sa.Column("source_sha256", sa.String(64)),
        sa.Column("source_line", sa.Integer()),
        sa.Column("model", sa.String()),
        sa.Column("suite", sa.String()),
        sa.Column("task_id", sa.String()),
        sa.Column("attack", sa.String()),
        sa.Column("injection_task_id", sa.String()),
        sa.Column("scored", sa.Boolean(), nullable=False),
        sa.Column("side_effecting_calls", sa.Integer()),
        sa.Column("unauthorized_calls", sa.Integer()),
        sa.Column("attack_succeeded", sa.Boolean()),
        sa.Column("finding_count", sa.Integer()),
        sa.Column("label_attack_succeeded", sa.Boolean()),
        sa.Column("label_task_completed", sa.Boolean()),
        sa.Column("error", sa.Text()),
        sa.Column("labels", _json()),
    )
    op.create_index("ix_samples_transcript", "samples", ["transcript_sha256"])


def _create_findings() -> None:
    op.create_table(
        "findings",
        _run_id(),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("sample_id", sa.String(), nullable=False),
        sa.Column("detector", sa.String(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("message_index", sa.Integer()),
        sa.Column("tool_call_id", sa.String()),
        sa.Column("tool_name", sa.String()),
        sa.Column("action_class", sa.String()),
        sa.Column("privilege", sa.String()),
        sa.Column("argument", sa.String()),
        sa.Column("value", sa.Text()),
        sa.Column("evidence", _json(), nullable=False),
        sa.Column("injection_driven", sa.Boolean(), nullable=False),
        sa.Column("clause_id", sa.String()),
    )
    op.create_index("ix_findings_sample", "findings", ["run_id", "sample_id"])


def _create_metric_values() -> None:
    op.create_table(
        "metric_values",
        _run_id(),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("metric", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("direction", sa.String(32), nullable=False),
        sa.Column("segment", _json(), nullable=False),
        sa.Column("segment_key", sa.Text(), nullable=False),
        sa.Column("numerator", sa.Integer(), nullable=False),
        sa.Column("denominator", sa.Integer(), nullable=False),
        sa.Column("sample_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("estimate", sa.Float()),
        sa.Column("ci_low", sa.Float()),
        sa.Column("ci_high", sa.Float()),
        sa.Column("sample_ids", _json(), nullable=False),
    )
    op.create_index("ix_metric_values_metric", "metric_values", ["run_id", "metric", "segment_key"])


def _create_import_issues() -> None:
    op.create_table(
        "import_issues",
        _run_id(),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer()),
        sa.Column("sample_id", sa.String()),
        sa.Column("field", sa.String()),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("sample_skipped", sa.Boolean(), nullable=False),
    )


def _create_decisions() -> None:
    op.create_table(
        "decisions",
        _run_id(),
        sa.Column("gate_policy_sha256", sa.String(64), primary_key=True),
        sa.Column("gate_policy_name", sa.String(), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("ring", sa.String()),
        sa.Column("decision", _json(), nullable=False),
        sa.Column("created_at", sa.String(64), nullable=False),
    )


def _create_audit_log() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("created_at", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("actor", sa.String()),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
    )
