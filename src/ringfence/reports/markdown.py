"""Markdown report: GitHub-flavoured Markdown sized for a CI job summary.

The verdict comes first. Long tables are cut, and a note under each gives the number of rows
left out. Text a model wrote is escaped so that it can break neither the tables nor the page.
"""

from __future__ import annotations

import re

from ringfence.gate.decision import Decision, Verdict
from ringfence.reports._format import clean_cell, verdict_label
from ringfence.reports._tables import (
    Column,
    ReportTable,
    agreement_table,
    check_table,
    finding_table,
    import_issue_table,
    label_metric_table,
    metric_table,
    summary_facts,
)
from ringfence.results import RunResult

MAX_MARKDOWN_BYTES = 60_000
"""Default size limit of the Markdown report in UTF-8 bytes, small enough for a job summary."""

# Characters with inline meaning in GitHub Markdown: emphasis, code, links, raw HTML, entities,
# table cell borders, strikethrough, math and headings. A backslash makes each of them literal.
_MARKDOWN_SPECIAL = frozenset("\\`*_[]<>|&~$#")

# A list item whose text starts with "-", "+" or a number and "." or ")" would open a nested
# list. The backslash goes before the punctuation.
_LIST_MARKER = re.compile(r"^(\d*)([-+.)])")

_VERDICT_MARKS = {
    Verdict.GREEN: "🟢",
    Verdict.YELLOW: "🟡",
    Verdict.RED: "🔴",
    Verdict.ERROR: "⛔",
}
_MAX_REASON_CHARS = 500


def render_markdown(
    result: RunResult,
    *,
    max_findings: int = 50,
    max_rows: int = 100,
    max_bytes: int = MAX_MARKDOWN_BYTES,
) -> str:
    """Render ``result`` as Markdown of at most ``max_bytes`` UTF-8 bytes where possible.

    Tables contain at most ``max_rows`` rows (``max_findings`` for findings). When the page is
    still too large, the row limits are halved until it fits. If even tables without rows exceed
    ``max_bytes``, that smallest page is returned.
    """
    row_limit = max(max_rows, 0)
    while True:
        text = _render(result, min(max_findings, row_limit), row_limit)
        if row_limit == 0 or len(text.encode("utf-8")) <= max_bytes:
            return text
        row_limit //= 2


def escape_markdown(text: str | None, max_chars: int, *, multiline: bool = False) -> str:
    """Make untrusted text safe for one Markdown table cell or list item.

    Hidden characters become visible escapes, Markdown syntax is backslash-escaped, and with
    ``multiline`` line breaks become ``<br>``; otherwise they are shown as escapes.
    """
    # NOTE: GitHub still turns URLs in the text into links, because escaping ":" or "." does
    # not reliably stop its autolinker.
    cleaned = clean_cell(text, max_chars, keep_newlines=multiline)
    escaped = "".join("\\" + char if char in _MARKDOWN_SPECIAL else char for char in cleaned)
    return escaped.replace("\n", "<br>")


def _render(result: RunResult, max_findings: int, max_rows: int) -> str:
    lines = _headline(result)
    lines += _facts(result)
    lines += _decision_section(result.decision, max_rows)
    if result.import_issues:
        lines += _table_section(import_issue_table(result, max_rows))
    lines += _table_section(metric_table(result, max_rows))
    if result.label_metrics:
        lines += _table_section(label_metric_table(result, max_rows))
    if result.agreement:
        lines += _table_section(agreement_table(result, max_rows))
    if result.findings:
        lines += _table_section(finding_table(result, max_findings))
    return "\n".join(lines) + "\n"


def _headline(result: RunResult) -> list[str]:
    decision = result.decision
    if decision is None:
        return ["## ringfence: NOT GATED", ""]
    mark = _VERDICT_MARKS[decision.verdict]
    return [f"## ringfence: {mark} {verdict_label(decision.verdict)}", ""]


def _facts(result: RunResult) -> list[str]:
    lines = ["| Fact | Value |", "| --- | --- |"]
    for label, value in summary_facts(result):
        lines.append(f"| {label} | {escape_markdown(value, 200)} |")
    return lines + [""]


def _decision_section(decision: Decision | None, max_rows: int) -> list[str]:
    lines = ["### Gate decision", ""]
    if decision is None:
        return lines + ["The run was scored without a gate policy.", ""]

    policy = escape_markdown(decision.gate_policy_name, 200)
    ring = escape_markdown(decision.ring, 100) if decision.ring else "none"
    digest = escape_markdown(decision.gate_policy_sha256, 100)
    lines += [
        f"Verdict **{verdict_label(decision.verdict)}** from gate policy {policy} "
        f"(ring {ring}, policy SHA-256 {digest}).",
        "",
    ]
    lines += _reason_list(decision.reasons, max_rows)
    if decision.checks:
        checks = check_table(decision, max_rows)
        lines += [f"#### {checks.heading}", ""] + _table_lines(checks)
    return lines


def _reason_list(reasons: list[str], max_rows: int) -> list[str]:
    if not reasons:
        return []
    lines = ["Reasons:", ""]
    for reason in reasons[:max_rows]:
        lines.append("- " + _list_item_text(reason))
    left_out = len(reasons) - min(len(reasons), max_rows)
    if left_out:
        lines.append(f"- _{left_out} more reasons not shown; the JSON report lists every one._")
    return lines + [""]


def _list_item_text(text: str) -> str:
    escaped = escape_markdown(text.lstrip(), _MAX_REASON_CHARS, multiline=True)
    return _LIST_MARKER.sub(r"\1\\\2", escaped)


def _table_section(table: ReportTable) -> list[str]:
    return [f"### {table.heading}", ""] + _table_lines(table)


def _table_lines(table: ReportTable) -> list[str]:
    note = f"_{table.omitted} more rows not shown; the JSON report lists every row._"
    if not table.rows:
        return [note if table.omitted else "None.", ""]
    lines = [
        "| " + " | ".join(column.header for column in table.columns) + " |",
        "| " + " | ".join(_alignment(column) for column in table.columns) + " |",
    ]
    for row in table.rows:
        cells = (
            escape_markdown(cell, column.max_chars, multiline=column.multiline)
            for column, cell in zip(table.columns, row.cells, strict=True)
        )
        lines.append("| " + " | ".join(cells) + " |")
    if table.omitted:
        lines += ["", note]
    return lines + [""]


def _alignment(column: Column) -> str:
    return "---:" if column.numeric else "---"
