"""Exceptions in the evidence store: adding, listing, revoking, and the audit log entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from ringfence.errors import InputError
from ringfence.gate.policy import Ring
from ringfence.governance import (
    ExceptionKind,
    ExceptionRequest,
    ExceptionStatus,
    add_exception,
    list_exceptions,
    load_exceptions,
    parse_expiry,
    revoke_exception,
)
from ringfence.store import EvidenceStore, read_entries, verify_chain

from .gate_builders import LATER, NOW


def _request(**fields: Any) -> ExceptionRequest:
    values: dict[str, Any] = {
        "kind": ExceptionKind.METRIC,
        "metric": "prompt_resistance_rate",
        "segment": {"model": "gpt-4o"},
        "ring": Ring.STAGING,
        "target": "support-agent",
        "approver": "alice",
        "reason": "known flaky retrieval tool",
        "expires_at": LATER,
    }
    values.update(fields)
    return ExceptionRequest.model_validate(values)


def test_add_stores_and_audits(store: EvidenceStore) -> None:
    added = add_exception(store, _request(), now=NOW)

    assert added.id == 1
    assert added.created_at == NOW
    assert added.expires_at == LATER
    assert load_exceptions(store) == [added]
    with store.reading("test") as conn:
        entries = read_entries(conn)
    assert verify_chain(entries) is None
    (entry,) = entries
    assert (entry.kind, entry.subject, entry.actor) == ("exception", "exception 1", "alice")
    assert entry.payload["action"] == "added"
    assert entry.payload["metric"] == "prompt_resistance_rate"
    assert entry.payload["expires_at"] == "2025-07-01T12:00:00Z"


def test_add_rejects_past_expiry(store: EvidenceStore) -> None:
    with pytest.raises(InputError, match="which is not after now"):
        add_exception(store, _request(expires_at=NOW), now=NOW)
    assert load_exceptions(store) == []


def test_status_follows_the_clock(store: EvidenceStore) -> None:
    added = add_exception(store, _request(), now=NOW)
    assert added.status(LATER - timedelta(seconds=1)) is ExceptionStatus.ACTIVE
    assert added.status(LATER) is ExceptionStatus.EXPIRED
    active = list_exceptions(store, statuses=[ExceptionStatus.ACTIVE], now=NOW)
    expired = list_exceptions(store, statuses=[ExceptionStatus.EXPIRED], now=LATER)
    assert [e.id for e in active] == [1]
    assert [e.id for e in expired] == [1]


def test_revoke_marks_and_audits(store: EvidenceStore) -> None:
    add_exception(store, _request(), now=NOW)
    revoked = revoke_exception(store, 1, revoked_by="bob", reason="fixed upstream")

    assert revoked.revoked
    assert revoked.status(NOW) is ExceptionStatus.REVOKED
    with store.reading("test") as conn:
        entries = read_entries(conn)
    assert entries[-1].actor == "bob"
    assert entries[-1].payload["action"] == "revoked"
    assert entries[-1].payload["note"] == "fixed upstream"
    with pytest.raises(InputError, match="already revoked"):
        revoke_exception(store, 1, revoked_by="bob", reason="again")
    with pytest.raises(InputError, match="exception 9 is not in the evidence store"):
        revoke_exception(store, 9, revoked_by="bob", reason="x")


def test_scenario_exception_round_trip(store: EvidenceStore) -> None:
    request = _request(
        kind=ExceptionKind.SCENARIO, metric=None, segment={}, scenario_id="s7", ring=None
    )
    added = add_exception(store, request, now=NOW)
    assert added.describe() == "scenario s7"
    assert added.in_scope("production", "support-agent")
    assert not added.in_scope("production", "billing-agent")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"metric": None}, "a metric exception needs a metric"),
        ({"metric": "prompt_resistence_rate"}, "unknown metric 'prompt_resistence_rate'"),
        ({"segment": {"model": "a", "suite": "b"}}, "at most one segment"),
        ({"segment": {"modle": "a"}}, "unknown segment 'modle'"),
        ({"kind": ExceptionKind.SCENARIO}, "a scenario exception needs a scenario id"),
        ({"approver": ""}, "at least 1 character"),
        ({"expires_at": datetime(2025, 7, 1)}, "needs a time zone"),
    ],
)
def test_invalid_request(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _request(**fields)


def test_parse_expiry_forms() -> None:
    assert parse_expiry("2025-07-01") == datetime(2025, 7, 1, tzinfo=UTC)
    assert parse_expiry("2025-07-01T12:30") == datetime(2025, 7, 1, 12, 30, tzinfo=UTC)
    with pytest.raises(InputError, match="expected YYYY-MM-DD or YYYY-MM-DDTHH:MM in UTC"):
        parse_expiry("01/07/2025")
