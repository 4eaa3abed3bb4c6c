"""Webhook delivery against a real HTTP server on 127.0.0.1: retries, backoff and timeouts."""

from __future__ import annotations

import logging

import httpx
import pytest
from pydantic import ValidationError

from ringfence.governance.webhook import (
    AttemptFailure,
    WebhookSettings,
    post_json,
    redact_url,
)

from ._receiver import Receiver

BODY = b'{"type": "ringfence.incident", "incident": {"incident_id": "inc-1"}}'


def _settings(url: str, **overrides: float) -> WebhookSettings:
    values: dict[str, float] = {"timeout_s": 2.0, "max_attempts": 4, "backoff_s": 0.01}
    values.update(overrides)
    return WebhookSettings(url=url, **values)  # type: ignore[arg-type]


def test_first_failures_are_retried() -> None:
    failures: list[AttemptFailure] = []
    with Receiver(fail_first=2) as receiver, httpx.Client() as client:
        report = post_json(
            client, _settings(receiver.url), BODY, delivery_id="inc-1", on_failure=failures.append
        )

    assert report.delivered
    assert report.attempts == 3
    assert len(receiver.requests) == 3
    assert [f.error for f in failures] == ["HTTP 500 Internal Server Error"] * 2
    assert receiver.requests[-1].body["incident"]["incident_id"] == "inc-1"
    assert receiver.requests[-1].headers["Idempotency-Key"] == "inc-1"
    assert receiver.requests[-1].headers["Content-Type"] == "application/json"


def test_always_failing_stops_after_max_attempts() -> None:
    with Receiver(fail_first=None, fail_status=503) as receiver, httpx.Client() as client:
        report = post_json(client, _settings(receiver.url), BODY, delivery_id="inc-1")

    assert not report.delivered
    assert report.attempts == 4
    assert len(receiver.requests) == 4
    assert report.last_error == "HTTP 503 Service Unavailable"


def test_client_error_is_not_retried() -> None:
    with Receiver(fail_first=None, fail_status=404) as receiver, httpx.Client() as client:
        report = post_json(client, _settings(receiver.url), BODY, delivery_id="inc-1")

    assert not report.delivered
    assert report.attempts == 1
    assert report.last_error == "HTTP 404 Not Found"


def test_rate_limit_is_retried() -> None:
    with Receiver(fail_first=1, fail_status=429) as receiver, httpx.Client() as client:
        report = post_json(client, _settings(receiver.url), BODY, delivery_id="inc-1")

    assert report.delivered
    assert report.attempts == 2


def test_slow_webhook_times_out() -> None:
    settings = _settings("http://127.0.0.1/", timeout_s=0.2, max_attempts=2)
    with Receiver(delay_s=1.0) as receiver, httpx.Client() as client:
        settings = settings.model_copy(update={"url": receiver.url})
        report = post_json(client, settings, BODY, delivery_id="inc-1")

    assert not report.delivered
    assert report.attempts == 2
    assert report.last_error is not None
    assert report.last_error.startswith("timed out after 0.2 s")


def test_refused_connection_is_reported() -> None:
    # Bind and close a server to get a loopback port that nothing listens on.
    with Receiver() as receiver:
        url = receiver.url
    with httpx.Client() as client:
        report = post_json(client, _settings(url, max_attempts=2), BODY, delivery_id="inc-1")

    assert not report.delivered
    assert report.attempts == 2
    assert report.last_error is not None
    assert report.last_error.startswith("ConnectError")


def test_backoff_grows_and_is_capped() -> None:
    waits: list[float] = []
    settings = _settings("http://127.0.0.1/", backoff_s=1.0, max_attempts=5)
    settings = settings.model_copy(update={"max_backoff_s": 3.0})
    with Receiver(fail_first=None) as receiver, httpx.Client() as client:
        settings = settings.model_copy(update={"url": receiver.url})
        post_json(client, settings, BODY, delivery_id="inc-1", sleep=waits.append)

    assert waits == [1.0, 2.0, 3.0, 3.0]


def test_logs_name_incident_but_not_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ringfence.governance.webhook")
    with Receiver(fail_first=1) as receiver, httpx.Client() as client:
        post_json(client, _settings(receiver.url), BODY, delivery_id="inc-42")

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "inc-42" in warnings[0]
    assert "attempt 1 of 4" in warnings[0]
    assert all("T0KEN" not in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "127.0.0.1:8080/x", "http:///path"])
def test_invalid_url_is_rejected(url: str) -> None:
    with pytest.raises(ValidationError, match="invalid webhook URL"):
        WebhookSettings(url=url)


def test_redact_url_keeps_host_only() -> None:
    assert redact_url("https://127.0.0.1:8443/hooks/T0KEN?x=1") == "https://127.0.0.1:8443/..."
    assert redact_url("http://[::1]/hooks/T0KEN") == "http://[::1]/..."
    assert redact_url("not a url") == "<unparsable URL>"
