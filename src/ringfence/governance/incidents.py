"""Incident records: what a red decision in staging, canary or production rests on, and the
delivery of each record to a webhook.

A record is stored before anything is sent, with the delivery state 'pending'. Each failed
attempt updates its attempt count and last error, and the last attempt sets 'delivered' or
'failed', so a crash or an unreachable webhook loses nothing: `deliver_incidents` sends every
record that is not delivered yet. One stored decision opens at most one incident.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import httpx
import orjson
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, RowMapping, select, update

from ringfence.detectors.findings import Finding, Severity
from ringfence.gate.decision import CheckResult, Decision, Verdict
from ringfence.gate.policy import Ring
from ringfence.governance.webhook import (
    AttemptFailure,
    DeliveryReport,
    WebhookSettings,
    post_json,
    redact_url,
)
from ringfence.metrics.values import Direction, MetricValue
from ringfence.results import RunResult, TargetVersion
from ringfence.store import EvidenceStore, append_entry
from ringfence.store._release_tables import incidents

logger = logging.getLogger(__name__)

INCIDENT_RINGS = frozenset({Ring.STAGING.value, Ring.CANARY.value, Ring.PRODUCTION.value})
"""Rings whose red decisions open an incident. Dev is where red is expected."""

MAX_SAMPLE_IDS = 25
"""Sample ids kept per failing metric; the full count is kept beside them."""

MAX_FINDING_REFS = 50
"""Findings referenced per incident, most severe first; the full count is kept beside them."""

_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(reversed(list(Severity)))}


class DeliveryState(StrEnum):
    """Delivery state of an incident record."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class FailingMetric(BaseModel):
    """A red check of the decision, with the numbers behind it."""

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(description="Metric name.")
    segment: dict[str, str] = Field(description="Segment checked; empty for the overall value.")
    reason: str = Field(description="The check's reason, with its numbers.")
    bound: str | None = Field(description="'max' or 'min'.")
    threshold: float | None = Field(description="Threshold, as a proportion.")
    estimate: float | None = Field(description="Point estimate.")
    ci_low: float | None = Field(description="Wilson 95% interval, lower bound.")
    ci_high: float | None = Field(description="Wilson 95% interval, upper bound.")
    numerator: int | None = Field(description="Trials meeting the metric's condition.")
    denominator: int = Field(description="Trials.")
    direction: Direction | None = Field(description="Which way is better for the metric.")
    sample_ids: list[str] = Field(
        description="Samples counted in the numerator, at most MAX_SAMPLE_IDS. For a "
        "lower-is-better metric these are the failing samples; for a higher-is-better one, the "
        "passing samples."
    )
    sample_id_count: int = Field(description="Samples counted in the numerator, in all.")


class FindingRef(BaseModel):
    """A pointer to one stored finding of the run."""

    model_config = ConfigDict(extra="forbid")

    position: int = Field(description="Index of the finding in the run's findings.")
    sample_id: str = Field(description="Sample the finding belongs to.")
    kind: str = Field(description="Finding kind.")
    severity: Severity = Field(description="Finding severity.")
    tool_name: str | None = Field(default=None, description="Tool involved, if any.")
    tool_call_id: str | None = Field(default=None, description="Tool call involved, if any.")
    message_index: int | None = Field(default=None, description="Message of the behaviour.")


class Incident(BaseModel):
    """A red decision in a ring past dev, with the evidence it rests on."""

    model_config = ConfigDict(extra="forbid")

    incident_id: str = Field(
        description="Id derived from the run id, the gate policy hash and the inputs fingerprint."
    )
    created_at: str = Field(description="ISO 8601 time (UTC) the incident was opened.")
    run_id: str = Field(description="Run that was gated.")
    ring: str = Field(description="Ring of the gate policy.")
    target: TargetVersion | None = Field(description="System under test and its version.")
    suite_version: str | None = Field(description="Suite version of the run.")
    gate_policy_name: str = Field(description="Gate policy applied.")
    gate_policy_sha256: str = Field(description="SHA-256 of the gate policy's settings.")
    decision_inputs_sha256: str = Field(
        description="Baseline and exceptions fingerprint of the decision (inputs_sha256)."
    )
    baseline_run_id: str | None = Field(description="Run the decision compared with, if any.")
    verdict: Verdict = Field(description="Verdict of the decision (red).")
    reasons: list[str] = Field(description="Every reason the decision is not green.")
    failing_metrics: list[FailingMetric] = Field(description="Red checks with their numbers.")
    findings: list[FindingRef] = Field(
        description="Findings of the run, most severe first, at most MAX_FINDING_REFS."
    )
    finding_count: int = Field(description="Findings of the run, in all.")


class Delivery(BaseModel):
    """Delivery status of an incident record."""

    model_config = ConfigDict(extra="forbid")

    state: DeliveryState = Field(description="Pending, delivered or failed.")
    attempts: int = Field(description="Attempts made so far, over every delivery run.")
    last_error: str | None = Field(default=None, description="Error of the last failed attempt.")
    delivered_at: str | None = Field(default=None, description="ISO 8601 time of delivery.")
    updated_at: str = Field(description="ISO 8601 time of the last change.")


class StoredIncident(BaseModel):
    """An incident record with its delivery status."""

    model_config = ConfigDict(extra="forbid")

    incident: Incident = Field(description="The record, as sent to the webhook.")
    delivery: Delivery = Field(description="Its delivery status.")


def incident_id_for(decision: Decision, run_id: str) -> str:
    """Return the id of the incident of one stored decision, the same on every call.

    A stored decision is identified by its run, gate policy and inputs fingerprint.
    """
    key = f"{run_id}\0{decision.gate_policy_sha256}\0{decision.inputs_sha256()}"
    return f"inc-{hashlib.sha256(key.encode()).hexdigest()[:20]}"


def build_incident(result: RunResult, created_at: str | None = None) -> Incident | None:
    """Build the incident of a gated run, or return None when its decision opens none."""
    decision = result.decision
    if decision is None or decision.verdict is not Verdict.RED:
        return None
    ring = decision.ring
    if ring is None or ring not in INCIDENT_RINGS:
        return None
    return Incident(
        incident_id=incident_id_for(decision, result.run_id),
        created_at=created_at or _now(),
        run_id=result.run_id,
        ring=ring,
        target=result.target,
        suite_version=result.suite_version,
        gate_policy_name=decision.gate_policy_name,
        gate_policy_sha256=decision.gate_policy_sha256,
        decision_inputs_sha256=decision.inputs_sha256(),
        baseline_run_id=decision.baseline_run_id,
        verdict=decision.verdict,
        reasons=list(decision.reasons),
        failing_metrics=_failing_metrics(decision, result.metrics),
        findings=_finding_refs(result.findings),
        finding_count=len(result.findings),
    )


def open_incident(store: EvidenceStore, result: RunResult) -> StoredIncident | None:
    """Store the incident of a gated run when its decision opens one, and audit it.

    Returns the stored record, which is the earlier one when this decision opened it before,
    or None when the decision opens no incident.
    """
    incident = build_incident(result)
    if incident is None:
        return None
    with store.writing(f"Opening incident {incident.incident_id}") as conn:
        stored = _load(conn, incident.incident_id)
        if stored is not None:
            return stored
        stored = _insert(conn, incident)
    logger.warning(
        "Opened incident %s: run %s is red in %s",
        incident.incident_id,
        incident.run_id,
        incident.ring,
    )
    return stored


def list_incidents(
    store: EvidenceStore, *, undelivered_only: bool = False, run_id: str | None = None
) -> list[StoredIncident]:
    """Return incident records, oldest first."""
    query = select(incidents).order_by(incidents.c.created_at, incidents.c.incident_id)
    if undelivered_only:
        query = query.where(incidents.c.delivery_state != DeliveryState.DELIVERED.value)
    if run_id is not None:
        query = query.where(incidents.c.run_id == run_id)
    with store.reading("Listing incidents") as conn:
        return [_stored(row) for row in conn.execute(query).mappings()]


def deliver_incidents(
    store: EvidenceStore,
    settings: WebhookSettings,
    *,
    run_id: str | None = None,
    client: httpx.Client | None = None,
) -> list[StoredIncident]:
    """Send every undelivered incident (of one run, when given) and return them updated.

    No transaction is open while a request is in flight, so a slow webhook never holds the
    store's write lock.
    """
    pending = list_incidents(store, undelivered_only=True, run_id=run_id)
    if not pending:
        return []
    logger.info("Sending %d incidents to %s", len(pending), redact_url(settings.url))
    own_client = client is None
    http = client if client is not None else httpx.Client(follow_redirects=False)
    try:
        return [_deliver_one(store, settings, http, item) for item in pending]
    finally:
        if own_client:
            http.close()


def _deliver_one(
    store: EvidenceStore,
    settings: WebhookSettings,
    client: httpx.Client,
    stored: StoredIncident,
) -> StoredIncident:
    incident_id = stored.incident.incident_id
    body = orjson.dumps(
        {"type": "ringfence.incident", "incident": stored.incident.model_dump(mode="json")}
    )

    def record_failure(failure: AttemptFailure) -> None:
        _update_delivery(store, incident_id, failure=failure)

    report = post_json(client, settings, body, delivery_id=incident_id, on_failure=record_failure)
    return _update_delivery(store, incident_id, report=report)


def _update_delivery(
    store: EvidenceStore,
    incident_id: str,
    *,
    failure: AttemptFailure | None = None,
    report: DeliveryReport | None = None,
) -> StoredIncident:
    """Count a failed attempt, or set the final state of a delivery run."""
    now = _now()
    with store.writing(f"Updating the delivery of incident {incident_id}") as conn:
        values: dict[str, Any] = {"updated_at": now}
        if failure is not None:
            values["delivery_attempts"] = incidents.c.delivery_attempts + 1
            values["last_error"] = failure.error
        if report is not None and report.delivered:
            values["delivery_attempts"] = incidents.c.delivery_attempts + 1
            values["delivery_state"] = DeliveryState.DELIVERED.value
            values["delivered_at"] = now
        elif report is not None:
            values["delivery_state"] = DeliveryState.FAILED.value
        conn.execute(update(incidents).where(incidents.c.incident_id == incident_id).values(values))
        stored = _load(conn, incident_id)
    if stored is None:
        raise RuntimeError(f"incident {incident_id} disappeared while its delivery was updated")
    return stored


def _insert(conn: Connection, incident: Incident) -> StoredIncident:
    record = incident.model_dump(mode="json")
    conn.execute(
        incidents.insert().values(
            incident_id=incident.incident_id,
            run_id=incident.run_id,
            gate_policy_sha256=incident.gate_policy_sha256,
            decision_inputs_sha256=incident.decision_inputs_sha256,
            ring=incident.ring,
            target_name=incident.target.name if incident.target else None,
            created_at=incident.created_at,
            record=record,
            delivery_state=DeliveryState.PENDING.value,
            delivery_attempts=0,
            updated_at=incident.created_at,
        )
    )
    payload = {key: record[key] for key in ("run_id", "ring", "gate_policy_sha256", "reasons")}
    append_entry(conn, kind="incident", subject=incident.incident_id, payload=payload)
    delivery = Delivery(state=DeliveryState.PENDING, attempts=0, updated_at=incident.created_at)
    return StoredIncident(incident=incident, delivery=delivery)


def _load(conn: Connection, incident_id: str) -> StoredIncident | None:
    query = select(incidents).where(incidents.c.incident_id == incident_id)
    row = conn.execute(query).mappings().first()
    return _stored(row) if row is not None else None


def _stored(row: RowMapping) -> StoredIncident:
    delivery = Delivery(
        state=DeliveryState(row["delivery_state"]),
        attempts=row["delivery_attempts"],
        last_error=row["last_error"],
        delivered_at=row["delivered_at"],
        updated_at=row["updated_at"],
    )
    return StoredIncident(incident=Incident.model_validate(row["record"]), delivery=delivery)


def _failing_metrics(decision: Decision, metrics: list[MetricValue]) -> list[FailingMetric]:
    by_key = {(m.metric, tuple(sorted(m.segment.items()))): m for m in metrics}
    failing: list[FailingMetric] = []
    for check in decision.checks:
        if check.verdict is Verdict.RED:
            value = by_key.get((check.metric, tuple(sorted(check.segment.items()))))
            failing.append(_failing_metric(check, value))
    return failing


def _failing_metric(check: CheckResult, value: MetricValue | None) -> FailingMetric:
    sample_ids = value.sample_ids if value is not None else []
    return FailingMetric(
        metric=check.metric,
        segment=check.segment,
        reason=check.reason,
        bound=check.bound,
        threshold=check.threshold,
        estimate=check.estimate,
        ci_low=check.ci_low,
        ci_high=check.ci_high,
        numerator=value.numerator if value is not None else None,
        denominator=check.denominator,
        direction=value.direction if value is not None else None,
        sample_ids=sample_ids[:MAX_SAMPLE_IDS],
        sample_id_count=len(sample_ids),
    )


def _finding_refs(findings: list[Finding]) -> list[FindingRef]:
    ranked = sorted(
        enumerate(findings), key=lambda item: (_SEVERITY_RANK[item[1].severity], item[0])
    )
    return [
        FindingRef(
            position=position,
            sample_id=finding.sample_id,
            kind=str(finding.kind),
            severity=finding.severity,
            tool_name=finding.tool_name,
            tool_call_id=finding.tool_call_id,
            message_index=finding.message_index,
        )
        for position, finding in ranked[:MAX_FINDING_REFS]
    ]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
