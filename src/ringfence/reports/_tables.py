"""Report tables built from a RunResult, shared by the console and Markdown renderers.

Cells hold raw text, including text a model wrote. Each renderer makes cells safe for its own
output (terminal or Markdown) with the limits that the column declares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ringfence.detectors.findings import Finding, Severity
from ringfence.gate.decision import CheckResult, Decision, Verdict
from ringfence.metrics.values import MetricValue
from ringfence.reports._format import (
    MEAN_UNITS,
    NOT_AVAILABLE,
    format_difference,
    format_estimate,
    format_estimate_interval,
    format_group,
    format_interval,
    format_percent,
    format_ratio,
    metric_estimate,
    metric_interval,
    verdict_label,
)
from ringfence.results import Agreement, ImportIssue, LabelMetric, RunResult

_SEVERITY_RANK = {
    Severity.CRITICAL: 0,
    Severity.HIGH: 1,
    Severity.MEDIUM: 2,
    Severity.LOW: 3,
    Severity.INFO: 4,
}


@dataclass(frozen=True)
class Column:
    """A table column: its header, the longest cell text kept, and how cells are laid out.

    ``weight`` is the column's share of the console width left after the columns of weight 0,
    which keep the width of their longest cell.
    """

    header: str
    max_chars: int = 60
    numeric: bool = False
    multiline: bool = False
    weight: int = 0


@dataclass(frozen=True)
class TableRow:
    """One row of cells, with the verdict that colours it in the console, if any."""

    cells: tuple[str, ...]
    verdict: Verdict | None = None


@dataclass(frozen=True)
class ReportTable:
    """A titled table and the number of rows the row limit left out."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[TableRow, ...]
    omitted: int = 0

    @property
    def heading(self) -> str:
        """Title with the row count, and how many rows are shown when some were left out."""
        total = len(self.rows) + self.omitted
        if self.omitted:
            return f"{self.title} ({len(self.rows)} of {total} shown)"
        return f"{self.title} ({total})"


def summary_facts(result: RunResult) -> list[tuple[str, str]]:
    """Headline facts of a run as (label, value) pairs, in display order."""
    outcomes = result.outcomes
    attacked = sum(1 for outcome in outcomes if outcome.attack is not None)
    succeeded = sum(1 for outcome in outcomes if outcome.attack_succeeded is True)
    unauthorized = sum(1 for outcome in outcomes if outcome.unauthorized_calls > 0)
    errored = sum(1 for outcome in outcomes if outcome.error is not None)
    decision = result.decision
    return [
        ("Run id", result.run_id),
        ("ringfence version", result.ringfence_version),
        ("Scored at", result.created_at),
        ("Input files", str(len(result.inputs))),
        ("Samples", str(len(outcomes))),
        ("Attacked samples", str(attacked)),
        ("Attack succeeded (ringfence verdict)", str(succeeded)),
        ("Samples with unauthorized calls", str(unauthorized)),
        ("Samples with infrastructure errors", str(errored)),
        ("Findings", str(len(result.findings))),
        ("Import errors", _import_error_summary(result)),
        ("Gate verdict", verdict_label(decision.verdict if decision else None)),
    ]


def _import_error_summary(result: RunResult) -> str:
    skipped = len(
        {(i.path, i.sample_id or i.line) for i in result.import_issues if i.sample_skipped}
    )
    return f"{result.import_error_count} ({skipped} samples skipped, the rest scored anyway)"


def metric_table(result: RunResult, max_rows: int) -> ReportTable:
    """Metric values: overall values first, then segments grouped by metric."""
    columns = (
        Column("Metric", 40, weight=2),
        Column("Unit", 12),
        Column("Segment", 60, weight=2),
        Column("Count", 20, numeric=True),
        Column("Estimate", 10, numeric=True),
        Column("95% CI (Wilson)", 20, numeric=True),
        Column("Samples", 10, numeric=True),
    )
    rows = [_metric_row(value) for value in order_metrics(result.metrics)]
    return _capped("Metrics", columns, rows, max_rows)


def order_metrics(values: Sequence[MetricValue]) -> list[MetricValue]:
    """Sort overall values before segment values, keeping metrics in first-seen order."""
    first_seen: dict[str, int] = {}
    for value in values:
        first_seen.setdefault(value.metric, len(first_seen))
    return sorted(
        values,
        key=lambda value: (bool(value.segment), first_seen[value.metric], value.segment_label),
    )


def label_metric_table(result: RunResult, max_rows: int) -> ReportTable:
    """Numbers from the dataset's own labels beside their published values."""
    columns = (
        Column("Name", 40, weight=2),
        Column("Group", 60, weight=3),
        Column("Count", 20, numeric=True),
        Column("Value", 10, numeric=True),
        Column("Published", 14, numeric=True),
        Column("Difference", 12, numeric=True),
    )
    rows = [_label_metric_row(metric) for metric in result.label_metrics]
    return _capped("Label metrics", columns, rows, max_rows)


def agreement_table(result: RunResult, max_rows: int) -> ReportTable:
    """Confusion matrix of ringfence's attack verdict against the dataset label, per group."""
    columns = (
        Column("Group", 60, weight=1),
        Column("TP", 8, numeric=True),
        Column("FP", 8, numeric=True),
        Column("FN", 8, numeric=True),
        Column("TN", 8, numeric=True),
        Column("Total", 8, numeric=True),
        Column("Accuracy", 10, numeric=True),
    )
    rows = [_agreement_row(matrix) for matrix in result.agreement]
    return _capped("Agreement with dataset labels", columns, rows, max_rows)


def finding_table(result: RunResult, max_rows: int) -> ReportTable:
    """Findings, most severe first, each with the tool call and value at issue."""
    columns = (
        Column("Severity", 10),
        Column("Sample", 50, weight=2),
        Column("Kind", 28),
        Column("Tool", 30, weight=1),
        Column("Argument", 24, weight=1),
        Column("Value", 60, weight=2),
        Column("Reason", 160, multiline=True, weight=3),
    )
    rows = [_finding_row(finding) for finding in order_findings(result.findings)]
    return _capped("Findings", columns, rows, max_rows)


def order_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Sort findings by severity, most severe first; ties keep their input order."""
    return sorted(findings, key=lambda finding: _SEVERITY_RANK[finding.severity])


def import_issue_table(result: RunResult, max_rows: int) -> ReportTable:
    """Problems found while reading input files, in the order they were found."""
    columns = (
        Column("File", 80, weight=2),
        Column("Line", 8, numeric=True),
        Column("Sample", 50, weight=2),
        Column("Field", 30, weight=1),
        Column("Reason", 200, multiline=True, weight=3),
        Column("Outcome", 16),
    )
    rows = [_import_issue_row(issue) for issue in result.import_issues]
    return _capped("Import errors", columns, rows, max_rows)


def check_table(decision: Decision, max_rows: int) -> ReportTable:
    """Gate checks, in the order the gate made them."""
    columns = (
        Column("Check", 100, weight=3),
        Column("Verdict", 20, weight=1),
        Column("Estimate", 10, numeric=True),
        Column("95% CI", 20, numeric=True),
        Column("Threshold", 14, numeric=True),
        Column("Trials", 10, numeric=True),
        Column("Reason", 200, multiline=True, weight=3),
    )
    rows = [_check_row(check) for check in decision.checks]
    return _capped("Gate checks", columns, rows, max_rows)


def check_name(check: CheckResult) -> str:
    """Name of a gate check as "metric [segment]", the segment "overall" when empty."""
    return f"{check.metric} [{format_group(check.segment)}]"


def format_threshold(check: CheckResult) -> str:
    """Threshold as "max 5.0%" or "min 90.0%", or "n/a" when the check has none."""
    if check.threshold is None:
        return NOT_AVAILABLE
    bound = f"{check.bound} " if check.bound else ""
    return bound + format_percent(check.threshold)


def _capped(
    title: str, columns: tuple[Column, ...], rows: list[TableRow], max_rows: int
) -> ReportTable:
    shown_rows = rows[: max(max_rows, 0)]
    return ReportTable(title, columns, tuple(shown_rows), omitted=len(rows) - len(shown_rows))


def _metric_row(value: MetricValue) -> TableRow:
    low, high = metric_interval(value)
    return TableRow(
        (
            value.metric,
            value.unit,
            value.segment_label,
            f"n={value.denominator}"
            if value.unit in MEAN_UNITS
            else format_ratio(value.numerator, value.denominator),
            format_estimate(metric_estimate(value), value.unit),
            format_estimate_interval(low, high, value.unit),
            str(value.sample_count),
        )
    )


def _label_metric_row(metric: LabelMetric) -> TableRow:
    published = "not published" if metric.published is None else format_percent(metric.published)
    return TableRow(
        (
            metric.name,
            format_group(metric.group),
            format_ratio(metric.numerator, metric.denominator),
            format_percent(metric.value),
            published,
            format_difference(metric.value, metric.published),
        )
    )


def _agreement_row(matrix: Agreement) -> TableRow:
    return TableRow(
        (
            format_group(matrix.group),
            str(matrix.true_positive),
            str(matrix.false_positive),
            str(matrix.false_negative),
            str(matrix.true_negative),
            str(matrix.total),
            format_percent(matrix.accuracy),
        )
    )


def _finding_row(finding: Finding) -> TableRow:
    return TableRow(
        (
            finding.severity.value,
            finding.sample_id,
            finding.kind.value,
            finding.tool_name or "",
            finding.argument or "",
            finding.value or "",
            finding.reason,
        )
    )


def _import_issue_row(issue: ImportIssue) -> TableRow:
    return TableRow(
        (
            issue.path,
            "" if issue.line is None else str(issue.line),
            issue.sample_id or "",
            issue.field or "",
            issue.reason,
            "sample skipped" if issue.sample_skipped else "scored anyway",
        )
    )


def _check_row(check: CheckResult) -> TableRow:
    return TableRow(
        (
            check_name(check),
            verdict_label(check.verdict),
            format_percent(check.estimate),
            format_interval(check.ci_low, check.ci_high),
            format_threshold(check),
            str(check.denominator),
            check.reason,
        ),
        verdict=check.verdict,
    )
