"""Console report: a compact summary of a RunResult printed through rich.

With ``Console(no_color=True)`` the output is plain text suitable for CI logs. Text a model
wrote is printed as ``rich.text.Text`` with hidden characters escaped, so it can neither inject
rich markup nor send terminal escape sequences.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ringfence.gate.decision import Decision, Verdict
from ringfence.reports._format import clean_cell, verdict_label
from ringfence.reports._tables import (
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

# The console is a summary, so long cells are cut shorter than in the Markdown report.
_MAX_CELL_CHARS = 100
_MAX_IMPORT_ISSUES = 5

_VERDICT_STYLES = {
    Verdict.GREEN: "bold green",
    Verdict.YELLOW: "bold yellow",
    Verdict.RED: "bold red",
    Verdict.ERROR: "bold magenta",
}


def render_console(
    result: RunResult, console: Console, *, max_findings: int = 20, max_rows: int = 50
) -> None:
    """Print a summary of ``result`` to ``console``, ending with the gate verdict.

    ``max_findings`` caps the findings table, most severe first, and ``max_rows`` caps every
    other table. A note under each capped table gives the number of rows left out. Every gate
    reason is printed, whatever the caps.
    """
    _print_summary(result, console)
    _print_import_issues(result, console)
    _print_table(console, metric_table(result, max_rows))
    if result.label_metrics:
        _print_table(console, label_metric_table(result, max_rows))
    if result.agreement:
        _print_table(console, agreement_table(result, max_rows))
    if result.findings:
        _print_table(console, finding_table(result, max_findings))
    _print_decision(result.decision, console, max_rows)


def _print_summary(result: RunResult, console: Console) -> None:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in summary_facts(result):
        grid.add_row(label, _cell(value))
    console.print(Text("ringfence run summary", style="bold underline"))
    console.print(grid)


def _print_import_issues(result: RunResult, console: Console) -> None:
    if result.import_issues:
        _print_table(console, import_issue_table(result, _MAX_IMPORT_ISSUES))


def _print_table(console: Console, table: ReportTable) -> None:
    # Expanding lets the weighted columns share the console width, so that long reasons wrap
    # inside their own column instead of being cut off at the right edge.
    rich_table = Table(
        title=table.heading,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        expand=True,
        show_edge=False,
        pad_edge=False,
    )
    for column in table.columns:
        rich_table.add_column(
            column.header,
            justify="right" if column.numeric else "left",
            overflow="fold",
            no_wrap=column.numeric,
            ratio=column.weight or None,
        )
    for row in table.rows:
        cells = [
            _cell(cell, min(column.max_chars, _MAX_CELL_CHARS), keep_newlines=column.multiline)
            for column, cell in zip(table.columns, row.cells, strict=True)
        ]
        rich_table.add_row(*cells, style=_row_style(row.verdict))
    console.print()
    if not table.rows:
        console.print(Text(f"{table.title}: none", style="bold"))
        return
    console.print(rich_table)
    if table.omitted:
        note = f"{table.omitted} more rows not shown; the JSON report lists every row."
        console.print(Text(note, style="dim"))


def _print_decision(decision: Decision | None, console: Console, max_rows: int) -> None:
    console.print()
    if decision is None:
        console.print(Text("Gate: NOT GATED (the run was scored without a gate policy)"))
        return

    ring = f", ring {decision.ring}" if decision.ring else ""
    console.print(Text(f"Gate policy: {decision.gate_policy_name}{ring}", style="bold"))
    if decision.checks:
        _print_table(console, check_table(decision, max_rows))
    if decision.reasons:
        console.print()
        console.print(Text("Reasons:", style="bold"))
    for reason in decision.reasons:
        console.print(Text("  - ") + _cell(reason, 1000, keep_newlines=True))

    verdict = Text(f" {verdict_label(decision.verdict)} ", style=_VERDICT_STYLES[decision.verdict])
    console.print(Text("Gate verdict: ", style="bold") + verdict)


def _cell(text: str, max_chars: int = _MAX_CELL_CHARS, *, keep_newlines: bool = False) -> Text:
    return Text(clean_cell(text, max_chars, keep_newlines=keep_newlines))


def _row_style(verdict: Verdict | None) -> str | None:
    # Passing checks stay plain so that the failing ones stand out.
    if verdict is None or verdict is Verdict.GREEN:
        return None
    return _VERDICT_STYLES[verdict]
