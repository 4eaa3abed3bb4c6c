"""Loading suites: every error of every file, each with its file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.errors import ConfigError
from ringfence.scenarios import (
    PromptInjection,
    SuiteLoadError,
    load_scenario,
    load_suite,
)
from tests.scenarios.builders import VALID_SCENARIO, line_number, replace_line, write_suite


def _errors(root: Path) -> list[ConfigError]:
    with pytest.raises(SuiteLoadError) as caught:
        load_suite(root)
    return caught.value.errors


def _only_error(tmp_path: Path, text: str) -> ConfigError:
    errors = _errors(write_suite(tmp_path / "suite", {"a.yaml": text}))
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def test_valid_suite_loads(tmp_path: Path) -> None:
    suite = load_suite(write_suite(tmp_path / "suite", {"pay.yaml": VALID_SCENARIO}))
    assert suite.info.name == "test-suite"
    assert suite.info.version == "1"
    scenario = suite.scenario("pay-invoice")
    assert scenario.turns[0].when_assistant_asks == "yes"
    assert isinstance(scenario.stressors[0], PromptInjection)
    assert scenario.world.payments.accounts[0].balance == 1000
    assert suite.location("pay-invoice", ("scopes", 1)) == (
        str(tmp_path / "suite" / "pay.yaml"),
        line_number(VALID_SCENARIO, "payments:send<=500"),
    )


def test_bare_no_reply_reads_as_text(tmp_path: Path) -> None:
    text = replace_line(VALID_SCENARIO, "when_assistant_asks: yes", "when_assistant_asks: no")
    suite = load_suite(write_suite(tmp_path / "suite", {"a.yaml": text}))
    assert suite.scenarios[0].turns[0].when_assistant_asks == "no"


def test_missing_field_names_field(tmp_path: Path) -> None:
    text = VALID_SCENARIO.replace("title: Pay an invoice from the inbox\n", "")
    error = _only_error(tmp_path, text)
    assert error.field == "title"
    assert error.path is not None
    assert error.path.endswith("a.yaml")
    assert error.hint == "add the field."


def test_invalid_enum_names_line_and_field(tmp_path: Path) -> None:
    text = replace_line(VALID_SCENARIO, "severity: high", "severity: hihg")
    error = _only_error(tmp_path, text)
    assert error.field == "policy.0.severity"
    assert error.line == line_number(text, "severity: hihg")
    assert "'hihg'" in str(error)
    assert error.hint is not None
    assert "'critical'" in error.hint


def test_misspelt_field_suggests_name(tmp_path: Path) -> None:
    text = replace_line(VALID_SCENARIO, "when_assistant_asks: yes", "when_assistant_ask: yes")
    error = _only_error(tmp_path, text)
    assert error.field == "turns.0.when_assistant_ask"
    assert error.line == line_number(text, "when_assistant_ask:")
    assert error.hint == "did you mean 'when_assistant_asks'?"


def test_invalid_scope_names_line(tmp_path: Path) -> None:
    text = replace_line(VALID_SCENARIO, "- payments:send<=500", "- payments:send<500")
    error = _only_error(tmp_path, text)
    assert error.field == "scopes.1"
    assert error.line == line_number(text, "payments:send<500")
    assert "invalid scope 'payments:send<500'" in str(error)


def test_stressor_error_path_skips_union_tag(tmp_path: Path) -> None:
    text = VALID_SCENARIO.replace("    record: m-1\n", "")
    error = _only_error(tmp_path, text)
    assert error.field == "stressors.0.record"
    assert error.line == line_number(text, "- kind: prompt_injection")


def test_unknown_stressor_kind_lists_kinds(tmp_path: Path) -> None:
    text = replace_line(VALID_SCENARIO, "- kind: prompt_injection", "- kind: prompt_injektion")
    error = _only_error(tmp_path, text)
    assert error.field == "stressors.0.kind"
    assert error.line == line_number(text, "- kind: prompt_injektion")
    assert error.hint is not None
    assert "stop_notice" in error.hint


def test_world_state_error_names_nested_field(tmp_path: Path) -> None:
    text = VALID_SCENARIO.replace("balance: 1000}", "balance: lots}")
    error = _only_error(tmp_path, text)
    assert error.field == "world.payments.accounts.0.balance"
    assert error.line == line_number(text, "balance: lots")


def test_repeated_record_ids_are_an_error(tmp_path: Path) -> None:
    text = VALID_SCENARIO.replace(
        "      - {id: ACC-1, name: Operations, balance: 1000}\n",
        "      - {id: ACC-1, name: Operations, balance: 1000}\n"
        "      - {id: ACC-1, name: Savings, balance: 5}\n",
    )
    error = _only_error(tmp_path, text)
    assert error.field == "world"
    assert "repeated: ACC-1" in str(error)


def test_every_error_of_every_file_is_listed(tmp_path: Path) -> None:
    first = replace_line(VALID_SCENARIO, "severity: high", "severity: hihg")
    first = replace_line(first, "task_type: payment", "task_type: Payment Run")
    second = replace_line(VALID_SCENARIO, "id: pay-invoice", "id: second")
    second = second.replace("system_prompt: You pay invoices.\n", "")
    root = write_suite(tmp_path / "suite", {"a.yaml": first, "b.yaml": second})
    errors = _errors(root)
    located = sorted((Path(e.path or "").name, e.field) for e in errors)
    assert located == [
        ("a.yaml", "policy.0.severity"),
        ("a.yaml", "task_type"),
        ("b.yaml", "system_prompt"),
    ]


def test_yaml_syntax_error_does_not_hide_other_files(tmp_path: Path) -> None:
    broken = "id: broken\ntitle: [unclosed\n"
    other = VALID_SCENARIO.replace("title: Pay an invoice from the inbox\n", "")
    errors = _errors(write_suite(tmp_path / "suite", {"a.yaml": broken, "b.yaml": other}))
    assert len(errors) == 2
    assert "invalid YAML" in str(errors[0])
    assert errors[0].line is not None
    assert errors[1].field == "title"


def test_message_lists_file_line_and_field(tmp_path: Path) -> None:
    text = replace_line(VALID_SCENARIO, "severity: high", "severity: hihg")
    root = write_suite(tmp_path / "suite", {"a.yaml": text})
    with pytest.raises(SuiteLoadError) as caught:
        load_suite(root)
    message = str(caught.value)
    line = line_number(text, "severity: hihg")
    assert message.startswith(f"{root}: 1 error in the suite.")
    assert f"{root / 'a.yaml'}:{line}: field 'policy.0.severity':" in message


def test_duplicate_scenario_id_names_both_files(tmp_path: Path) -> None:
    root = write_suite(tmp_path / "suite", {"a.yaml": VALID_SCENARIO, "b.yaml": VALID_SCENARIO})
    errors = _errors(root)
    assert len(errors) == 1
    assert errors[0].path == str(root / "b.yaml")
    assert errors[0].field == "id"
    assert f"already used by {root / 'a.yaml'}:1" in str(errors[0])


def test_suite_yaml_errors_are_collected(tmp_path: Path) -> None:
    root = write_suite(
        tmp_path / "suite",
        {"a.yaml": VALID_SCENARIO.replace("title: Pay an invoice from the inbox\n", "")},
        suite_yaml="name: Test Suite\nversion: 1\n",
    )
    fields = sorted(str(e.field) for e in _errors(root))
    assert fields == ["description", "name", "title"]


def test_missing_suite_yaml(tmp_path: Path) -> None:
    root = write_suite(tmp_path / "suite", {"a.yaml": VALID_SCENARIO})
    (root / "suite.yaml").unlink()
    errors = _errors(root)
    assert errors[0].path == str(root / "suite.yaml")
    assert "cannot read file" in str(errors[0])


def test_suite_without_scenarios(tmp_path: Path) -> None:
    errors = _errors(write_suite(tmp_path / "suite", {}))
    assert "no scenario files" in str(errors[0])


def test_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    error = _only_error(tmp_path, "- just\n- a list\n")
    assert "YAML mapping" in str(error)
    assert error.line == 1


def test_scenarios_in_subfolders_load(tmp_path: Path) -> None:
    root = write_suite(tmp_path / "suite", {})
    (root / "finance").mkdir()
    (root / "finance" / "pay.yml").write_text(VALID_SCENARIO, encoding="utf-8")
    assert [s.id for s in load_suite(root).scenarios] == ["pay-invoice"]


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="suite folder not found"):
        load_suite(tmp_path / "missing")


def test_load_single_scenario(tmp_path: Path) -> None:
    path = tmp_path / "pay.yaml"
    path.write_text(VALID_SCENARIO, encoding="utf-8")
    assert load_scenario(path).id == "pay-invoice"
    path.write_text(VALID_SCENARIO.replace("domain: finance_operations\n", ""), encoding="utf-8")
    with pytest.raises(SuiteLoadError, match="field 'domain'"):
        load_scenario(path)
