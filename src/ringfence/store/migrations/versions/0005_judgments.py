"""Create the LLM judge's table `judgments` (see `ringfence.store._judge_tables`).

Types are dialect-neutral, so the same steps create the table on SQLite and PostgreSQL.

Revision ID: 0005_judgments
Revises: 0004_live_runs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_judgments"
down_revision: str | None = "0004_live_runs"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "judgments",
        sa.Column("judgment_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("sample_id", sa.String(), nullable=False),
        sa.Column("criterion_set", sa.String(64), nullable=False),
        sa.Column("judge_kind", sa.String(64), nullable=False),
        sa.Column("judge_model", sa.String()),
        sa.Column("judge_host", sa.String()),
        sa.Column("prompt_version", sa.String(64), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("raw_reply", sa.Text()),
        sa.Column("verdict", sa.JSON()),
        sa.Column("error", sa.Text()),
        sa.Column("started_at", sa.String(64), nullable=False),
        sa.Column("finished_at", sa.String(64), nullable=False),
    )
    op.create_index("ix_judgments_sample", "judgments", ["run_id", "sample_id"])


def downgrade() -> None:
    op.drop_index("ix_judgments_sample", table_name="judgments")
    op.drop_table("judgments")
