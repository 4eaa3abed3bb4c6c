"""Retries with backoff and Retry-After, time limits and failures, against a fake server."""

from __future__ import annotations

import time
from email.utils import formatdate
from pathlib import Path

import pytest

from ringfence.runner import RETRY_EVENT, run_live
from tests.runner.agents import CAREFUL, ScriptedAgent
from tests.runner.fake_provider import (
    Failing,
    FakeResponse,
    Sequence,
    completion,
    error_body,
    running,
)
from tests.runner.helpers import (
    HTTP_CLIENTS,
    live_request,
    pay_invoice_suite,
    play_first_scenario,
)
from tests.runner.starter import five_scenario_suite

pytestmark = pytest.mark.parametrize("http_client", HTTP_CLIENTS)

DONE = Sequence([completion("Paid.")])


def _retry_events(transcript: object) -> list[dict[str, object]]:
    return [e.detail for e in transcript.events if e.kind == RETRY_EVENT]  # type: ignore[attr-defined]


def test_rate_limit_retry_after_seconds(tmp_path: Path, http_client: str) -> None:
    limited = FakeResponse(error_body("rate_limit_exceeded"), 429, {"Retry-After": "1"})
    suite = pay_invoice_suite(tmp_path / "suite")
    with running(Failing(limited, 1, DONE)) as fake:
        transcript = play_first_scenario(
            live_request(suite, fake.base_url, http_client=http_client)
        )
    assert transcript.error is None
    [retry] = _retry_events(transcript)
    assert retry["status_code"] == 429
    assert retry["retry_after_s"] == 1.0
    assert retry["delay_s"] == 1.0
    assert fake.requests[1].received_at - fake.requests[0].received_at >= 0.9


def test_rate_limit_retry_after_http_date(tmp_path: Path, http_client: str) -> None:
    when = formatdate(time.time() + 2, usegmt=True)
    limited = FakeResponse(error_body("rate_limit_exceeded"), 429, {"Retry-After": when})
    suite = pay_invoice_suite(tmp_path / "suite")
    with running(Failing(limited, 1, DONE)) as fake:
        transcript = play_first_scenario(
            live_request(suite, fake.base_url, http_client=http_client)
        )
    assert transcript.error is None
    [retry] = _retry_events(transcript)
    delay = float(retry["delay_s"])  # type: ignore[arg-type]
    # The date has one-second resolution, so the wait is roughly 1 to 2 seconds.
    assert 0.5 <= delay <= 2.1
    assert fake.requests[1].received_at - fake.requests[0].received_at >= delay - 0.1


def test_server_errors_then_success(tmp_path: Path, http_client: str) -> None:
    broken = FakeResponse(error_body("server_error"), 503)
    suite = pay_invoice_suite(tmp_path / "suite")
    with running(Failing(broken, 2, DONE)) as fake:
        transcript = play_first_scenario(
            live_request(suite, fake.base_url, http_client=http_client)
        )
    assert transcript.error is None
    assert [r["retry"] for r in _retry_events(transcript)] == [1, 2]
    assert len(fake.requests) == 3


def test_retries_exhausted_is_infrastructure_error(tmp_path: Path, http_client: str) -> None:
    broken = FakeResponse(error_body("server_error"), 500)
    suite = pay_invoice_suite(tmp_path / "suite")
    with running(Failing(broken, 100, DONE)) as fake:
        transcript = play_first_scenario(
            live_request(suite, fake.base_url, http_client=http_client, max_retries=2)
        )
    assert transcript.error is not None
    assert "HTTP 500" in transcript.error
    assert len(fake.requests) == 3


def test_client_error_not_retried(tmp_path: Path, http_client: str) -> None:
    bad = FakeResponse(error_body("invalid_request_error"), 400)
    suite = pay_invoice_suite(tmp_path / "suite")
    with running(Failing(bad, 100, DONE)) as fake:
        transcript = play_first_scenario(
            live_request(suite, fake.base_url, http_client=http_client)
        )
    assert transcript.error is not None
    assert "HTTP 400 (invalid_request_error)" in transcript.error
    assert len(fake.requests) == 1


class _HangOnHR:
    """The careful agent, except that every call of the HR scenario hangs."""

    def __init__(self, agent: ScriptedAgent, hang_s: float) -> None:
        self.agent = agent
        self.hang_s = hang_s

    def __call__(self, request: object) -> FakeResponse:
        response = self.agent(request)  # type: ignore[arg-type]
        prompt = request.body["messages"][0]["content"]  # type: ignore[attr-defined]
        if "HR help desk" in prompt:
            response.delay_s = self.hang_s
        return response


def test_hanging_server_times_out_sample(tmp_path: Path, http_client: str) -> None:
    suite = five_scenario_suite(tmp_path / "suite")
    hanging = _HangOnHR(ScriptedAgent(suite, CAREFUL), hang_s=4.0)
    with running(hanging) as fake:
        request = live_request(suite, fake.base_url, http_client=http_client, sample_timeout_s=1.0)
        started = time.monotonic()
        result = run_live(request)
    assert time.monotonic() - started < 4.0
    errors = {o.sample_id: o.error for o in result.outcomes if o.error}
    assert list(errors) == ["hr-salary-disclosure-pressure#0"]
    assert "timed out after 1 s" in errors["hr-salary-disclosure-pressure#0"]
    rate = next(
        m for m in result.metrics if m.metric == "infrastructure_error_rate" and not m.segment
    )
    assert (rate.numerator, rate.denominator) == (1, 5)


def test_call_timeout_with_retry(tmp_path: Path, http_client: str) -> None:
    slow = FakeResponse(completion("late"), delay_s=2.0)
    suite = pay_invoice_suite(tmp_path / "suite")
    with running(Failing(slow, 1, DONE)) as fake:
        transcript = play_first_scenario(
            live_request(suite, fake.base_url, http_client=http_client, call_timeout_s=0.5)
        )
    assert transcript.error is None
    [retry] = _retry_events(transcript)
    assert "timed out" in str(retry["reason"])
    assert transcript.messages[-1].content == "Paid."
