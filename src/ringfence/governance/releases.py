"""The release registry: which version of each target is live in each rollout ring.

A promotion moves the target version of a scored run into a ring. It is allowed only when the
run's stored decisions for that ring are green, or yellow with a recorded approval, and, past
the first ring, when the same version is live in the ring before (dev, staging, canary,
production). A rollback points the ring back at the release that was live before, reads the
pointer back and records whether it worked. Every promotion, approval, refusal and rollback is
a release event and an audit log entry, written in the transaction that makes the change.

This module does not gate runs or store decisions; `ringfence gate` does.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from ringfence.gate.policy import Ring
from ringfence.governance._promotion import promote_in
from ringfence.governance._release_models import (
    RING_ORDER,
    Approval,
    PromotionRefused,
    PromotionResult,
    Release,
    ReleaseEvent,
    ReleaseEventKind,
    ReleaseOutcome,
    RollbackResult,
)
from ringfence.governance._release_rows import release_from_row
from ringfence.governance._rollback import ReadBackMismatch, record_read_back_failure, rollback_in
from ringfence.metrics.values import Direction, MetricValue
from ringfence.store import EvidenceStore
from ringfence.store._release_tables import live_releases, release_events, releases

__all__ = [
    "RING_ORDER",
    "ROLLBACK_SUCCESS_RATE",
    "Approval",
    "PromotionRefused",
    "PromotionResult",
    "Release",
    "ReleaseEvent",
    "ReleaseEventKind",
    "ReleaseOutcome",
    "RollbackResult",
    "list_events",
    "list_live",
    "promote",
    "rollback",
    "rollback_success_rate",
]

logger = logging.getLogger(__name__)

ROLLBACK_SUCCESS_RATE = "rollback_success_rate"


def promote(
    store: EvidenceStore,
    run_id: str,
    ring: Ring,
    *,
    actor: str | None = None,
    approval: Approval | None = None,
) -> PromotionResult:
    """Put the target version of a scored run live in `ring`.

    `approval` is used only when the decision is yellow. Raises `PromotionRefused` (after
    recording the refusal) when the decision or the ring order does not allow the promotion,
    and `InputError` when the run is unknown or records no target.
    """
    logger.info("Promoting run %s to %s", run_id, ring.value)
    with store.writing(f"Promoting run {run_id} to {ring.value}") as conn:
        outcome = promote_in(conn, store.location, run_id, ring, approval, actor)

    if isinstance(outcome, PromotionRefused):
        logger.info("Refused to promote run %s to %s: %s", run_id, ring.value, outcome)
        raise outcome
    release = outcome.release
    logger.info(
        "Run %s: %s version %s is live in %s (release %d%s)",
        run_id,
        release.target.name,
        release.target.version,
        ring.value,
        release.release_id,
        "" if outcome.changed else ", unchanged",
    )
    return outcome


def rollback(
    store: EvidenceStore, target_name: str, ring: Ring, *, actor: str | None = None
) -> RollbackResult:
    """Point `ring` back at the release that was live before, and record the outcome.

    The pointer is read back inside the transaction that changed it. When it does not show the
    expected release, the change is rolled back and the attempt is recorded as failed. Raises
    `InputError` when the target has never been released.
    """
    logger.info("Rolling back %s in %s", target_name, ring.value)
    operation = f"Rolling back {target_name} in {ring.value}"
    try:
        with store.writing(operation) as conn:
            result = rollback_in(conn, store.location, target_name, ring, actor)
    except ReadBackMismatch as mismatch:
        with store.writing(operation) as conn:
            result = record_read_back_failure(conn, mismatch)

    event = result.event
    if result.succeeded:
        logger.info(
            "Rolled back %s in %s from version %s to %s",
            target_name,
            ring.value,
            event.from_version,
            event.to_version,
        )
    else:
        logger.warning("Rollback of %s in %s failed: %s", target_name, ring.value, event.reason)
    return result


def list_live(store: EvidenceStore, target_name: str | None = None) -> list[Release]:
    """Return the release live in each ring, by target and then in ring order."""
    query = select(releases).join(
        live_releases, live_releases.c.release_id == releases.c.release_id
    )
    if target_name is not None:
        query = query.where(releases.c.target_name == target_name)
    with store.reading("Listing live releases") as conn:
        found = [release_from_row(row) for row in conn.execute(query).mappings()]
    return sorted(found, key=lambda r: (r.target.name, RING_ORDER.index(r.ring)))


def list_events(
    store: EvidenceStore,
    target_name: str | None = None,
    kind: ReleaseEventKind | None = None,
) -> list[ReleaseEvent]:
    """Return release events, oldest first."""
    query = select(release_events).order_by(release_events.c.event_id)
    if target_name is not None:
        query = query.where(release_events.c.target_name == target_name)
    if kind is not None:
        query = query.where(release_events.c.kind == kind.value)
    with store.reading("Listing release events") as conn:
        return [ReleaseEvent.model_validate(dict(row)) for row in conn.execute(query).mappings()]


def rollback_success_rate(store: EvidenceStore, target_name: str | None = None) -> MetricValue:
    """Succeeded rollbacks / attempted rollbacks, 'no data' when none was attempted."""
    events = list_events(store, target_name, ReleaseEventKind.ROLLBACK)
    succeeded = [e for e in events if e.outcome is ReleaseOutcome.SUCCEEDED]
    return MetricValue.from_counts(
        ROLLBACK_SUCCESS_RATE,
        unit="rollback",
        direction=Direction.HIGHER_IS_BETTER,
        numerator=len(succeeded),
        denominator=len(events),
        sample_count=len(events),
        segment={"target": target_name} if target_name else None,
        # The numerator is traced to release events, since rollbacks have no samples.
        sample_ids=[f"release-event-{e.event_id}" for e in succeeded],
    )
