"""JUnit XML report, so that CI systems show unsafe samples, input problems and gate checks.

Three test suites:

- ``samples``: one test case per sample. It fails when ringfence found an unauthorized call or
  judged that the injected goal was carried out, and errors on an infrastructure error.
- ``import``: one failing test case per problem found while reading the input files.
- ``gate``: one test case per gate check and one, named ``decision``, for the overall verdict.
  The ``decision`` case fails closed even when the decision carries reasons but no checks.

The XML is built with ElementTree, and every string passes through ``xml_safe`` first, so text a
model wrote cannot make the document invalid.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from ringfence.detectors.findings import Finding
from ringfence.gate.decision import CheckResult, Decision, Verdict
from ringfence.reports._format import shorten
from ringfence.reports._tables import check_name
from ringfence.results import ImportIssue, RunResult, SampleOutcome

# Everything outside the XML 1.0 Char production: control characters other than tab, LF and
# CR, surrogates (which Python strings may contain unpaired), U+FFFE and U+FFFF.
_INVALID_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_MAX_MESSAGE_CHARS = 1000
_MAX_TEXT_CHARS = 8000
_MAX_LISTED_FINDINGS = 50
_UNKNOWN = "unknown"


def render_junit(result: RunResult) -> str:
    """Render ``result`` as a JUnit XML document, declaration included."""
    root = ET.Element("testsuites", {"name": "ringfence"})
    root.append(_sample_suite(result))
    root.append(_import_suite(result))
    root.append(_gate_suite(result))
    _set_counts(root, root.findall("testsuite/testcase"))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def xml_safe(text: str, max_chars: int | None = None) -> str:
    """Remove the characters XML 1.0 does not allow, then cut to ``max_chars`` if given."""
    cleaned = _INVALID_XML_CHARS.sub("", text)
    return cleaned if max_chars is None else shorten(cleaned, max_chars)


def _sample_suite(result: RunResult) -> ET.Element:
    suite = _new_suite("samples", result)
    findings_by_sample: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        findings_by_sample[finding.sample_id].append(finding)
    for outcome in result.outcomes:
        suite.append(_sample_case(outcome, findings_by_sample[outcome.sample_id]))
    _set_counts(suite, suite.findall("testcase"))
    return suite


def _sample_case(outcome: SampleOutcome, findings: list[Finding]) -> ET.Element:
    classname = f"{outcome.model or _UNKNOWN}.{outcome.suite or _UNKNOWN}"
    case = _new_case(classname, outcome.sample_id)
    if outcome.source_path:
        case.set("file", xml_safe(outcome.source_path))

    unsafe_reasons = _unsafe_reasons(outcome)
    finding_text = _finding_lines(findings)
    if unsafe_reasons:
        # Unsafe behaviour that was observed outranks a later infrastructure error, so the case
        # fails and the error goes to system-err.
        summary = "; ".join(unsafe_reasons)
        listed = findings[:_MAX_LISTED_FINDINGS]
        message = " | ".join([summary] + [_finding_line(finding) for finding in listed])
        text = "\n".join([summary, finding_text]) if findings else summary
        kind = "unauthorized_action" if outcome.unauthorized_calls else "attack_succeeded"
        _add_child(case, "failure", message=message, kind=kind, text=text)
        if outcome.error is not None:
            _add_text(case, "system-err", outcome.error)
    elif outcome.error is not None:
        _add_child(case, "error", message=outcome.error, kind="infrastructure", text=outcome.error)
    elif findings:
        _add_text(case, "system-out", finding_text)
    return case


def _unsafe_reasons(outcome: SampleOutcome) -> list[str]:
    reasons: list[str] = []
    if outcome.unauthorized_calls:
        calls = "call" if outcome.unauthorized_calls == 1 else "calls"
        reasons.append(f"{outcome.unauthorized_calls} unauthorized tool {calls}")
    if outcome.attack_succeeded is True:
        reasons.append("the injected goal was carried out")
    return reasons


def _finding_lines(findings: list[Finding]) -> str:
    lines = [_finding_line(finding) for finding in findings[:_MAX_LISTED_FINDINGS]]
    left_out = len(findings) - len(lines)
    if left_out:
        lines.append(f"{left_out} more findings not listed; the JSON report lists every one.")
    return "\n".join(lines)


def _finding_line(finding: Finding) -> str:
    parts = [f"[{finding.severity.value}] {finding.kind.value}"]
    if finding.tool_name:
        parts.append(f"tool={finding.tool_name}")
    if finding.argument:
        parts.append(f"argument={finding.argument}")
    if finding.value is not None:
        # repr() quotes the value and turns hidden characters into escapes such as \x1b, which
        # xml_safe would otherwise drop without a trace.
        parts.append(f"value={finding.value!r}")
    return " ".join(parts) + f": {finding.reason}"


def _import_suite(result: RunResult) -> ET.Element:
    suite = _new_suite("import", result)
    for issue in result.import_issues:
        suite.append(_import_case(issue))
    _set_counts(suite, suite.findall("testcase"))
    return suite


def _import_case(issue: ImportIssue) -> ET.Element:
    location = issue.path if issue.line is None else f"{issue.path}:{issue.line}"
    name = f"{location} {issue.sample_id}" if issue.sample_id else location
    case = _new_case("import", name)
    case.set("file", xml_safe(issue.path))

    details = [f"file: {location}"]
    if issue.sample_id:
        details.append(f"sample: {issue.sample_id}")
    if issue.field:
        details.append(f"field: {issue.field}")
    details.append("sample skipped" if issue.sample_skipped else "sample scored anyway")
    details.append(f"reason: {issue.reason}")
    if issue.sample_skipped:
        _add_child(
            case, "failure", message=issue.reason, kind="sample_skipped", text="\n".join(details)
        )
    else:
        # The sample was scored, so nothing is missing from the evidence: a warning, not a
        # failed check.
        _add_text(case, "system-out", "\n".join(details))
    return case


def _gate_suite(result: RunResult) -> ET.Element:
    suite = _new_suite("gate", result)
    decision = result.decision
    if decision is None:
        case = _new_case("gate", "decision")
        _add_child(case, "skipped", message="the run was scored without a gate policy")
        suite.append(case)
    else:
        _add_properties(suite, _gate_properties(decision))
        classname = f"gate.{decision.gate_policy_name}"
        for check in decision.checks:
            suite.append(_check_case(classname, check))
        suite.append(_decision_case(classname, decision))
    _set_counts(suite, suite.findall("testcase"))
    return suite


def _check_case(classname: str, check: CheckResult) -> ET.Element:
    case = _new_case(classname, check_name(check))
    _add_verdict(case, check.verdict, check.reason, check.reason)
    return case


def _decision_case(classname: str, decision: Decision) -> ET.Element:
    case = _new_case(classname, "decision")
    reasons = decision.reasons or [f"verdict {decision.verdict.value}"]
    _add_verdict(case, decision.verdict, " | ".join(reasons), "\n".join(reasons))
    return case


def _add_verdict(case: ET.Element, verdict: Verdict, message: str, text: str) -> None:
    if verdict is Verdict.GREEN:
        _add_text(case, "system-out", text)
    elif verdict is Verdict.ERROR:
        _add_child(case, "error", message=message, kind=verdict.value, text=text)
    else:
        _add_child(case, "failure", message=message, kind=verdict.value, text=text)


def _gate_properties(decision: Decision) -> dict[str, str]:
    properties = {
        "gate_policy_name": decision.gate_policy_name,
        "gate_policy_sha256": decision.gate_policy_sha256,
        "verdict": decision.verdict.value,
    }
    if decision.ring:
        properties["ring"] = decision.ring
    return properties


def _new_suite(name: str, result: RunResult) -> ET.Element:
    # Count attributes come first as placeholders so that they keep their place when
    # _set_counts fills them in.
    suite = ET.Element(
        "testsuite",
        {
            "name": name,
            "tests": "0",
            "failures": "0",
            "errors": "0",
            "skipped": "0",
            "timestamp": xml_safe(result.created_at),
        },
    )
    run_properties = {
        "run_id": result.run_id,
        "ringfence_version": result.ringfence_version,
        "tool_policy_sha256": result.tool_policy_sha256,
    }
    _add_properties(suite, run_properties)
    return suite


def _add_properties(suite: ET.Element, properties: dict[str, str]) -> None:
    container = suite.find("properties")
    if container is None:
        container = ET.SubElement(suite, "properties")
    for name, value in properties.items():
        ET.SubElement(container, "property", {"name": name, "value": xml_safe(value)})


def _new_case(classname: str, name: str) -> ET.Element:
    return ET.Element("testcase", {"classname": xml_safe(classname), "name": xml_safe(name)})


def _add_child(
    case: ET.Element, tag: str, *, message: str, kind: str | None = None, text: str = ""
) -> None:
    child = ET.SubElement(case, tag, {"message": xml_safe(message, _MAX_MESSAGE_CHARS)})
    if kind is not None:
        child.set("type", kind)
    if text:
        child.text = xml_safe(text, _MAX_TEXT_CHARS)


def _add_text(case: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(case, tag).text = xml_safe(text, _MAX_TEXT_CHARS)


def _set_counts(element: ET.Element, cases: list[ET.Element]) -> None:
    # Counting the built elements keeps the attributes equal to what the document contains.
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(1 for case in cases if case.find("failure") is not None)))
    element.set("errors", str(sum(1 for case in cases if case.find("error") is not None)))
    element.set("skipped", str(sum(1 for case in cases if case.find("skipped") is not None)))
