"""The consistency checker: one test per kind of problem, and a clean baseline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ringfence.scenarios import ProblemKind, SuiteProblem, check_suite, load_suite
from tests.scenarios.builders import VALID_SCENARIO, line_number, write_suite

Edit = Callable[[dict[str, Any]], None]


def _problems(tmp_path: Path, edit: Edit | None = None) -> list[SuiteProblem]:
    data = yaml.safe_load(VALID_SCENARIO)
    if edit is not None:
        edit(data)
    text = yaml.safe_dump(data, sort_keys=False)
    return check_suite(load_suite(write_suite(tmp_path / "suite", {"a.yaml": text})))


def _of_kind(problems: list[SuiteProblem], kind: ProblemKind) -> list[SuiteProblem]:
    found = [p for p in problems if p.kind is kind]
    assert found, f"no {kind} among {[str(p) for p in problems]}"
    return found


def _authorized(data: dict[str, Any]) -> dict[str, Any]:
    action: dict[str, Any] = data["gold"]["authorized_actions"][0]
    return action


def _injection(data: dict[str, Any]) -> dict[str, Any]:
    stressor: dict[str, Any] = data["stressors"][0]
    return stressor


def test_valid_scenario_has_no_problems(tmp_path: Path) -> None:
    assert _problems(tmp_path) == []


def test_problem_names_file_line_and_field(tmp_path: Path) -> None:
    text = VALID_SCENARIO.replace("refusal_cites: [PAY-1]", "refusal_cites: [PAY-9]")
    root = write_suite(tmp_path / "suite", {"a.yaml": text})
    (problem,) = check_suite(load_suite(root))
    assert problem.path == str(root / "a.yaml")
    assert problem.line == line_number(text, "refusal_cites: [PAY-9]")
    assert problem.field == "gold.refusal_cites.0"
    assert problem.severity == "error"
    assert str(problem) == (
        f"{root / 'a.yaml'}:{problem.line}: error: field 'gold.refusal_cites.0': "
        "no policy clause 'PAY-9'; did you mean 'PAY-1'? [unknown_clause]"
    )


def test_unknown_tool(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["tools"] = ["email", "send_paymnt", "escalate"]

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.UNKNOWN_TOOL)
    assert problem.field == "tools.1"
    assert "did you mean 'send_payment'" in problem.message


def test_unknown_tool_in_constraint(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["gold"]["forbidden_actions"][0]["tool"] = "wire_money"

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.UNKNOWN_TOOL)
    assert problem.field == "gold.forbidden_actions.0.tool"


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ("paymnts:send", "names no toolset; did you mean 'payments'"),
        ("payments:wire", "unknown operation 'wire'"),
        ("*:wire", "unknown operation 'wire'"),
    ],
)
def test_unknown_scope(tmp_path: Path, scope: str, message: str) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["scopes"].append(scope)

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.UNKNOWN_SCOPE)
    assert problem.field == "scopes.2"
    assert message in problem.message


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ("files:read", "covers none of the granted tools"),
        ("email:read<=5", "none of its tools"),
        ("email:read:internal-only", "none of its tools"),
    ],
)
def test_unused_scope_warning(tmp_path: Path, scope: str, message: str) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["scopes"].append(scope)

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.UNUSED_SCOPE)
    assert problem.severity == "warning"
    assert message in problem.message


def test_named_tool_without_scope_warning(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["tools"].append("read_file")

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.TOOL_WITHOUT_SCOPE)
    assert problem.field == "tools.3"
    assert problem.severity == "warning"
    assert "files:read" in problem.message


def test_toolset_partly_covered_is_not_reported(tmp_path: Path) -> None:
    # The 'email' toolset is granted with only email:read; send and delete stay denied on
    # purpose, which is no problem.
    assert not [p for p in _problems(tmp_path) if p.kind is ProblemKind.TOOL_WITHOUT_SCOPE]


def test_duplicate_clause(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["policy"].append({"id": "PAY-1", "text": "Again."})

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.DUPLICATE_CLAUSE)
    assert problem.field == "policy.1.id"


def test_refusal_without_cites_warning(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["gold"]["expected_behaviour"] = "refuse"
        data["gold"]["refusal_cites"] = []

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.MISSING_REFUSAL_CITES)
    assert problem.severity == "warning"


def test_unknown_argument(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        _authorized(data)["arguments"]["acount"] = "ACC-1"

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.UNKNOWN_ARGUMENT)
    assert problem.field == "gold.authorized_actions.0.arguments.acount"
    assert "from_account" in problem.message


def test_invalid_argument_value(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        _authorized(data)["arguments"]["amount"] = "lots"

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.INVALID_ARGUMENT)
    assert problem.field == "gold.authorized_actions.0.arguments.amount"


def test_invalid_regex(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["gold"]["forbidden_actions"][0]["arguments"]["recipient"] = "re:(LT99"

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.INVALID_REGEX)
    assert problem.field == "gold.forbidden_actions.0.arguments.recipient"
    assert "'(LT99'" in problem.message


def test_invalid_regex_inside_list(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["tools"].append("send_email")
        data["scopes"].append("email:send")
        data["gold"]["forbidden_actions"].append(
            {"tool": "send_email", "arguments": {"to": ["re:[a-"]}}
        )

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.INVALID_REGEX)
    assert problem.field == "gold.forbidden_actions.1.arguments.to"


def test_invalid_regex_inside_object(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["tools"].append("update_record")
        data["scopes"].append("records:write")
        data["gold"]["forbidden_actions"].append(
            {"tool": "update_record", "arguments": {"changes": {"stage": "re:(offer"}}}
        )

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.INVALID_REGEX)
    assert problem.field == "gold.forbidden_actions.1.arguments.changes"


def test_injected_goal_actions_are_checked(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["gold"]["injected_goal_actions"] = [
            {"tool": "send_paymnt"},
            {"tool": "send_payment", "arguments": {"iban": "LT99 0000"}},
        ]

    problems = _problems(tmp_path, edit)
    (unknown,) = _of_kind(problems, ProblemKind.UNKNOWN_TOOL)
    assert unknown.field == "gold.injected_goal_actions.0.tool"
    assert "did you mean 'send_payment'" in unknown.message
    (argument,) = _of_kind(problems, ProblemKind.UNKNOWN_ARGUMENT)
    assert argument.field == "gold.injected_goal_actions.1.arguments.iban"


def test_authorized_tool_not_granted(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["gold"]["authorized_actions"].append({"tool": "delete_file"})

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.AUTHORIZED_TOOL_NOT_GRANTED)
    assert problem.field == "gold.authorized_actions.1.tool"


def test_authorized_action_denied_by_scopes(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        _authorized(data)["arguments"]["amount"] = 700

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.AUTHORIZED_ACTION_DENIED)
    assert problem.severity == "warning"
    assert "above the limit 500" in problem.message


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"record": "m-9"}, "stressors.0", "no record 'm-9' in the 'emails' collection"),
        ({"field": "bdy"}, "stressors.0", "no text field 'bdy'"),
        ({"tool": "send_email"}, "stressors.0", "injections go in the output of a read"),
        ({"tool": "read_mail"}, "stressors.0.tool", "did you mean 'read_email'"),
        ({"tool": "list_emails"}, "stressors.0.field", "does not show field 'body'"),
    ],
)
def test_unreachable_injection(
    tmp_path: Path, change: dict[str, str], field: str, message: str
) -> None:
    def edit(data: dict[str, Any]) -> None:
        _injection(data).update(change)

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.INJECTION_UNREACHABLE)
    assert problem.field == field
    assert message in problem.message


def test_injection_shown_by_list_tool_is_reachable(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        _injection(data).update({"tool": "list_emails", "field": "subject"})

    assert _problems(tmp_path, edit) == []


def test_injection_tool_not_granted_warning(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["tools"] = ["send_payment", "escalate"]
        data["scopes"] = ["payments:send<=500"]

    problems = _problems(tmp_path, edit)
    (problem,) = _of_kind(problems, ProblemKind.INJECTION_TOOL_NOT_GRANTED)
    assert problem.severity == "warning"
    assert [p.kind for p in problems] == [ProblemKind.INJECTION_TOOL_NOT_GRANTED]


def test_missing_injected_goal_warning(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        del data["gold"]["injected_goal"]

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.MISSING_INJECTED_GOAL)
    assert problem.severity == "warning"


@pytest.mark.parametrize(
    ("stressor", "field"),
    [
        ({"kind": "fake_authority", "at_turn": 1}, "stressors.1.at_turn"),
        ({"kind": "stop_notice", "at_turn": 2, "text": "Stop."}, "stressors.1.at_turn"),
        (
            {"kind": "stop_notice", "at_turn": 1, "after_tool_calls": 1, "text": "Stop."},
            "stressors.1.at_turn",
        ),
    ],
)
def test_turn_out_of_range(tmp_path: Path, stressor: dict[str, Any], field: str) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["stressors"].append(stressor)

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.TURN_OUT_OF_RANGE)
    assert problem.field == field
    assert "use 0 to" in problem.message


def test_stop_notice_after_last_turn_is_valid(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["stressors"].append({"kind": "stop_notice", "at_turn": 1, "text": "Stop now."})

    assert _problems(tmp_path, edit) == []


def test_escalation_turn_out_of_range(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["gold"]["escalate_from_turn"] = 1

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.TURN_OUT_OF_RANGE)
    assert problem.field == "gold.escalate_from_turn"


def test_clarify_without_follow_up_warning(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["gold"]["expected_behaviour"] = "clarify"
        del data["turns"][0]["when_assistant_asks"]

    (problem,) = _of_kind(_problems(tmp_path, edit), ProblemKind.MISSING_FOLLOW_UP)
    assert problem.severity == "warning"
