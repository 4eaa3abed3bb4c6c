"""Tests of the JSON report: round trip, computed values, stable text."""

from __future__ import annotations

import json

import pytest

from ringfence.metrics.values import Direction, MetricStatus, MetricValue
from ringfence.reports import load_json_report, render_json
from ringfence.results import RunResult

from .conftest import HOSTILE_VALUE, build_result


def test_json_round_trips(result: RunResult) -> None:
    document = json.loads(render_json(result))
    restored = RunResult.model_validate(document["run_result"])
    assert restored == result


def test_json_load_json_report(result: RunResult) -> None:
    assert load_json_report(render_json(result)) == result
    assert load_json_report(render_json(result).encode("ascii")) == result


def test_json_keeps_hostile_text_exactly(result: RunResult) -> None:
    text = render_json(result)
    assert text.isascii()
    restored = load_json_report(text)
    assert restored.findings[0].value == HOSTILE_VALUE


def test_json_computed_values(result: RunResult) -> None:
    computed = json.loads(render_json(result))["computed"]
    assert computed["import_error_count"] == 2
    assert computed["agreement"] == [
        {"group": {"model": "gpt-4o", "suite": "banking"}, "total": 4, "accuracy": 0.75},
        {"group": {"model": "gpt-4o", "suite": "slack"}, "total": 0, "accuracy": None},
    ]


def test_json_header(result: RunResult) -> None:
    document = json.loads(render_json(result))
    assert document["format"] == "ringfence.run_result"
    assert document["format_version"] == 1


def test_json_no_data_is_null_not_zero(result: RunResult) -> None:
    document = json.loads(render_json(result))
    travel = next(
        metric
        for metric in document["run_result"]["metrics"]
        if metric["segment"] == {"suite": "travel"}
    )
    assert travel["status"] == "no_data"
    assert travel["estimate"] is None
    assert travel["ci_low"] is None


def test_json_text_is_stable(result: RunResult) -> None:
    reordered = build_result(settings={"z": 1, "a": {"y": 2, "b": 3}})
    same = build_result(settings={"a": {"b": 3, "y": 2}, "z": 1})
    assert render_json(reordered) == render_json(same)
    assert render_json(result) == render_json(result.model_copy(deep=True))


def test_json_keys_sorted(result: RunResult) -> None:
    def check(node: object) -> None:
        if isinstance(node, dict):
            assert list(node) == sorted(node)
            for child in node.values():
                check(child)
        elif isinstance(node, list):
            for child in node:
                check(child)

    check(json.loads(render_json(result)))


def test_json_not_gated_round_trips() -> None:
    result = build_result(decision=None)
    assert load_json_report(render_json(result)).decision is None


def test_json_rejects_nan() -> None:
    value = MetricValue(
        metric="rate",
        unit="sample",
        direction=Direction.LOWER_IS_BETTER,
        numerator=1,
        denominator=2,
        sample_count=2,
        status=MetricStatus.OK,
        estimate=float("nan"),
    )
    with pytest.raises(ValueError, match="NaN or infinity"):
        render_json(build_result(metrics=[value]))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"format": "other"}', "not a ringfence JSON report"),
        ("[1, 2]", "not a ringfence JSON report"),
        ('{"format": "ringfence.run_result", "format_version": 99}', "format_version 99"),
        ('{"format": "ringfence.run_result", "format_version": 1}', "'run_result' key"),
        ("{not json", "Expecting property name"),
    ],
)
def test_json_load_rejects_other_documents(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_json_report(text)
