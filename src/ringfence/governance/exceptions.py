"""Exceptions: a person's approval to waive a failing metric check or a scenario until a date.

A metric exception waives the failing (red or yellow) threshold and regression checks of one
metric in one segment, or of its overall value when it names no segment. A scenario exception
removes one sample's hits from the numerators of the metric values that count it, and the gate
then judges those values again (`ringfence.governance._waivers` has the exact rule). Neither
kind can waive a check that could not be evaluated, nor missing coverage: no exception turns
missing evidence into a pass.

An exception applies until `expires_at` (exclusive), in its ring and for its target, where an
empty ring or target means any. Expired exceptions never apply. A decision
lists the expired exceptions that would have waived one of its failing checks, for the audit
after release. Each addition and revocation is appended to the audit log in the transaction
that writes it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, select, update

from ringfence.errors import InputError
from ringfence.gate.decision import ExceptionUse
from ringfence.gate.policy import SEGMENT_KEYS, Ring
from ringfence.metrics.registry import METRIC_DIRECTIONS
from ringfence.store import EvidenceStore, append_entry
from ringfence.store._exceptions_tables import exceptions as exceptions_table

logger = logging.getLogger(__name__)

EXPIRY_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M")
"""Accepted forms of an expiry time, read as UTC."""


class ExceptionKind(StrEnum):
    """Kind of exception: the check it waives."""

    METRIC = "metric"
    SCENARIO = "scenario"


class ExceptionStatus(StrEnum):
    """Whether an exception applies at a given time."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class ExceptionRequest(BaseModel):
    """A new exception, as a person requests it."""

    model_config = ConfigDict(extra="forbid")

    kind: ExceptionKind = Field(description="'metric' or 'scenario'.")
    metric: str | None = Field(default=None, description="Metric whose checks it waives.")
    segment: dict[str, str] = Field(
        default_factory=dict,
        description="Segment of the waived metric value, one key; empty for the overall value.",
    )
    scenario_id: str | None = Field(
        default=None, description="Sample id whose hits a scenario exception removes."
    )
    ring: Ring | None = Field(default=None, description="Ring it applies in; None: every ring.")
    target: str | None = Field(
        default=None, description="Target name it applies to; None: every target."
    )
    approver: str = Field(min_length=1, description="Who approved it.")
    reason: str = Field(min_length=1, description="Why it was approved.")
    expires_at: datetime = Field(description="Time (UTC) from which it no longer applies.")

    @model_validator(mode="after")
    def _check_kind_fields(self) -> ExceptionRequest:
        if self.kind is ExceptionKind.METRIC:
            _check_metric_fields(self.metric, self.segment, self.scenario_id)
        elif self.scenario_id is None or self.metric is not None or self.segment:
            raise ValueError("a scenario exception needs a scenario id and no metric or segment")
        if self.expires_at.tzinfo is None:
            raise ValueError("expires_at needs a time zone; give the time in UTC")
        return self


class GateException(ExceptionRequest):
    """A stored exception."""

    id: int = Field(description="Exception id, assigned by the store.")
    created_at: datetime = Field(description="Time (UTC) it was added.")
    revoked: bool = Field(default=False, description="True once someone revoked it.")

    def status(self, now: datetime) -> ExceptionStatus:
        """Return whether the exception applies at `now`."""
        if self.revoked:
            return ExceptionStatus.REVOKED
        return ExceptionStatus.ACTIVE if now < self.expires_at else ExceptionStatus.EXPIRED

    def in_scope(self, ring: str | None, target: str | None) -> bool:
        """True when the exception covers this ring and target."""
        ring_ok = self.ring is None or self.ring.value == ring
        target_ok = self.target is None or self.target == target
        return ring_ok and target_ok

    def describe(self) -> str:
        """Return what it waives, for example 'prompt_resistance_rate [model=m]'."""
        if self.kind is ExceptionKind.SCENARIO:
            return f"scenario {self.scenario_id}"
        segment = ", ".join(f"{k}={v}" for k, v in self.segment.items())
        return f"{self.metric} [{segment or 'overall'}]"

    def approval(self) -> str:
        """Return '(approved by NAME: "REASON", expires TIME)' for gate reasons."""
        return (
            f'(approved by {self.approver}: "{self.reason}", expires '
            f"{format_time(self.expires_at)})"
        )

    def to_use(self, checks: Sequence[str]) -> ExceptionUse:
        """Return the record a decision keeps of this exception."""
        return ExceptionUse(
            id=self.id,
            kind=self.kind.value,
            metric=self.metric,
            segment=dict(self.segment),
            scenario_id=self.scenario_id,
            approver=self.approver,
            reason=self.reason,
            expires_at=format_time(self.expires_at),
            checks=list(checks),
        )


def parse_expiry(text: str) -> datetime:
    """Read 'YYYY-MM-DD' (00:00 UTC that day) or 'YYYY-MM-DDTHH:MM' (UTC) as a UTC time."""
    for layout in EXPIRY_FORMATS:
        try:
            return datetime.strptime(text, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise InputError(
        f"invalid expiry time '{text}': expected YYYY-MM-DD or YYYY-MM-DDTHH:MM in UTC, "
        "for example 2025-07-01 or 2025-07-01T12:00."
    )


def format_time(moment: datetime) -> str:
    """Return a time as ISO 8601 in UTC with seconds, the form the store keeps."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def add_exception(
    store: EvidenceStore, request: ExceptionRequest, *, now: datetime | None = None
) -> GateException:
    """Store a new exception and append it to the audit log, in one transaction.

    Raises InputError when it expires at or before `now` (default: the current time).
    """
    created = now or datetime.now(UTC)
    if request.expires_at <= created:
        raise InputError(
            f"the exception would expire at {format_time(request.expires_at)}, which is not "
            f"after now ({format_time(created)}). Give a later expiry time."
        )
    row = _row(request, created)
    with store.writing("Adding an exception") as conn:
        key = conn.execute(exceptions_table.insert(), row).inserted_primary_key
        if key is None:
            raise RuntimeError("the database returned no id for the new exception")
        stored = _from_row({**row, "id": int(key[0])})
        _audit(conn, stored, action="added", actor=stored.approver)
    logger.info("Added exception %d for %s", stored.id, stored.describe())
    return stored


def revoke_exception(
    store: EvidenceStore, exception_id: int, *, revoked_by: str, reason: str
) -> GateException:
    """Mark an exception revoked and append that to the audit log, in one transaction.

    Raises InputError when there is no such exception or it is already revoked.
    """
    with store.writing(f"Revoking exception {exception_id}") as conn:
        found = _load_one(conn, exception_id)
        if found is None:
            raise InputError(
                f"exception {exception_id} is not in the evidence store at {store.location}. "
                "List the exceptions with 'ringfence exception list --all'."
            )
        if found.revoked:
            raise InputError(f"exception {exception_id} is already revoked.")
        statement = (
            update(exceptions_table)
            .where(exceptions_table.c.id == exception_id)
            .values(revoked=True)
        )
        conn.execute(statement)
        found.revoked = True
        _audit(conn, found, action="revoked", actor=revoked_by, note=reason)
    logger.info("Revoked exception %d", exception_id)
    return found


def load_exceptions(store: EvidenceStore) -> list[GateException]:
    """Return every stored exception, revoked and expired ones included, oldest first."""
    with store.reading("Reading exceptions") as conn:
        rows = conn.execute(select(exceptions_table).order_by(exceptions_table.c.id))
        return [_from_row(dict(row)) for row in rows.mappings()]


def list_exceptions(
    store: EvidenceStore, *, statuses: Sequence[ExceptionStatus], now: datetime | None = None
) -> list[GateException]:
    """Return the stored exceptions whose status at `now` is one of `statuses`."""
    moment = now or datetime.now(UTC)
    return [e for e in load_exceptions(store) if e.status(moment) in statuses]


def _check_metric_fields(
    metric: str | None, segment: dict[str, str], scenario_id: str | None
) -> None:
    if metric is None or scenario_id is not None:
        raise ValueError("a metric exception needs a metric and no scenario id")
    if metric not in METRIC_DIRECTIONS:
        known = ", ".join(sorted(METRIC_DIRECTIONS))
        raise ValueError(f"unknown metric '{metric}'; known metrics: {known}")
    if len(segment) > 1:
        raise ValueError("give at most one segment key=value; a gate check has one segment key")
    for key in segment:
        if key not in SEGMENT_KEYS:
            raise ValueError(f"unknown segment '{key}'; known segments: {', '.join(SEGMENT_KEYS)}")


def _row(request: ExceptionRequest, created: datetime) -> dict[str, Any]:
    return {
        "kind": request.kind.value,
        "metric": request.metric,
        "segment": dict(request.segment),
        "scenario_id": request.scenario_id,
        "ring": request.ring.value if request.ring else None,
        "target": request.target,
        "approver": request.approver,
        "reason": request.reason,
        "created_at": format_time(created),
        "expires_at": format_time(request.expires_at),
        "revoked": False,
    }


def _from_row(row: Mapping[str, Any]) -> GateException:
    values = dict(row)
    values["created_at"] = datetime.fromisoformat(values["created_at"])
    values["expires_at"] = datetime.fromisoformat(values["expires_at"])
    return GateException.model_validate(values)


def load_exception(conn: Connection, exception_id: int) -> GateException | None:
    """Return one stored exception inside the caller's transaction, or None."""
    return _load_one(conn, exception_id)


def _load_one(conn: Connection, exception_id: int) -> GateException | None:
    query = select(exceptions_table).where(exceptions_table.c.id == exception_id)
    row = conn.execute(query).mappings().first()
    return _from_row(dict(row)) if row is not None else None


def _audit(
    conn: Connection, exception: GateException, *, action: str, actor: str, note: str | None = None
) -> None:
    payload: dict[str, Any] = {"action": action, **exception.model_dump(mode="json")}
    if note is not None:
        payload["note"] = note
    append_entry(
        conn, kind="exception", subject=f"exception {exception.id}", payload=payload, actor=actor
    )
