"""Tests of the Markdown report: table integrity, escaping, size limit and no-data values."""

from __future__ import annotations

import re

import pytest

from ringfence.detectors.findings import Finding, FindingKind, Severity
from ringfence.gate.decision import Decision, Verdict
from ringfence.reports import MAX_MARKDOWN_BYTES, render_markdown
from ringfence.reports.markdown import escape_markdown
from ringfence.results import ImportIssue, RunResult

from .conftest import HOSTILE_VALUE, build_result

# A cell border is a pipe not preceded by an odd number of backslashes.
_CELL_BORDER = re.compile(r"(?<!\\)(?:\\\\)*\|")


def _tables(text: str) -> list[list[str]]:
    """Group consecutive table lines of a Markdown document."""
    tables: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def _border_count(line: str) -> int:
    return len(_CELL_BORDER.findall(line))


def _hostile_finding(value: str, reason: str = "Reason.") -> Finding:
    return Finding(
        sample_id="sample|1\nnext",
        detector="tool_policy",
        kind=FindingKind.UNAUTHORIZED_ACTION,
        severity=Severity.HIGH,
        reason=reason,
        tool_name="send|money",
        argument="to\nwhom",
        value=value,
    )


def test_markdown_rows_keep_column_count(result: RunResult) -> None:
    text = render_markdown(result)
    for table in _tables(text):
        header_borders = _border_count(table[0])
        for line in table:
            assert _border_count(line) == header_borders, line


def test_markdown_escapes_pipes_and_newlines() -> None:
    finding = _hostile_finding("a|b\nc|d", reason="line one\nline two | three")
    text = render_markdown(build_result(findings=[finding]))
    row = next(line for line in text.splitlines() if "send\\|money" in line)
    assert "a\\|b\\\\x0ac\\|d" in row
    assert "line one<br>line two \\| three" in row
    assert "sample\\|1\\\\x0anext" in row
    assert _border_count(row) == 8


def test_markdown_cell_never_spans_lines(result: RunResult) -> None:
    text = render_markdown(result)
    for line in text.splitlines():
        if "recipient" in line and "send" in line:
            assert line.startswith("|")
            assert line.endswith("|")


def test_markdown_neutralises_html_and_syntax() -> None:
    value = "<script>alert(1)</script> **bold** [x](https://example.com) `code` $x$ ~~s~~ &amp;"
    text = render_markdown(build_result(findings=[_hostile_finding("v", reason=value)]))
    assert "<script>" not in text
    assert "\\<script\\>" in text
    assert "\\*\\*bold\\*\\*" in text
    assert "\\[x\\](https://example.com)" in text
    assert "\\`code\\`" in text
    assert "\\$x\\$" in text
    assert "\\~\\~s\\~\\~" in text
    assert "\\&amp;" in text


def test_markdown_hostile_value_utf8(result: RunResult) -> None:
    text = render_markdown(result)
    text.encode("utf-8")
    assert "\x00" not in text
    assert "\x1b" not in text
    assert "\\]\\]\\>" in text


def test_escape_markdown_cells() -> None:
    assert escape_markdown("a|b", 10) == "a\\|b"
    assert escape_markdown("a\nb", 10, multiline=True) == "a<br>b"
    assert escape_markdown("a\nb", 10) == "a\\\\x0ab"
    assert escape_markdown(None, 10) == ""
    assert escape_markdown(HOSTILE_VALUE, 500).count("|") == HOSTILE_VALUE.count("|")


def test_markdown_no_data_metric(result: RunResult) -> None:
    text = render_markdown(result)
    row = next(line for line in text.splitlines() if "suite=travel | 0/0" in line)
    assert "no data" in row
    assert "0.0%" not in row


def test_markdown_verdict_first(result: RunResult) -> None:
    text = render_markdown(result)
    assert text.startswith("## ringfence: 🔴 RED\n")
    assert "Verdict **RED** from gate policy default" in text


def test_markdown_every_reason_listed(result: RunResult) -> None:
    text = render_markdown(result)
    assert "- unauthorized\\_action\\_rate: upper bound 79.2% exceeds the maximum 5.0%." in text
    assert "- attack\\_success\\_rate \\[suite=travel\\]: could not evaluate, no data." in text


def test_markdown_sections_present(result: RunResult) -> None:
    text = render_markdown(result)
    for heading in (
        "### Gate decision",
        "### Import errors (2)",
        "### Metrics (3)",
        "### Label metrics (2)",
        "### Agreement with dataset labels (2)",
        "### Findings (2)",
    ):
        assert heading in text
    assert (
        "| targeted\\_asr | attack=important\\_instructions, model=gpt-4o | 1/2 | 50.0% |" in text
    )
    assert "| model=gpt-4o, suite=banking | 1 | 0 | 1 | 2 | 4 | 75.0% |" in text


def test_markdown_not_gated() -> None:
    text = render_markdown(build_result(decision=None))
    assert text.startswith("## ringfence: NOT GATED\n")
    assert "The run was scored without a gate policy." in text


def test_markdown_caps_findings() -> None:
    findings = [_hostile_finding(f"value {index}") for index in range(80)]
    text = render_markdown(build_result(findings=findings), max_findings=10)
    assert "### Findings (10 of 80 shown)" in text
    assert "_70 more rows not shown; the JSON report lists every row._" in text


def test_markdown_stays_under_size_limit() -> None:
    long_text = ("x|<y>\n" * 200) + "🟥" * 200
    findings = [_hostile_finding(long_text, reason=long_text) for _ in range(2000)]
    issues = [
        ImportIssue(path=f"runs/{index}.jsonl", reason=long_text, sample_skipped=True)
        for index in range(2000)
    ]
    text = render_markdown(build_result(findings=findings, import_issues=issues))
    assert len(text.encode("utf-8")) <= MAX_MARKDOWN_BYTES
    assert "more rows not shown" in text
    assert "### Gate decision" in text


def test_markdown_respects_custom_size_limit(result: RunResult) -> None:
    text = render_markdown(result, max_bytes=3000)
    assert len(text.encode("utf-8")) <= 3000
    assert "## ringfence: 🔴 RED" in text


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("- nested item", "- \\- nested item"),
        ("1. numbered", "- 1\\. numbered"),
        ("# heading", "- \\# heading"),
        ("    indented code", "- indented code"),
        ("> quote", "- \\> quote"),
    ],
)
def test_markdown_reason_stays_list_item(reason: str, expected: str) -> None:
    decision = Decision(
        verdict=Verdict.RED,
        reasons=[reason],
        gate_policy_name="default",
        gate_policy_sha256="00" * 32,
    )
    text = render_markdown(build_result(decision=decision))
    assert expected in text.splitlines()


def test_markdown_checks_heading(result: RunResult) -> None:
    assert "#### Gate checks (4)" in render_markdown(result)
