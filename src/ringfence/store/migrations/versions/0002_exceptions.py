"""Add the `exceptions` table, and key decisions by their baseline and exceptions too.

A decision now also depends on the baseline run it was compared with and the exceptions it
used, so `decisions` gets `inputs_sha256` (`Decision.inputs_sha256()`) as a third primary key
column. Decisions stored before this revision had neither, so they get the fingerprint of empty
inputs. The primary key is named `decisions_pkey`, PostgreSQL's name for the key that
revision 0001_initial created, and the naming convention gives SQLite's unnamed key the same
name, so the same steps run on both databases (SQLite rebuilds the table in batch mode).

Revision ID: 0002_exceptions
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_exceptions"
down_revision: str | None = "0001_initial"
branch_labels: str | None = None
depends_on: str | None = None

EMPTY_INPUTS_SHA256 = "1c8cff089d98b8f691c6eeed5b1feb8bc7cc16cdcb8a3fc7c7e784a1f68aae0b"
"""`Decision.inputs_sha256()` of a decision without baseline or exceptions, fixed here because
a migration must not change when the code it once matched changes."""

_PRIMARY_KEY = "decisions_pkey"
_NAMING = {"pk": "%(table_name)s_pkey"}
_OLD_KEY = ["run_id", "gate_policy_sha256"]
_NEW_KEY = ["run_id", "gate_policy_sha256", "inputs_sha256"]


def upgrade() -> None:
    _create_exceptions()
    _key_decisions_by_inputs()


def downgrade() -> None:
    _key_decisions_by_policy()
    op.drop_index("ix_exceptions_expires_at", table_name="exceptions")
    op.drop_table("exceptions")


def _create_exceptions() -> None:
    op.create_table(
        "exceptions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("metric", sa.String()),
        sa.Column("segment", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("scenario_id", sa.String()),
        sa.Column("ring", sa.String(32)),
        sa.Column("target", sa.String(255)),
        sa.Column("approver", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.String(64), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_exceptions_expires_at", "exceptions", ["expires_at"])


def _key_decisions_by_inputs() -> None:
    # The server default fills the rows that exist; the second step drops it, because every
    # new row names its inputs.
    with op.batch_alter_table("decisions", naming_convention=_NAMING) as batch:
        batch.add_column(
            sa.Column(
                "inputs_sha256",
                sa.String(64),
                nullable=False,
                server_default=EMPTY_INPUTS_SHA256,
            )
        )
        batch.drop_constraint(_PRIMARY_KEY, type_="primary")
        batch.create_primary_key(_PRIMARY_KEY, _NEW_KEY)
    with op.batch_alter_table("decisions") as batch:
        batch.alter_column("inputs_sha256", existing_type=sa.String(64), server_default=None)


def _key_decisions_by_policy() -> None:
    # The old key allows one decision per run and policy, so keep the oldest of each pair:
    # the decision stored with the run, as `load_result` reads it.
    op.execute(
        "DELETE FROM decisions WHERE EXISTS ("
        " SELECT 1 FROM decisions AS older"
        " WHERE older.run_id = decisions.run_id"
        " AND older.gate_policy_sha256 = decisions.gate_policy_sha256"
        " AND (older.created_at < decisions.created_at"
        " OR (older.created_at = decisions.created_at"
        " AND older.inputs_sha256 < decisions.inputs_sha256)))"
    )
    with op.batch_alter_table("decisions", naming_convention=_NAMING) as batch:
        batch.drop_constraint(_PRIMARY_KEY, type_="primary")
        batch.drop_column("inputs_sha256")
        batch.create_primary_key(_PRIMARY_KEY, _OLD_KEY)
