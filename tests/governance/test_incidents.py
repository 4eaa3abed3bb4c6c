"""Incident records: which decisions open one, what they hold, and delivery to a real webhook."""

from __future__ import annotations

import httpx
import pytest

from ringfence.detectors.findings import Severity
from ringfence.gate.decision import Verdict
from ringfence.governance.incidents import (
    MAX_FINDING_REFS,
    MAX_SAMPLE_IDS,
    DeliveryState,
    build_incident,
    deliver_incidents,
    list_incidents,
    open_incident,
)
from ringfence.governance.webhook import WebhookSettings
from ringfence.store import EvidenceStore, read_entries
from tests.store.builders import make_finding, make_result, make_sample

from ._receiver import Receiver
from .release_builders import decision, save_run


def _red_run(store: EvidenceStore, run_id: str = "run-red", ring: str = "staging"):  # type: ignore[no-untyped-def]
    result = save_run(store, run_id)
    result.decision = decision(ring, Verdict.RED)
    assert store.save_decision(run_id, result.decision)
    return result


def _settings(url: str, **overrides: float) -> WebhookSettings:
    values: dict[str, float] = {"timeout_s": 2.0, "max_attempts": 3, "backoff_s": 0.01}
    values.update(overrides)
    return WebhookSettings(url=url, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("ring", ["staging", "canary", "production"])
def test_red_decision_past_dev_opens_incident(ring: str) -> None:
    result = make_result([make_sample(0)], run_id="run-1")
    result.decision = decision(ring, Verdict.RED)

    incident = build_incident(result)

    assert incident is not None
    assert incident.ring == ring
    assert incident.run_id == "run-1"
    assert incident.reasons == result.decision.reasons
    assert [m.metric for m in incident.failing_metrics] == ["unauthorized_action_rate"]
    failing = incident.failing_metrics[0]
    assert (failing.numerator, failing.denominator) == (1, 6)
    assert failing.estimate == 0.5
    assert failing.sample_ids == [make_sample(0).transcript.sample_id]
    assert incident.findings[0].position == 0
    assert incident.finding_count == 1


@pytest.mark.parametrize(
    ("ring", "verdict"),
    [("dev", Verdict.RED), (None, Verdict.RED), ("production", Verdict.YELLOW)],
)
def test_other_decisions_open_no_incident(ring: str | None, verdict: Verdict) -> None:
    result = make_result([make_sample(0)])
    result.decision = decision("production", verdict).model_copy(update={"ring": ring})

    assert build_incident(result) is None


def test_evidence_is_capped_and_ranked() -> None:
    samples = [make_sample(index) for index in range(MAX_FINDING_REFS + 10)]
    result = make_result(samples)
    result.findings[7] = result.findings[7].model_copy(update={"severity": Severity.CRITICAL})
    result.decision = decision("production", Verdict.RED)

    incident = build_incident(result)

    assert incident is not None
    assert incident.finding_count == len(samples)
    assert len(incident.findings) == MAX_FINDING_REFS
    assert incident.findings[0].position == 7
    assert incident.findings[0].severity is Severity.CRITICAL
    failing = incident.failing_metrics[0]
    assert len(failing.sample_ids) == MAX_SAMPLE_IDS
    assert failing.sample_id_count == len(samples)


def test_incident_is_stored_once_and_audited(store: EvidenceStore) -> None:
    result = _red_run(store)

    first = open_incident(store, result)
    again = open_incident(store, result)

    assert first is not None
    assert again is not None
    assert again.incident.incident_id == first.incident.incident_id
    assert first.delivery.state is DeliveryState.PENDING
    assert first.delivery.attempts == 0
    assert len(list_incidents(store)) == 1
    with store.reading("test") as conn:
        kinds = [entry.kind for entry in read_entries(conn)]
    assert kinds.count("incident") == 1


def test_delivery_retries_until_accepted(store: EvidenceStore) -> None:
    result = _red_run(store)
    open_incident(store, result)

    with Receiver(fail_first=2) as receiver:
        sent = deliver_incidents(store, _settings(receiver.url))

    assert [item.delivery.state for item in sent] == [DeliveryState.DELIVERED]
    assert sent[0].delivery.attempts == 3
    assert sent[0].delivery.delivered_at is not None
    body = receiver.requests[-1].body
    assert body["type"] == "ringfence.incident"
    assert body["incident"]["incident_id"] == sent[0].incident.incident_id
    assert body["incident"]["failing_metrics"][0]["metric"] == "unauthorized_action_rate"
    assert list_incidents(store, undelivered_only=True) == []


def test_failing_webhook_keeps_record(store: EvidenceStore) -> None:
    result = _red_run(store)
    open_incident(store, result)

    with Receiver(fail_first=None, fail_status=502) as receiver:
        sent = deliver_incidents(store, _settings(receiver.url))
        assert len(receiver.requests) == 3

    stored = list_incidents(store, undelivered_only=True)
    assert [item.delivery.state for item in sent] == [DeliveryState.FAILED]
    assert len(stored) == 1
    assert stored[0].delivery.state is DeliveryState.FAILED
    assert stored[0].delivery.attempts == 3
    assert stored[0].delivery.last_error == "HTTP 502 Bad Gateway"
    assert stored[0].incident == sent[0].incident


def test_resend_delivers_failed_record(store: EvidenceStore) -> None:
    open_incident(store, _red_run(store))
    with Receiver(fail_first=None) as receiver:
        deliver_incidents(store, _settings(receiver.url))

    with Receiver() as receiver:
        sent = deliver_incidents(store, _settings(receiver.url))

    assert sent[0].delivery.state is DeliveryState.DELIVERED
    assert sent[0].delivery.attempts == 4
    with Receiver() as receiver:
        assert deliver_incidents(store, _settings(receiver.url)) == []
        assert receiver.requests == []


def test_timeout_counts_as_failed_attempt(store: EvidenceStore) -> None:
    open_incident(store, _red_run(store))

    with Receiver(delay_s=1.0) as receiver:
        sent = deliver_incidents(store, _settings(receiver.url, timeout_s=0.2, max_attempts=2))

    delivery = sent[0].delivery
    assert delivery.state is DeliveryState.FAILED
    assert delivery.attempts == 2
    assert delivery.last_error is not None
    assert delivery.last_error.startswith("timed out after 0.2 s")


def test_delivery_of_one_run_only(store: EvidenceStore) -> None:
    open_incident(store, _red_run(store, "run-1"))
    open_incident(store, _red_run(store, "run-2", ring="production"))

    with Receiver() as receiver, httpx.Client() as client:
        sent = deliver_incidents(store, _settings(receiver.url), run_id="run-2", client=client)

    assert [item.incident.run_id for item in sent] == ["run-2"]
    assert [item.incident.run_id for item in list_incidents(store, undelivered_only=True)] == [
        "run-1"
    ]


def test_finding_refs_point_at_stored_findings(store: EvidenceStore) -> None:
    result = _red_run(store)

    stored = open_incident(store, result)

    assert stored is not None
    for ref in stored.incident.findings:
        finding = store.findings_for(result.run_id)[ref.position]
        assert finding.sample_id == ref.sample_id
        assert finding == make_finding(make_sample(ref.position))
