"""Rollback of one ring to its previous release, inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from ringfence.errors import InputError
from ringfence.gate.policy import Ring
from ringfence.governance._release_models import (
    Release,
    ReleaseEvent,
    ReleaseEventKind,
    ReleaseOutcome,
    RollbackResult,
)
from ringfence.governance._release_rows import (
    audit_event,
    insert_event,
    load_live,
    point_ring_at,
    release_from_row,
    utc_now,
)
from ringfence.store._release_tables import releases


@dataclass
class _RollbackPlan:
    target_name: str
    ring: Ring
    actor: str | None
    live: Release | None
    previous: Release | None


class ReadBackMismatch(Exception):
    """The ring pointer read back differs from the one written; the transaction rolls back."""

    def __init__(self, plan: _RollbackPlan, reason: str) -> None:
        super().__init__(reason)
        self.plan = plan
        self.reason = reason


def rollback_in(
    conn: Connection, location: str, target_name: str, ring: Ring, actor: str | None
) -> RollbackResult:
    """Roll the ring back inside the caller's transaction and record the outcome.

    Raises `ReadBackMismatch` when the pointer read back is not the one written, so the
    caller's transaction rolls the change back.
    """
    _require_known_target(conn, location, target_name)
    live = load_live(conn, target_name, ring, for_update=True)
    previous = _previous(conn, live)
    plan = _RollbackPlan(target_name, ring, actor, live, previous)

    failure = _rollback_failure(plan)
    if failure is not None:
        event = _record_rollback(conn, plan, ReleaseOutcome.FAILED, failure)
        return RollbackResult(event=event, live=live)

    assert previous is not None  # _rollback_failure covers a missing previous release
    point_ring_at(conn, target_name, ring, previous.release_id, utc_now())
    observed = load_live(conn, target_name, ring)
    if observed is None or observed.release_id != previous.release_id:
        raise ReadBackMismatch(plan, _mismatch_reason(previous, observed))
    event = _record_rollback(conn, plan, ReleaseOutcome.SUCCEEDED, None)
    return RollbackResult(event=event, live=observed)


def record_read_back_failure(conn: Connection, mismatch: ReadBackMismatch) -> RollbackResult:
    """Record a rollback whose read-back failed, in a new transaction after the undone one."""
    plan = mismatch.plan
    event = _record_rollback(conn, plan, ReleaseOutcome.FAILED, mismatch.reason)
    return RollbackResult(event=event, live=load_live(conn, plan.target_name, plan.ring))


def _require_known_target(conn: Connection, location: str, target_name: str) -> None:
    query = select(func.count()).where(releases.c.target_name == target_name)
    if conn.execute(query).scalar_one():
        return
    known = sorted(conn.scalars(select(releases.c.target_name).distinct()))
    listed = ", ".join(known) if known else "none yet"
    raise InputError(
        f"Target '{target_name}' has never been released in the evidence store at "
        f"{location}, so there is nothing to roll back. Released targets: {listed}."
    )


def _previous(conn: Connection, live: Release | None) -> Release | None:
    if live is None or live.previous_release_id is None:
        return None
    row = conn.execute(
        select(releases).where(releases.c.release_id == live.previous_release_id)
    ).mappings()
    found = row.first()
    return release_from_row(found) if found is not None else None


def _rollback_failure(plan: _RollbackPlan) -> str | None:
    where = f"{plan.target_name} in ring '{plan.ring.value}'"
    if plan.live is None:
        return f"nothing is live for {where}, so there is no version to roll back"
    if plan.previous is None:
        return (
            f"no previous version: release {plan.live.release_id} (version "
            f"{plan.live.target.version}) was the first promoted for {where}"
        )
    return None


def _mismatch_reason(expected: Release, observed: Release | None) -> str:
    seen = (
        f"release {observed.release_id} (version {observed.target.version})"
        if observed is not None
        else "no release"
    )
    return (
        f"the ring pointer read back after the update shows {seen}, not release "
        f"{expected.release_id} (version {expected.target.version}); the change was undone"
    )


def _record_rollback(
    conn: Connection, plan: _RollbackPlan, outcome: ReleaseOutcome, reason: str | None
) -> ReleaseEvent:
    succeeded = outcome is ReleaseOutcome.SUCCEEDED
    event = insert_event(
        conn,
        kind=ReleaseEventKind.ROLLBACK,
        outcome=outcome,
        target_name=plan.target_name,
        ring=plan.ring,
        run_id=None,
        from_release=plan.live,
        to_release=plan.previous if succeeded else None,
        to_version=plan.previous.target.version if plan.previous else None,
        reason=reason,
        actor=plan.actor,
    )
    audit_event(conn, event, {})
    return event
