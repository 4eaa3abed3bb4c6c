"""Reading and writing release rows, ring pointers and release events, inside a caller's
transaction, and the audit entries that go with them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Insert, RowMapping, select, update

from ringfence.gate.policy import Ring
from ringfence.governance._release_models import (
    RING_ORDER,
    Release,
    ReleaseEvent,
    ReleaseEventKind,
    ReleaseOutcome,
)
from ringfence.results import TargetVersion
from ringfence.store import append_entry
from ringfence.store._release_tables import live_releases, release_events, releases


def insert_event(
    conn: Connection,
    *,
    kind: ReleaseEventKind,
    outcome: ReleaseOutcome,
    target_name: str,
    ring: Ring,
    run_id: str | None,
    from_release: Release | None,
    to_release: Release | None,
    to_version: str | None,
    reason: str | None,
    actor: str | None,
) -> ReleaseEvent:
    values: dict[str, Any] = {
        "kind": kind.value,
        "outcome": outcome.value,
        "target_name": target_name,
        "ring": ring.value,
        "run_id": run_id,
        "from_release_id": from_release.release_id if from_release else None,
        "to_release_id": to_release.release_id if to_release else None,
        "from_version": from_release.target.version if from_release else None,
        "to_version": to_version,
        "reason": reason,
        "actor": actor,
        "created_at": utc_now(),
    }
    event_id = insert_returning_id(conn, release_events.insert().values(values))
    return ReleaseEvent.model_validate({**values, "event_id": event_id})


def insert_returning_id(conn: Connection, statement: Insert) -> int:
    """Execute an insert into a table with an integer key and return the new row's key."""
    key = conn.execute(statement).inserted_primary_key
    if key is None or key[0] is None:
        raise RuntimeError(f"the database returned no key for the row inserted by {statement}")
    return int(key[0])


def audit_event(conn: Connection, event: ReleaseEvent, extra: dict[str, Any]) -> None:
    payload = {**event.model_dump(mode="json"), **extra}
    append_entry(
        conn,
        kind=event.kind.value,
        subject=audit_subject(event.target_name, event.ring),
        payload=payload,
        actor=event.actor,
    )


def load_live(
    conn: Connection, target_name: str, ring: Ring, *, for_update: bool = False
) -> Release | None:
    query = (
        select(releases)
        .join(live_releases, live_releases.c.release_id == releases.c.release_id)
        .where(live_releases.c.target_name == target_name, live_releases.c.ring == ring.value)
    )
    if for_update:
        # Serializes concurrent promotions and rollbacks of one ring on PostgreSQL. SQLite
        # has no row locks and serializes every writer with its database lock instead.
        query = query.with_for_update(of=live_releases)
    row = conn.execute(query).mappings().first()
    return release_from_row(row) if row is not None else None


def release_from_row(row: RowMapping | dict[str, Any]) -> Release:
    fields = {name: row[name] for name in Release.model_fields}
    return Release.model_validate(fields)


def ring_before(ring: Ring) -> Ring | None:
    index = RING_ORDER.index(ring)
    return RING_ORDER[index - 1] if index > 0 else None


def same_version(a: TargetVersion, b: TargetVersion) -> bool:
    """True when both name the same version built from the same models, prompts and tools."""
    return a.model_dump() == b.model_dump()


def audit_subject(target_name: str, ring: Ring) -> str:
    return f"{target_name}@{ring.value}"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def point_ring_at(
    conn: Connection, target_name: str, ring: Ring, release_id: int, now: str
) -> None:
    where = (live_releases.c.target_name == target_name, live_releases.c.ring == ring.value)
    changed = conn.execute(
        update(live_releases).where(*where).values(release_id=release_id, updated_at=now)
    )
    if changed.rowcount == 0:
        row = {
            "target_name": target_name,
            "ring": ring.value,
            "release_id": release_id,
            "updated_at": now,
        }
        conn.execute(live_releases.insert().values(row))
