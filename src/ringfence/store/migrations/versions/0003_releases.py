"""Create the release registry tables: releases, live_releases, release_events, incidents and
reviews (the tables of `ringfence.store._release_tables`).

Types are dialect-neutral, so the same steps create the tables on SQLite and PostgreSQL.

Revision ID: 0003_releases
Revises: 0002_exceptions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_releases"
down_revision: str | None = "0002_exceptions"
branch_labels: str | None = None
depends_on: str | None = None

# In the order `downgrade` drops them: tables that reference others first.
_TABLES = ("reviews", "incidents", "release_events", "live_releases", "releases")


def _json() -> sa.JSON:
    return sa.JSON(none_as_null=True)


def upgrade() -> None:
    _create_releases()
    _create_live_releases()
    _create_release_events()
    _create_incidents()
    _create_reviews()


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)


def _create_releases() -> None:
    op.create_table(
        "releases",
        sa.Column("release_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("target_name", sa.String(255), nullable=False),
        sa.Column("ring", sa.String(32), nullable=False),
        sa.Column("target_version", sa.String(255), nullable=False),
        sa.Column("target", _json(), nullable=False),
        sa.Column("run_id", sa.String(), sa.ForeignKey("runs.run_id"), nullable=False),
        sa.Column("gate_policy_sha256", sa.String(64), nullable=False),
        sa.Column("decision_inputs_sha256", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("approver", sa.String()),
        sa.Column("approval_reason", sa.Text()),
        sa.Column("promoted_at", sa.String(64), nullable=False),
        sa.Column("actor", sa.String()),
        sa.Column("previous_release_id", sa.Integer(), sa.ForeignKey("releases.release_id")),
    )
    op.create_index("ix_releases_target_ring", "releases", ["target_name", "ring", "release_id"])


def _create_live_releases() -> None:
    op.create_table(
        "live_releases",
        sa.Column("target_name", sa.String(255), primary_key=True),
        sa.Column("ring", sa.String(32), primary_key=True),
        sa.Column("release_id", sa.Integer(), sa.ForeignKey("releases.release_id"), nullable=False),
        sa.Column("updated_at", sa.String(64), nullable=False),
    )


def _create_release_events() -> None:
    op.create_table(
        "release_events",
        sa.Column("event_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("target_name", sa.String(255), nullable=False),
        sa.Column("ring", sa.String(32), nullable=False),
        sa.Column("run_id", sa.String()),
        sa.Column("from_release_id", sa.Integer()),
        sa.Column("to_release_id", sa.Integer()),
        sa.Column("from_version", sa.String(255)),
        sa.Column("to_version", sa.String(255)),
        sa.Column("reason", sa.Text()),
        sa.Column("actor", sa.String()),
        sa.Column("created_at", sa.String(64), nullable=False),
    )
    op.create_index("ix_release_events_kind", "release_events", ["kind", "target_name", "ring"])


def _create_incidents() -> None:
    op.create_table(
        "incidents",
        sa.Column("incident_id", sa.String(64), primary_key=True),
        sa.Column("run_id", sa.String(), sa.ForeignKey("runs.run_id"), nullable=False),
        sa.Column("gate_policy_sha256", sa.String(64), nullable=False),
        sa.Column("decision_inputs_sha256", sa.String(64), nullable=False),
        sa.Column("ring", sa.String(32), nullable=False),
        sa.Column("target_name", sa.String(255)),
        sa.Column("created_at", sa.String(64), nullable=False),
        sa.Column("record", _json(), nullable=False),
        sa.Column("delivery_state", sa.String(16), nullable=False),
        sa.Column("delivery_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("delivered_at", sa.String(64)),
        sa.Column("updated_at", sa.String(64), nullable=False),
    )
    op.create_index("ix_incidents_state", "incidents", ["delivery_state", "created_at"])


def _create_reviews() -> None:
    op.create_table(
        "reviews",
        sa.Column("review_id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("sample_id", sa.String(), nullable=False),
        sa.Column("finding_position", sa.Integer()),
        sa.Column("label", sa.String(16)),
        sa.Column("comment", sa.Text()),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["run_id", "sample_id"], ["samples.run_id", "samples.sample_id"]),
    )
    op.create_index("ix_reviews_sample", "reviews", ["run_id", "sample_id"])
