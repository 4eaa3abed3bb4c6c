"""Tests of the JUnit report: valid XML whatever the model wrote, and correct counts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ringfence.detectors.findings import Finding, FindingKind, Severity
from ringfence.gate.decision import CheckResult, Decision, Verdict
from ringfence.reports import render_junit
from ringfence.reports.junit import xml_safe
from ringfence.results import ImportIssue, RunResult, SampleOutcome

from .conftest import build_result

HOSTILE = "\x00\x1b\ud800 ]]> <script>alert('x')</script> & \" \ufffe\uffff \x7f \U0001f600"


def _parse(result: RunResult) -> ET.Element:
    text = render_junit(result)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def _suite(root: ET.Element, name: str) -> ET.Element:
    suite = root.find(f"testsuite[@name='{name}']")
    assert suite is not None, name
    return suite


def _case(suite: ET.Element, name: str) -> ET.Element:
    case = suite.find(f"testcase[@name='{name}']")
    assert case is not None, name
    return case


def _counts(cases: list[ET.Element]) -> dict[str, str]:
    return {
        "tests": str(len(cases)),
        "failures": str(sum(1 for case in cases if case.find("failure") is not None)),
        "errors": str(sum(1 for case in cases if case.find("error") is not None)),
        "skipped": str(sum(1 for case in cases if case.find("skipped") is not None)),
    }


def _count_attributes(suite: ET.Element) -> dict[str, str | None]:
    return {key: suite.get(key) for key in ("tests", "failures", "errors", "skipped")}


def _assert_counts(root: ET.Element) -> None:
    for suite in root.findall("testsuite"):
        for key, value in _counts(suite.findall("testcase")).items():
            assert suite.get(key) == value, (suite.get("name"), key)
    for key, value in _counts(root.findall("testsuite/testcase")).items():
        assert root.get(key) == value, key


def _hostile_result() -> RunResult:
    finding = Finding(
        sample_id="s" + HOSTILE,
        detector="tool_policy",
        kind=FindingKind.UNAUTHORIZED_ACTION,
        severity=Severity.CRITICAL,
        reason="reason " + HOSTILE,
        tool_name="tool" + HOSTILE,
        argument="arg" + HOSTILE,
        value=HOSTILE,
    )
    outcome = SampleOutcome(
        sample_id="s" + HOSTILE,
        model="model" + HOSTILE,
        suite="suite" + HOSTILE,
        source_path="path" + HOSTILE,
        side_effecting_calls=1,
        unauthorized_calls=1,
        finding_count=1,
    )
    issue = ImportIssue(
        path="path" + HOSTILE, sample_id=HOSTILE, reason="bad " + HOSTILE, sample_skipped=True
    )
    decision = Decision(
        verdict=Verdict.RED,
        checks=[
            CheckResult(
                metric="m" + HOSTILE,
                segment={"k" + HOSTILE: HOSTILE},
                verdict=Verdict.RED,
                reason="r" + HOSTILE,
            )
        ],
        reasons=["why " + HOSTILE],
        gate_policy_name="policy" + HOSTILE,
        gate_policy_sha256=HOSTILE,
        ring=HOSTILE,
    )
    return build_result(
        run_id="run" + HOSTILE,
        created_at=HOSTILE,
        outcomes=[outcome],
        findings=[finding],
        import_issues=[issue],
        decision=decision,
    )


def test_junit_parses_with_hostile_text() -> None:
    root = _parse(_hostile_result())
    _assert_counts(root)
    samples = _suite(root, "samples")
    case = samples.find("testcase")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None
    assert "<script>alert" in (failure.text or "")
    assert "]]>" in (failure.text or "")
    assert "\U0001f600" in (failure.text or "")


def test_junit_strips_invalid_characters() -> None:
    text = render_junit(_hostile_result())
    for char in ("\x00", "\x1b", "\ud800", "\ufffe", "\uffff"):
        assert char not in text
    assert "<script>" not in text
    text.encode("utf-8")


def test_junit_fixture_value_parses(result: RunResult) -> None:
    root = _parse(result)
    case = _case(_suite(root, "samples"), "banking/user_task_0/injection_task_1")
    failure = case.find("failure")
    assert failure is not None
    assert "value='a|b\\nc\\x00\\x1b[31m\\ud800 ]]> <script>" in (failure.text or "")


def test_junit_counts(result: RunResult) -> None:
    root = _parse(result)
    _assert_counts(root)
    assert root.attrib == {
        "name": "ringfence",
        "tests": "10",
        "failures": "5",
        "errors": "2",
        "skipped": "0",
    }
    assert _count_attributes(_suite(root, "samples")) == {
        "tests": "3",
        "failures": "1",
        "errors": "1",
        "skipped": "0",
    }
    assert _count_attributes(_suite(root, "import")) == {
        "tests": "2",
        "failures": "1",
        "errors": "0",
        "skipped": "0",
    }
    assert _count_attributes(_suite(root, "gate")) == {
        "tests": "5",
        "failures": "3",
        "errors": "1",
        "skipped": "0",
    }


def test_junit_sample_cases(result: RunResult) -> None:
    samples = _suite(_parse(result), "samples")
    unsafe = _case(samples, "banking/user_task_0/injection_task_1")
    assert unsafe.get("classname") == "gpt-4o.banking"
    assert unsafe.get("file") == "runs/banking.jsonl"
    failure = unsafe.find("failure")
    assert failure is not None
    assert failure.get("type") == "unauthorized_action"
    message = failure.get("message") or ""
    assert message.startswith("1 unauthorized tool call; the injected goal was carried out")
    assert "[high] unauthorized_action tool=send_money argument=recipient" in message
    assert "[low] unknown_tool tool=delete_everything" in message

    safe = _case(samples, "banking/user_task_1/none")
    assert list(safe) == []

    crashed = _case(samples, "slack/user_task_2/injection_task_1")
    error = crashed.find("error")
    assert error is not None
    assert error.get("type") == "infrastructure"
    assert "TimeoutError" in (error.get("message") or "")


def test_junit_attack_success_fails_case() -> None:
    outcome = SampleOutcome(
        sample_id="s1", side_effecting_calls=0, unauthorized_calls=0, attack_succeeded=True
    )
    case = _case(_suite(_parse(build_result(outcomes=[outcome])), "samples"), "s1")
    assert case.get("classname") == "unknown.unknown"
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "attack_succeeded"
    assert failure.get("message") == "the injected goal was carried out"


def test_junit_unsafe_sample_with_error_fails() -> None:
    outcome = SampleOutcome(
        sample_id="s1", side_effecting_calls=2, unauthorized_calls=2, error="connection reset"
    )
    case = _case(_suite(_parse(build_result(outcomes=[outcome])), "samples"), "s1")
    assert case.find("failure") is not None
    assert case.find("error") is None
    assert case.findtext("system-err") == "connection reset"


def test_junit_passing_sample_findings_output() -> None:
    outcome = SampleOutcome(sample_id="s1", side_effecting_calls=0, unauthorized_calls=0)
    finding = Finding(
        sample_id="s1",
        detector="tool_policy",
        kind=FindingKind.UNKNOWN_TOOL,
        severity=Severity.LOW,
        reason="Tool x is not in the tool policy.",
        tool_name="x",
    )
    root = _parse(build_result(outcomes=[outcome], findings=[finding]))
    case = _case(_suite(root, "samples"), "s1")
    assert case.find("failure") is None
    assert "Tool x is not in the tool policy." in (case.findtext("system-out") or "")


def test_junit_import_cases(result: RunResult) -> None:
    imports = _suite(_parse(result), "import")
    skipped = _case(imports, "runs/banking.jsonl:7 banking/user_task_9")
    failure = skipped.find("failure")
    assert failure is not None
    assert failure.get("type") == "sample_skipped"
    assert "field: messages" in (failure.text or "")
    scored_anyway = _case(imports, "runs/slack.jsonl")
    assert scored_anyway.find("failure") is None
    output = scored_anyway.find("system-out")
    assert output is not None
    assert "sample scored anyway" in (output.text or "")


def test_junit_gate_cases(result: RunResult) -> None:
    gate = _suite(_parse(result), "gate")
    red = _case(gate, "unauthorized_action_rate [overall]")
    assert red.get("classname") == "gate.default"
    red_failure = red.find("failure")
    assert red_failure is not None
    assert red_failure.get("type") == "red"

    yellow = _case(gate, "attack_success_rate [suite=banking]").find("failure")
    assert yellow is not None
    assert yellow.get("type") == "yellow"

    error = _case(gate, "attack_success_rate [suite=travel]").find("error")
    assert error is not None
    assert error.get("type") == "could_not_evaluate"

    green = _case(gate, "prompt_resistance_rate [overall]")
    assert green.find("failure") is None
    assert green.find("error") is None

    decision = _case(gate, "decision").find("failure")
    assert decision is not None
    assert decision.get("type") == "red"
    assert "could not evaluate, no data" in (decision.text or "")


@pytest.mark.parametrize(
    ("verdict", "tag"),
    [(Verdict.RED, "failure"), (Verdict.YELLOW, "failure"), (Verdict.ERROR, "error")],
)
def test_junit_decision_without_checks_fails_closed(verdict: Verdict, tag: str) -> None:
    decision = Decision(
        verdict=verdict,
        reasons=["Coverage of suite travel is missing."],
        gate_policy_name="default",
        gate_policy_sha256="00" * 32,
    )
    root = _parse(build_result(decision=decision))
    gate = _suite(root, "gate")
    assert gate.get("tests") == "1"
    outcome = _case(gate, "decision").find(tag)
    assert outcome is not None
    assert outcome.get("type") == verdict.value
    _assert_counts(root)


def test_junit_not_gated_is_skipped() -> None:
    root = _parse(build_result(decision=None))
    gate = _suite(root, "gate")
    assert gate.get("skipped") == "1"
    assert _case(gate, "decision").find("skipped") is not None
    assert root.get("skipped") == "1"
    _assert_counts(root)


def test_junit_empty_run() -> None:
    root = _parse(build_result(outcomes=[], findings=[], import_issues=[], decision=None))
    assert _suite(root, "samples").get("tests") == "0"
    assert _suite(root, "import").get("tests") == "0"
    _assert_counts(root)


def test_junit_gate_properties(result: RunResult) -> None:
    gate = _suite(_parse(result), "gate")
    properties = {
        prop.get("name"): prop.get("value") for prop in gate.findall("properties/property")
    }
    assert properties["run_id"] == "run-0123456789abcdef"
    assert properties["gate_policy_name"] == "default"
    assert properties["ring"] == "production"
    assert properties["verdict"] == "red"


def test_junit_xml_safe() -> None:
    assert xml_safe("a\x00b\tc\nd\re\ud800f\ufffeg\U0001f600") == "ab\tc\nd\refg\U0001f600"
    assert xml_safe("abcdef", 4) == "abc…"
