"""Tests of the console report in the plain mode CI uses."""

from __future__ import annotations

import io

from rich.console import Console

from ringfence.detectors.findings import Finding, FindingKind, Severity
from ringfence.gate.decision import Decision, Verdict
from ringfence.reports import render_console
from ringfence.results import RunResult

from .conftest import build_result


def _render(result: RunResult, **options: int) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, no_color=True, width=120)
    render_console(result, console, **options)
    return buffer.getvalue()


def _line_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


def test_console_plain_verdict(result: RunResult) -> None:
    output = _render(result)
    assert "Gate verdict:  RED" in output
    assert "Gate policy: default, ring production" in output
    assert "\x1b[" not in output


def test_console_lines_fit_width(result: RunResult) -> None:
    output = _render(result)
    assert max(len(line) for line in output.splitlines()) <= 120


def test_console_lists_every_section(result: RunResult) -> None:
    output = _render(result)
    for heading in (
        "Import errors (2)",
        "Metrics (3)",
        "Label metrics (2)",
        "Agreement with dataset labels (2)",
        "Findings (2)",
        "Gate checks (4)",
        "Reasons:",
    ):
        assert heading in output


def test_console_every_reason_printed(result: RunResult) -> None:
    output = _render(result)
    assert result.decision is not None
    for reason in result.decision.reasons:
        assert reason in output


def test_console_no_data_metric(result: RunResult) -> None:
    row = _line_with(_render(result), "suite=travel")
    assert "no data" in row
    assert "0.0%" not in row


def test_console_overall_metrics_first(result: RunResult) -> None:
    output = _render(result)
    overall = output.index("unauthorized_action_rate          action   overall")
    segment = output.index("unauthorized_action_rate          action   suite=banking")
    assert overall < segment


def test_console_escapes_terminal_sequences(result: RunResult) -> None:
    output = _render(result)
    assert "\x1b" not in output
    assert "\x00" not in output
    assert "\\x1b" in output


def test_console_prints_markup_literally() -> None:
    finding = Finding(
        sample_id="s1",
        detector="tool_policy",
        kind=FindingKind.UNAUTHORIZED_ACTION,
        severity=Severity.HIGH,
        reason="[bold red]fake alarm[/bold red]",
        value="[link=https://example.com]x[/link]",
    )
    output = _render(build_result(findings=[finding]))
    assert "[bold red]fake" in output
    assert "[link=" in output


def test_console_caps_findings() -> None:
    findings = [
        Finding(
            sample_id=f"s{index}",
            detector="tool_policy",
            kind=FindingKind.UNAUTHORIZED_ACTION,
            severity=Severity.LOW if index else Severity.CRITICAL,
            reason="Recipient not authorized.",
        )
        for index in range(30)
    ]
    output = _render(build_result(findings=findings), max_findings=5)
    assert "Findings (5 of 30 shown)" in output
    assert "25 more rows not shown" in output
    assert "critical" in output


def test_console_not_gated() -> None:
    output = _render(build_result(decision=None))
    assert "NOT GATED" in output
    assert "Gate checks" not in output


def test_console_empty_run() -> None:
    empty = build_result(
        outcomes=[],
        findings=[],
        metrics=[],
        label_metrics=[],
        agreement=[],
        import_issues=[],
        decision=None,
    )
    output = _render(empty)
    assert "Metrics: none" in output
    assert "Import errors (" not in output
    assert "Label metrics" not in output


def test_console_error_verdict_label() -> None:
    decision = Decision(
        verdict=Verdict.ERROR,
        reasons=["Coverage of suite travel is missing."],
        gate_policy_name="default",
        gate_policy_sha256="00" * 32,
    )
    output = _render(build_result(decision=decision))
    assert "Gate verdict:  COULD NOT EVALUATE" in output
    assert "Coverage of suite travel is missing." in output
