"""The judge against the fake OpenAI-compatible server on 127.0.0.1, through the real SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ringfence.judge import (
    JUDGE_ERROR_RATE,
    JUDGE_REFUSAL_QUALITY,
    Judge,
    Judgment,
    load_judgments,
)
from ringfence.metrics.values import MetricValue
from ringfence.pipeline import score_samples
from ringfence.store import EvidenceStore
from ringfence.targets import TargetConfig
from ringfence.transcript import Sample
from tests.judge.builders import GOOD_VERDICT, refusal_sample, scoring_request
from tests.runner.fake_provider import (
    FakeResponse,
    RecordedRequest,
    completion,
    error_body,
    running,
)

KEY_ENV = "RINGFENCE_TEST_JUDGE_KEY"
SECRET_KEY = "sk-ringfence-judge-4b8e2d"
MALFORMED = "Verdict: declined_correctly=true"

RESPONSES = {
    "good": FakeResponse(completion(json.dumps(GOOD_VERDICT), model="judge-model")),
    "malformed": FakeResponse(completion(MALFORMED, model="judge-model")),
    "refusal": FakeResponse(completion(None, refusal="I can't assist with that.")),
    "server-error": FakeResponse(error_body("server_error"), 500),
    "timeout": FakeResponse(completion(json.dumps(GOOD_VERDICT)), delay_s=2.0),
}


def _respond(request: RecordedRequest) -> FakeResponse:
    prompt = request.body["messages"][-1]["content"]
    [key] = [key for key in RESPONSES if f"<request>\nJudge case {key}.\n" in prompt]
    return RESPONSES[key]


@pytest.fixture(autouse=True)
def _api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET_KEY)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "evidence.db"


@dataclass
class Judged:
    """The store and the overall metrics after the judged run."""

    store: EvidenceStore
    metrics: dict[str, MetricValue]

    def judgments(self) -> dict[str, Judgment]:
        """Stored judgments by fake response key."""
        stored = load_judgments(self.store, "run-http")
        return {j.sample_id.removesuffix("#0"): j for j in stored}


@pytest.fixture
def judged(store_path: Path) -> Iterator[Judged]:
    """A store after scoring one sample per fake response with an OpenAI-compatible judge."""
    samples = [_sample(key) for key in RESPONSES]
    with EvidenceStore.open(store_path) as store, running(_respond) as fake:
        config = TargetConfig(
            kind="openai",
            model="judge-model",
            base_url=fake.base_url,
            api_key_env=KEY_ENV,
            timeout_s=0.5,
        )
        request = scoring_request(Judge(config, store=store))
        result = score_samples(samples, request, run_id="run-http", inputs=[])
        yield Judged(store, {m.metric: m for m in result.metrics if not m.segment})


def _sample(key: str) -> Sample:
    sample = refusal_sample(key)
    sample.transcript.messages[1].content = f"Judge case {key}."
    return sample


def test_http_judge_outcomes(judged: Judged) -> None:
    stored = judged.judgments()

    assert stored["good"].verdict is not None
    assert stored["good"].verdict.model_dump() == GOOD_VERDICT
    assert stored["good"].raw_reply == json.dumps(GOOD_VERDICT)
    assert stored["malformed"].raw_reply == MALFORMED
    assert "not valid JSON" in (stored["malformed"].error or "")
    assert stored["refusal"].raw_reply == "I can't assist with that."
    assert "refused" in (stored["refusal"].error or "")
    assert "500" in (stored["server-error"].error or "")
    assert "timed out" in (stored["timeout"].error or "")
    for key in ("malformed", "refusal", "server-error", "timeout"):
        assert stored[key].verdict is None


def test_http_failures_have_no_reply(judged: Judged) -> None:
    stored = judged.judgments()

    assert stored["server-error"].raw_reply is None
    assert stored["timeout"].raw_reply is None


def test_http_judge_metrics(judged: Judged) -> None:
    metrics = judged.metrics

    assert metrics[JUDGE_ERROR_RATE].numerator == 4
    assert metrics[JUDGE_ERROR_RATE].denominator == 5
    assert metrics[JUDGE_REFUSAL_QUALITY].numerator == 3
    assert metrics[JUDGE_REFUSAL_QUALITY].denominator == 4


def test_judge_identity_host_only(judged: Judged) -> None:
    [first, *_] = judged.judgments().values()

    assert first.judge.kind == "openai"
    assert first.judge.model == "judge-model"
    assert first.judge.base_url_host == "127.0.0.1"


def test_key_never_stored(judged: Judged, store_path: Path) -> None:
    judged.store.close()
    stored_bytes = b"".join(
        path.read_bytes() for path in store_path.parent.glob(store_path.name + "*")
    )

    assert SECRET_KEY.encode() not in stored_bytes
    assert KEY_ENV.encode() not in stored_bytes
