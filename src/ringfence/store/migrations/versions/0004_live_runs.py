"""Create the live runner's staging table `live_samples` (see `ringfence.store._live_tables`).

Types are dialect-neutral, so the same steps create the table on SQLite and PostgreSQL.

Revision ID: 0004_live_runs
Revises: 0003_releases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_live_runs"
down_revision: str | None = "0003_releases"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "live_samples",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("sample_id", sa.String(), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "transcript_sha256",
            sa.String(64),
            sa.ForeignKey("transcripts.sha256"),
            nullable=False,
        ),
        sa.Column("error", sa.Text()),
        sa.Column("staged_at", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("live_samples")
