"""Tests of writing report files into a folder."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ringfence.metrics.values import Direction, MetricStatus, MetricValue
from ringfence.reports import (
    ReportFormat,
    load_json_report,
    parse_formats,
    render_markdown,
    write_reports,
)
from ringfence.results import RunResult

from .conftest import build_result


def test_writer_writes_every_format(result: RunResult, tmp_path: Path) -> None:
    out_dir = tmp_path / "reports" / "nested"
    written = write_reports(result, out_dir)
    assert written == {
        ReportFormat.MARKDOWN: out_dir / "report.md",
        ReportFormat.JSON: out_dir / "report.json",
        ReportFormat.JUNIT: out_dir / "junit.xml",
    }
    assert sorted(path.name for path in out_dir.iterdir()) == [
        "junit.xml",
        "report.json",
        "report.md",
    ]
    assert (out_dir / "report.md").read_text(encoding="utf-8") == render_markdown(result)
    assert load_json_report((out_dir / "report.json").read_bytes()) == result
    ET.parse(out_dir / "junit.xml")


def test_writer_selected_formats(result: RunResult, tmp_path: Path) -> None:
    written = write_reports(result, tmp_path, ["json", ReportFormat.JSON, " JUnit "])
    assert list(written) == [ReportFormat.JSON, ReportFormat.JUNIT]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["junit.xml", "report.json"]


def test_writer_replaces_existing_file(result: RunResult, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    write_reports(result, tmp_path, ["json"])
    assert json.loads(target.read_text(encoding="utf-8"))["format_version"] == 1
    assert [path.name for path in tmp_path.iterdir()] == ["report.json"]


def test_writer_unknown_format(result: RunResult, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown report format 'html'; valid formats: json"):
        write_reports(result, tmp_path, ["markdown", "html"])
    assert list(tmp_path.iterdir()) == []


def test_writer_render_error_writes_nothing(tmp_path: Path) -> None:
    broken = MetricValue(
        metric="rate",
        unit="sample",
        direction=Direction.LOWER_IS_BETTER,
        numerator=1,
        denominator=2,
        sample_count=2,
        status=MetricStatus.OK,
        estimate=float("inf"),
    )
    with pytest.raises(ValueError, match="NaN or infinity"):
        write_reports(build_result(metrics=[broken]), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_writer_failed_write_leaves_old_file(
    result: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.md"
    target.write_text("previous report", encoding="utf-8")

    def fail_replace(source: object, destination: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail_replace)
    with pytest.raises(OSError, match="disk full"):
        write_reports(result, tmp_path, ["markdown"])
    assert target.read_text(encoding="utf-8") == "previous report"
    assert [path.name for path in tmp_path.iterdir()] == ["report.md"]


def test_parse_formats_order_and_repeats() -> None:
    assert parse_formats(["junit", "markdown", "junit"]) == [
        ReportFormat.JUNIT,
        ReportFormat.MARKDOWN,
    ]
    assert parse_formats([]) == []
