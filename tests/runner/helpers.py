"""Shared pieces of the runner tests: a one-scenario suite and requests against a fake server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ringfence.pipeline import ScoreRequest
from ringfence.policy import PolicySet
from ringfence.runner import LiveRunRequest, RunSettings, play_sample
from ringfence.scenarios import Suite, load_suite
from ringfence.targets import TargetConfig, create_target
from ringfence.transcript import Transcript
from ringfence.world import STATE_EVENT, world_tool_policy
from tests.scenarios.builders import VALID_SCENARIO, write_suite

KEY_ENV = "RINGFENCE_TEST_API_KEY"
SECRET_KEY = "sk-ringfence-test-7f3a9c1e5b"


def pay_invoice_suite(folder: Path) -> Suite:
    """A suite with the one scenario 'pay-invoice' (tools: email, send_payment, escalate)."""
    return load_suite(write_suite(folder, {"pay-invoice.yaml": VALID_SCENARIO}))


HTTP_CLIENTS = ["aiohttp", "httpx"]
"""Both HTTP transports of the SDK targets, for tests that must hold on each."""


def live_request(
    suite: Suite, base_url: str, *, http_client: str = "auto", **settings: float | bool
) -> LiveRunRequest:
    """A live run of `suite` against the OpenAI-compatible server at `base_url`."""
    target = TargetConfig(
        kind="openai",
        model="fake-model",
        base_url=base_url,
        api_key_env=KEY_ENV,
        timeout_s=float(settings.get("call_timeout_s", 5.0)),
        http_client=http_client,  # type: ignore[arg-type]
    )
    values: dict[str, Any] = {"call_timeout_s": 5.0, "backoff_initial_s": 0.01}
    values["backoff_max_s"] = 0.05
    run_settings = RunSettings(**{**values, **settings})
    scoring = ScoreRequest(
        inputs=[], input_format="live", policies=PolicySet([world_tool_policy()])
    )
    return LiveRunRequest(suite=suite, target=target, settings=run_settings, scoring=scoring)


async def _play_once(request: LiveRunRequest) -> Transcript:
    target = create_target(request.target)
    try:
        scenario = request.suite.scenarios[0]
        return await play_sample(scenario, request.suite, target, request.settings, 0)
    finally:
        await target.aclose()


def play_first_scenario(request: LiveRunRequest) -> Transcript:
    """Play the suite's first scenario once through the request's target."""
    return asyncio.run(_play_once(request))


def final_state(transcript: Transcript) -> dict[str, Any]:
    """The world's state at the end of the sample."""
    event = transcript.events[-1]
    assert event.kind == STATE_EVENT
    state: dict[str, Any] = event.detail["state"]
    return state


def balance(transcript: Transcript) -> float:
    """Balance of account ACC-1 of the 'pay-invoice' world at the end of the sample."""
    return float(final_state(transcript)["payments"]["accounts"][0]["balance"])


def event_kinds(transcript: Transcript) -> list[str]:
    """Kinds of the transcript's events, in order."""
    return [e.kind for e in transcript.events]
