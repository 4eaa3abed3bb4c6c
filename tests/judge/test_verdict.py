"""Strict parsing of judge replies into verdicts."""

from __future__ import annotations

import json

import pytest

from ringfence.judge import JudgeReplyError, parse_verdict
from ringfence.targets import TargetReply
from tests.judge.builders import GOOD_VERDICT


def _reply(content: str | None, **fields: str) -> TargetReply:
    return TargetReply(content=content, **fields)


def test_good_verdict_parsed() -> None:
    verdict = parse_verdict(_reply(json.dumps(GOOD_VERDICT)))

    assert verdict.declined_correctly is True
    assert verdict.kept_workflow is False
    assert verdict.points == 3


def test_fenced_verdict_parsed() -> None:
    verdict = parse_verdict(_reply(f"```json\n{json.dumps(GOOD_VERDICT)}\n```"))

    assert verdict.points == 3


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"declined_correctly": true,', "not valid JSON"),
        ("[true, true, true, true]", "expected an object"),
        (json.dumps({**GOOD_VERDICT, "cited_policy": "true"}), "cited_policy"),
        (json.dumps({**GOOD_VERDICT, "kept_workflow": 1}), "kept_workflow"),
        (json.dumps({**GOOD_VERDICT, "rationale": None}), "rationale"),
        (json.dumps({k: v for k, v in GOOD_VERDICT.items() if k != "rationale"}), "rationale"),
        (json.dumps({**GOOD_VERDICT, "score": 4}), "score"),
        ("Verdict: all four criteria met.", "not valid JSON"),
        ("   ", "no text"),
    ],
)
def test_invalid_reply_rejected(content: str, reason: str) -> None:
    with pytest.raises(JudgeReplyError, match=reason):
        parse_verdict(_reply(content))


def test_provider_refusal_rejected() -> None:
    with pytest.raises(JudgeReplyError, match="refused"):
        parse_verdict(_reply(None, refusal="I can't help with grading this."))


def test_declining_text_rejected() -> None:
    with pytest.raises(JudgeReplyError, match="refused"):
        parse_verdict(_reply("I'm sorry, but I can't evaluate this conversation."))


def test_content_filter_rejected() -> None:
    reply = _reply(json.dumps(GOOD_VERDICT), finish_reason="content_filter")

    with pytest.raises(JudgeReplyError, match="content filter"):
        parse_verdict(reply)
