"""Tables of the release registry and its governance records: releases per ring, release
events, incidents and reviews.

They register on the evidence store's `metadata`, so `EvidenceStore.open` creates them with the
run tables, and migration 0003_releases creates the same tables on an existing database. Types
are dialect-neutral, as in `_schema`.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from ringfence.store._schema import metadata

# None is stored as SQL NULL, as in `_schema`.
_JSON = JSON(none_as_null=True)

releases = Table(
    "releases",
    metadata,
    Column("release_id", Integer, primary_key=True, autoincrement=True),
    Column("target_name", String(255), nullable=False),
    Column("ring", String(32), nullable=False),
    Column("target_version", String(255), nullable=False),
    # The whole TargetVersion: models, system prompt hashes and tool set fingerprint.
    Column("target", _JSON, nullable=False),
    Column("run_id", ForeignKey("runs.run_id"), nullable=False),
    # The decision that qualified the release:
    # decisions(run_id, gate_policy_sha256, inputs_sha256).
    Column("gate_policy_sha256", String(64), nullable=False),
    Column("decision_inputs_sha256", String(64), nullable=False),
    Column("verdict", String(32), nullable=False),
    Column("approver", String()),
    Column("approval_reason", Text),
    Column("promoted_at", String(64), nullable=False),
    Column("actor", String()),
    # The release that was live in the same ring before this one; rollback returns to it.
    Column("previous_release_id", ForeignKey("releases.release_id")),
    Index("ix_releases_target_ring", "target_name", "ring", "release_id"),
)

live_releases = Table(
    "live_releases",
    metadata,
    Column("target_name", String(255), primary_key=True),
    Column("ring", String(32), primary_key=True),
    Column("release_id", ForeignKey("releases.release_id"), nullable=False),
    Column("updated_at", String(64), nullable=False),
)

release_events = Table(
    "release_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("target_name", String(255), nullable=False),
    Column("ring", String(32), nullable=False),
    Column("run_id", String()),
    Column("from_release_id", Integer),
    Column("to_release_id", Integer),
    Column("from_version", String(255)),
    Column("to_version", String(255)),
    Column("reason", Text),
    Column("actor", String()),
    Column("created_at", String(64), nullable=False),
    Index("ix_release_events_kind", "kind", "target_name", "ring"),
)

incidents = Table(
    "incidents",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("run_id", ForeignKey("runs.run_id"), nullable=False),
    Column("gate_policy_sha256", String(64), nullable=False),
    Column("decision_inputs_sha256", String(64), nullable=False),
    Column("ring", String(32), nullable=False),
    Column("target_name", String(255)),
    Column("created_at", String(64), nullable=False),
    # The Incident record without its delivery status, exactly as sent to a webhook.
    Column("record", _JSON, nullable=False),
    Column("delivery_state", String(16), nullable=False),
    Column("delivery_attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("delivered_at", String(64)),
    Column("updated_at", String(64), nullable=False),
    Index("ix_incidents_state", "delivery_state", "created_at"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("review_id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(), nullable=False),
    Column("sample_id", String(), nullable=False),
    # findings.position of the finding the review is about; NULL for the whole sample.
    Column("finding_position", Integer),
    Column("label", String(16)),
    Column("comment", Text),
    Column("reason", Text, nullable=False),
    Column("author", String(), nullable=False),
    Column("created_at", String(64), nullable=False),
    ForeignKeyConstraint(["run_id", "sample_id"], ["samples.run_id", "samples.sample_id"]),
    Index("ix_reviews_sample", "run_id", "sample_id"),
)
