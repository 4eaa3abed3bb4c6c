"""The governance part of a gate decision, printed after the report: baseline, exceptions used,
expired exceptions to audit, and missing coverage."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from ringfence.gate.decision import Decision, ExceptionUse


def decision_notes(decision: Decision) -> list[str]:
    """Return the lines that describe what a decision rests on besides the run's metrics."""
    lines: list[str] = []
    if decision.baseline_run_id is not None:
        lines.append(f"Baseline run: {decision.baseline_run_id}")
    if decision.exceptions_used:
        lines.append("Exceptions used:")
        lines += [
            f"  - {_describe(use)}: {', '.join(use.checks)}" for use in decision.exceptions_used
        ]
        waived = [check.reason for check in decision.checks if check.waived_by]
        lines += ["Waived checks:", *(f"  - {reason}" for reason in waived)]
    if decision.expired_exceptions:
        lines.append("Expired exceptions that would have applied (audit after release):")
        lines += [
            f"  - {_describe(use)}, not applied: {', '.join(use.checks)}"
            for use in decision.expired_exceptions
        ]
    if decision.coverage_missing:
        lines.append("Coverage missing:")
        lines += [f"  - {gap.describe()}" for gap in decision.coverage_missing]
    return lines


def print_decision_notes(decision: Decision | None, console: Console) -> None:
    """Print `decision_notes` as plain text, or nothing when there are none."""
    if decision is None:
        return
    for line in decision_notes(decision):
        console.print(Text(line))


def _describe(use: ExceptionUse) -> str:
    if use.kind == "scenario":
        waives = f"scenario {use.scenario_id}"
    else:
        segment = ", ".join(f"{k}={v}" for k, v in use.segment.items()) or "overall"
        waives = f"{use.metric} [{segment}]"
    return (
        f'exception {use.id} ({waives}, approved by {use.approver}: "{use.reason}", '
        f"expires {use.expires_at})"
    )
