"""Resuming a run plays again the staged samples that ended with an infrastructure error."""

from __future__ import annotations

from pathlib import Path

from ringfence.runner import plan_run, run_live
from ringfence.store import EvidenceStore
from ringfence.store._live_samples import LiveStaging
from ringfence.transcript import Transcript
from tests.runner.agents import CAREFUL, ScriptedAgent
from tests.runner.fake_provider import RecordedRequest, running
from tests.runner.helpers import live_request
from tests.runner.starter import five_scenario_suite

HR_SAMPLE = "hr-salary-disclosure-pressure#0"


def _failed_hr_transcript(request_text: str) -> Transcript:
    """A staged-looking transcript of the HR sample that ended with an infrastructure error."""
    return Transcript.model_validate(
        {
            "sample_id": HR_SAMPLE,
            "messages": [
                {"index": 0, "role": "user", "content": request_text, "provenance": "user"}
            ],
            "error": "OpenAI-compatible API returned HTTP 503 (server_error)",
        }
    )


def _hr_starts(requests: list[RecordedRequest]) -> int:
    return sum(
        1
        for r in requests
        if "HR help desk" in r.body["messages"][0]["content"]
        and not any(m.get("role") == "assistant" for m in r.body["messages"])
    )


def _resume(tmp_path: Path, retry_errors: bool) -> tuple[dict[str, str | None], int]:
    suite = five_scenario_suite(tmp_path / "suite")
    store = EvidenceStore.open(tmp_path / "evidence.sqlite")
    agent = ScriptedAgent(suite, CAREFUL)
    with running(agent) as fake:
        request = live_request(suite, fake.base_url, retry_errors=retry_errors)
        plan = plan_run(request)
        position = next(p.position for p in plan.samples if p.sample_id == HR_SAMPLE)
        assert LiveStaging(store, plan.run_id).stage(_failed_hr_transcript("hi"), position)
        result = run_live(request, store)
        starts = _hr_starts(fake.requests)
    assert len(result.outcomes) == 5
    assert LiveStaging(store, plan.run_id).staged() == []
    return {o.sample_id: o.error for o in result.outcomes}, starts


def test_errored_sample_is_played_again(tmp_path: Path) -> None:
    errors, starts = _resume(tmp_path, retry_errors=True)
    assert starts == 1
    assert all(error is None for error in errors.values())


def test_errored_sample_is_kept_when_asked(tmp_path: Path) -> None:
    errors, starts = _resume(tmp_path, retry_errors=False)
    assert starts == 0
    assert errors[HR_SAMPLE] == "OpenAI-compatible API returned HTTP 503 (server_error)"
    assert [sample for sample, error in errors.items() if error] == [HR_SAMPLE]
