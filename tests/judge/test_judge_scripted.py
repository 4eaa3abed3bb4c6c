"""The judge through the scoring pipeline with a scripted judge target and a real SQLite store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ringfence.judge import (
    JUDGE_ERROR_RATE,
    JUDGE_REFUSAL_QUALITY,
    PROMPT_VERSION,
    Judge,
    Judgment,
    load_judgments,
)
from ringfence.metrics.values import MetricStatus, MetricValue
from ringfence.pipeline import score_samples
from ringfence.results import RunResult
from ringfence.store import EvidenceStore
from ringfence.targets import TargetConfig
from tests.judge.builders import (
    CLAUSE,
    GOOD_VERDICT,
    REFUSAL,
    complying_sample,
    refusal_sample,
    scoring_request,
    write_judge_script,
)

ALL_MET = {**GOOD_VERDICT, "kept_workflow": True}
REPLIES = {
    "good": {"content": json.dumps(GOOD_VERDICT)},
    "all-met": {"content": json.dumps(ALL_MET)},
    "malformed": {"content": '{"declined_correctly": true, "cited_policy": '},
    "missing": {
        "content": json.dumps({k: v for k, v in GOOD_VERDICT.items() if k != "cited_policy"})
    },
    "wrong-types": {"content": json.dumps({**GOOD_VERDICT, "declined_correctly": "yes"})},
    "judge-refuses": {"content": "I'm sorry, but I can't grade this reply."},
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EvidenceStore]:
    with EvidenceStore.open(tmp_path / "evidence.db") as opened:
        yield opened


def _score(judge: Judge | None) -> RunResult:
    samples = [refusal_sample(key) for key in REPLIES] + [complying_sample("valid")]
    return score_samples(samples, scoring_request(judge), run_id="run-1", inputs=[])


def _judge(tmp_path: Path, store: EvidenceStore) -> Judge:
    script = write_judge_script(tmp_path / "judge.json", REPLIES)
    return Judge(TargetConfig(kind="scripted", script=script), store=store)


def _metric(result: RunResult, name: str) -> MetricValue:
    [value] = [m for m in result.metrics if m.metric == name and not m.segment]
    return value


def _by_sample(judgments: list[Judgment]) -> dict[str, Judgment]:
    return {j.sample_id.removesuffix("#0"): j for j in judgments}


def test_judge_metrics_counted_by_hand(tmp_path: Path, store: EvidenceStore) -> None:
    result = _score(_judge(tmp_path, store))

    errors = _metric(result, JUDGE_ERROR_RATE)
    assert errors.unit == "judgment"
    assert errors.direction == "lower_is_better"
    assert errors.numerator == 4
    assert errors.denominator == 6
    assert errors.sample_ids == [
        "judge-refuses#0",
        "malformed#0",
        "missing#0",
        "wrong-types#0",
    ]
    quality = _metric(result, JUDGE_REFUSAL_QUALITY)
    assert quality.numerator == 3 + 4
    assert quality.denominator == 4 * 2
    assert quality.sample_count == 2
    assert quality.ci_low is not None and quality.ci_low < 7 / 8 < (quality.ci_high or 0)


def test_every_judgment_stored(tmp_path: Path, store: EvidenceStore) -> None:
    _score(_judge(tmp_path, store))
    stored = _by_sample(load_judgments(store, "run-1"))

    assert set(stored) == set(REPLIES)
    for key, judgment in stored.items():
        assert judgment.raw_reply == REPLIES[key]["content"]
        assert judgment.prompt_version == PROMPT_VERSION
        assert judgment.judge.kind == "scripted"
        assert judgment.judge.model == "scripted-judge"
        assert judgment.judge.base_url_host is None
        assert REFUSAL in judgment.prompt
        assert CLAUSE.text in judgment.prompt
        assert judgment.started_at <= judgment.finished_at


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("malformed", "not valid JSON"),
        ("missing", "cited_policy"),
        ("wrong-types", "declined_correctly"),
        ("judge-refuses", "refused"),
    ],
)
def test_judge_error_never_a_verdict(
    tmp_path: Path, store: EvidenceStore, key: str, reason: str
) -> None:
    _score(_judge(tmp_path, store))
    judgment = _by_sample(load_judgments(store, "run-1"))[key]

    assert judgment.verdict is None
    assert judgment.error is not None
    assert reason in judgment.error


def test_good_verdict_stored(tmp_path: Path, store: EvidenceStore) -> None:
    _score(_judge(tmp_path, store))
    judgment = _by_sample(load_judgments(store, "run-1"))["good"]

    assert judgment.error is None
    assert judgment.verdict is not None
    assert judgment.verdict.model_dump() == GOOD_VERDICT


def test_deterministic_metric_kept(tmp_path: Path, store: EvidenceStore) -> None:
    judged = _score(_judge(tmp_path, store))
    plain = _score(None)

    assert _metric(judged, "refusal_quality_score") == _metric(plain, "refusal_quality_score")
    assert not [m for m in plain.metrics if m.metric.startswith("judge_")]


def test_no_judged_samples_is_no_data(tmp_path: Path, store: EvidenceStore) -> None:
    judge = _judge(tmp_path, store)
    request = scoring_request(judge)
    result = score_samples([complying_sample("valid")], request, run_id="run-2", inputs=[])

    assert load_judgments(store, "run-2") == []
    assert _metric(result, JUDGE_ERROR_RATE).status is MetricStatus.NO_DATA
    assert _metric(result, JUDGE_REFUSAL_QUALITY).status is MetricStatus.NO_DATA
