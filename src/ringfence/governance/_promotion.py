"""Promotion rules and the writes of one promotion, inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from ringfence.errors import InputError
from ringfence.gate.decision import VERDICT_ORDER, Decision, Verdict
from ringfence.gate.policy import Ring
from ringfence.governance._release_models import (
    Approval,
    PromotionRefused,
    PromotionResult,
    Release,
    ReleaseEventKind,
    ReleaseOutcome,
)
from ringfence.governance._release_rows import (
    audit_event,
    audit_subject,
    insert_event,
    insert_returning_id,
    load_live,
    point_ring_at,
    release_from_row,
    ring_before,
    same_version,
    utc_now,
)
from ringfence.governance.exceptions import load_exception
from ringfence.results import TargetVersion
from ringfence.store import append_entry
from ringfence.store._release_tables import releases
from ringfence.store._schema import decisions, runs

_REASONS_SHOWN = 3


def promote_in(
    conn: Connection,
    location: str,
    run_id: str,
    ring: Ring,
    approval: Approval | None,
    actor: str | None,
) -> PromotionResult | PromotionRefused:
    """Promote inside the caller's transaction, or record a refusal and return it unraised.

    The caller raises the refusal after its transaction commits, so the refusal stays recorded.
    """
    candidate = _load_candidate(conn, location, run_id, ring)
    refusal = _refusal(conn, candidate, approval)
    if refusal is not None:
        _record_refused(conn, candidate, refusal, actor)
        return PromotionRefused(refusal)
    return _apply_promotion(conn, candidate, approval, actor)


@dataclass
class _Candidate:
    """A run to promote, with what the rules need to judge it."""

    run_id: str
    ring: Ring
    target: TargetVersion
    decision: Decision | None
    live: Release | None
    live_in_ring_before: Release | None


def _load_candidate(conn: Connection, location: str, run_id: str, ring: Ring) -> _Candidate:
    row = conn.execute(select(runs.c.target).where(runs.c.run_id == run_id)).first()
    if row is None:
        raise InputError(
            f"Run {run_id} is not in the evidence store at {location}. "
            "List the stored runs with 'ringfence runs'."
        )
    if row.target is None:
        raise InputError(
            f"Run {run_id} records no target version, so it cannot be released. Score the "
            "input again with --target NAME (and --target-version VERSION) and promote that run."
        )
    target = TargetVersion.model_validate(row.target)
    before = ring_before(ring)
    return _Candidate(
        run_id=run_id,
        ring=ring,
        target=target,
        decision=_ruling_decision(conn, run_id, ring),
        live=load_live(conn, target.name, ring, for_update=True),
        live_in_ring_before=load_live(conn, target.name, before) if before else None,
    )


def _ruling_decision(conn: Connection, run_id: str, ring: Ring) -> Decision | None:
    """Return the decision that rules the promotion: the worst of each policy's latest one.

    A run gated by several policies for one ring must pass all of them. Under one policy only
    the latest decision counts, because a later gate can add a baseline or an exception.
    """
    query = (
        select(decisions.c.gate_policy_sha256, decisions.c.decision)
        .where(decisions.c.run_id == run_id, decisions.c.ring == ring.value)
        .order_by(decisions.c.created_at)
    )
    latest: dict[str, Decision] = {}
    for row in conn.execute(query):
        latest[row.gate_policy_sha256] = Decision.model_validate(row.decision)
    if not latest:
        return None
    return max(latest.values(), key=lambda decision: VERDICT_ORDER[decision.verdict])


def _refusal(conn: Connection, candidate: _Candidate, approval: Approval | None) -> str | None:
    """Why the rules do not allow the promotion, or None when they do."""
    decision_problem = _decision_refusal(candidate, approval)
    if decision_problem is not None:
        return decision_problem
    waiver_problem = _lapsed_exception_refusal(conn, candidate)
    if waiver_problem is not None:
        return waiver_problem
    return _ring_order_refusal(candidate) or _ring_before_refusal(conn, candidate)


def _lapsed_exception_refusal(conn: Connection, candidate: _Candidate) -> str | None:
    """Refuse when the decision rests on an exception that was revoked or has expired since.

    A decision is only as good as its waivers: once one lapses, the run must be gated again.
    """
    decision = candidate.decision
    if decision is None or not decision.exceptions_used:
        return None
    now = datetime.now(UTC)
    for use in decision.exceptions_used:
        found = load_exception(conn, use.id)
        status = found.status(now) if found is not None else None
        if status is None or status.value != "active":
            state = "deleted" if status is None else status.value
            return (
                f"the decision for run {candidate.run_id} in ring '{candidate.ring.value}' rests "
                f"on exception {use.id}, which is {state} now. Gate the run again: "
                "ringfence gate ... --gate-policy FILE"
            )
    return None


def _ring_before_refusal(conn: Connection, candidate: _Candidate) -> str | None:
    """Refuse when this run's latest decision in the ring before is no longer passing.

    Being live in the ring before is not enough if a later gate there turned red.
    """
    before = ring_before(candidate.ring)
    if before is None:
        return None
    decision = _ruling_decision(conn, candidate.run_id, before)
    if decision is None or decision.verdict in (Verdict.GREEN, Verdict.YELLOW):
        return None
    return (
        f"run {candidate.run_id}'s latest decision in ring '{before.value}' is "
        f"{decision.verdict.value}; a run cannot move on while the ring before fails it"
    )


def _decision_refusal(candidate: _Candidate, approval: Approval | None) -> str | None:
    run, ring = candidate.run_id, candidate.ring.value
    decision = candidate.decision
    if decision is None:
        return (
            f"run {run} has no stored decision for ring '{ring}'. Gate it with a gate policy "
            f"whose 'ring' is {ring}: ringfence gate ... --gate-policy FILE"
        )
    verdict = decision.verdict
    if verdict is Verdict.GREEN:
        return None
    if verdict is Verdict.YELLOW and approval is not None:
        return None
    reasons = "; ".join(decision.reasons[:_REASONS_SHOWN]) or "no reason recorded"
    if verdict is Verdict.YELLOW:
        return (
            f"the decision for run {run} in ring '{ring}' is yellow ({reasons}). To promote "
            "it anyway, pass --approve-yellow --approver NAME --reason TEXT"
        )
    return (
        f"the decision for run {run} in ring '{ring}' is {verdict.value} ({reasons}); only "
        "green, or yellow with an approval, can be promoted"
    )


def _ring_order_refusal(candidate: _Candidate) -> str | None:
    before = ring_before(candidate.ring)
    if before is None:
        return None
    live_before = candidate.live_in_ring_before
    if live_before is not None and same_version(live_before.target, candidate.target):
        return None
    target = candidate.target
    in_ring_before = (
        f"version {live_before.target.version} is live there"
        if live_before is not None
        else "nothing is live there"
    )
    return (
        f"version {target.version} of {target.name} is not live in ring '{before.value}' "
        f"({in_ring_before}). Promote a run of this version to {before.value} first"
    )


def _apply_promotion(
    conn: Connection, candidate: _Candidate, approval: Approval | None, actor: str | None
) -> PromotionResult:
    live = candidate.live
    if live is not None and same_version(live.target, candidate.target):
        return PromotionResult(release=live, changed=False)

    decision = candidate.decision
    assert decision is not None  # _decision_refusal refuses a run without one
    used_approval = approval if decision.verdict is Verdict.YELLOW else None
    now = utc_now()
    release = _insert_release(conn, candidate, decision, used_approval, actor, now)
    point_ring_at(conn, candidate.target.name, candidate.ring, release.release_id, now)
    event = insert_event(
        conn,
        kind=ReleaseEventKind.PROMOTION,
        outcome=ReleaseOutcome.SUCCEEDED,
        target_name=candidate.target.name,
        ring=candidate.ring,
        run_id=candidate.run_id,
        from_release=live,
        to_release=release,
        to_version=candidate.target.version,
        reason=used_approval.reason if used_approval else None,
        actor=actor,
    )
    if used_approval is not None:
        _audit_approval(conn, candidate, decision, used_approval)
    audit_event(conn, event, {"release": release.model_dump(mode="json")})
    return PromotionResult(release=release, changed=True, approval=used_approval)


def _insert_release(
    conn: Connection,
    candidate: _Candidate,
    decision: Decision,
    approval: Approval | None,
    actor: str | None,
    now: str,
) -> Release:
    values: dict[str, Any] = {
        "target_name": candidate.target.name,
        "ring": candidate.ring.value,
        "target_version": candidate.target.version,
        "target": candidate.target.model_dump(mode="json"),
        "run_id": candidate.run_id,
        "gate_policy_sha256": decision.gate_policy_sha256,
        "decision_inputs_sha256": decision.inputs_sha256(),
        "verdict": decision.verdict.value,
        "approver": approval.approver if approval else None,
        "approval_reason": approval.reason if approval else None,
        "promoted_at": now,
        "actor": actor,
        "previous_release_id": candidate.live.release_id if candidate.live else None,
    }
    release_id = insert_returning_id(conn, releases.insert().values(values))
    return release_from_row({**values, "release_id": release_id})


def _record_refused(
    conn: Connection, candidate: _Candidate, reason: str, actor: str | None
) -> None:
    event = insert_event(
        conn,
        kind=ReleaseEventKind.PROMOTION,
        outcome=ReleaseOutcome.REFUSED,
        target_name=candidate.target.name,
        ring=candidate.ring,
        run_id=candidate.run_id,
        from_release=candidate.live,
        to_release=None,
        to_version=candidate.target.version,
        reason=reason,
        actor=actor,
    )
    audit_event(conn, event, {})


def _audit_approval(
    conn: Connection, candidate: _Candidate, decision: Decision, approval: Approval
) -> None:
    payload = {
        "run_id": candidate.run_id,
        "ring": candidate.ring.value,
        "target": candidate.target.model_dump(mode="json"),
        "verdict": decision.verdict.value,
        "gate_policy_sha256": decision.gate_policy_sha256,
        "reasons": decision.reasons,
        "approver": approval.approver,
        "reason": approval.reason,
    }
    subject = audit_subject(candidate.target.name, candidate.ring)
    append_entry(conn, kind="approval", subject=subject, payload=payload, actor=approval.approver)
