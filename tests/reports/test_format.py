"""Tests of the shared text formatting."""

from __future__ import annotations

import pytest

from ringfence.metrics.values import Direction, MetricStatus, MetricValue
from ringfence.reports._format import (
    clean_cell,
    escape_hidden,
    format_difference,
    format_group,
    format_interval,
    format_percent,
    metric_estimate,
    metric_interval,
    shorten,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "no data"),
        (0.0, "0.0%"),
        (1.0, "100.0%"),
        (0.25, "25.0%"),
        (0.0001, "<0.1%"),
        (0.9999, ">99.9%"),
    ],
)
def test_format_percent(value: float | None, expected: str) -> None:
    assert format_percent(value) == expected


def test_interval_without_bounds_is_no_data() -> None:
    assert format_interval(None, 0.5) == "no data"
    assert format_interval(0.1, 0.5) == "[10.0%, 50.0%]"


def test_difference_in_percentage_points() -> None:
    assert format_difference(0.5, 0.476) == "+2.4 pp"
    assert format_difference(0.4, 0.5) == "-10.0 pp"
    assert format_difference(None, 0.5) == "n/a"
    assert format_difference(0.5, None) == "n/a"


def test_group_sorted_by_key() -> None:
    assert format_group({"suite": "slack", "model": "m"}) == "model=m, suite=slack"
    assert format_group({}) == "overall"


def test_no_data_metric_has_no_estimate() -> None:
    value = MetricValue.from_counts(
        "rate",
        unit="sample",
        direction=Direction.LOWER_IS_BETTER,
        numerator=0,
        denominator=0,
        sample_count=0,
    )
    assert value.status is MetricStatus.NO_DATA
    assert metric_estimate(value) is None
    assert metric_interval(value) == (None, None)


def test_no_data_status_wins_over_estimate() -> None:
    # A producer that sets both must still be shown as "no data".
    value = MetricValue(
        metric="rate",
        unit="sample",
        direction=Direction.LOWER_IS_BETTER,
        numerator=0,
        denominator=0,
        sample_count=0,
        status=MetricStatus.NO_DATA,
        estimate=0.0,
        ci_low=0.0,
        ci_high=0.0,
    )
    assert metric_estimate(value) is None
    assert metric_interval(value) == (None, None)


def test_escape_hidden_characters() -> None:
    escaped = escape_hidden("a\x00b\x1bc\ud800d\u202ee\ufffef\u2028g\th")
    assert escaped == "a\\x00b\\x1bc\\ud800d\\u202ee\\ufffef\\u2028g h"
    escaped.encode("utf-8")


def test_escape_hidden_keeps_newlines_on_request() -> None:
    assert escape_hidden("a\r\nb\rc\nd", keep_newlines=True) == "a\nb\nc\nd"
    assert escape_hidden("a\nb") == "a\\x0ab"


def test_escape_hidden_keeps_printable_unicode() -> None:
    assert escape_hidden("Grüße, 東京 🟢") == "Grüße, 東京 🟢"


def test_shorten_marks_the_cut() -> None:
    assert shorten("abcdef", 4) == "abc…"
    assert shorten("abc", 4) == "abc"
    assert shorten("abc", 0) == ""


def test_clean_cell_cuts_before_escaping() -> None:
    assert clean_cell("ab\x00cdef", 4) == "ab\\x00…"
    assert clean_cell(None, 10) == ""
