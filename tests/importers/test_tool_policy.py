"""Tool policy files: loading errors with file and line, bundled policies, suite lookup."""

from __future__ import annotations

from collections import defaultdict
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from ringfence.cli import main
from ringfence.errors import ConfigError
from ringfence.importers import AgentDojoImporter
from ringfence.policy import (
    ActionClass,
    PolicySet,
    Privilege,
    bundled_policy_names,
    load_bundled_policy,
    load_tool_policy,
    resolve_tool_policies,
)
from ringfence.transcript import Sample

from .builders import AGENTDOJO_RUNS, NO_AGENTDOJO_RUNS

AGENTDOJO_SUITES = ["banking", "slack", "travel", "workspace"]
VALID_ACTIONS = "'read', 'write', 'delete', 'send', 'execute', 'external' or 'admin'"


def write_policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tools.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_tool_policy(path)
    return caught.value


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        "version: 1\nname: shop\ntools:\n  lookup_order:\n    action: read\n   privilege: low\n",
    )

    error = load_error(path)

    assert error.line == 6
    assert error.reason.startswith("invalid YAML:")
    assert str(error).startswith(f"{path}:6: invalid YAML:")


def test_unknown_field(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        "version: 1\nname: shop\ntools:\n  send_email:\n    action: send\n    target: [to]\n",
    )

    error = load_error(path)

    assert error.line == 6
    assert error.field == "tools.send_email.target"
    assert error.hint == "remove the field or check its spelling."
    assert f"{path}:6:" in str(error)
    assert "field 'tools.send_email.target'" in str(error)


def test_invalid_action_class(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path, "version: 1\nname: shop\ntools:\n  send_email:\n    action: modify\n"
    )

    error = load_error(path)

    assert error.line == 5
    assert error.field == "tools.send_email.action"
    assert "(got 'modify')" in error.reason
    assert error.hint == f"use one of {VALID_ACTIONS}."
    assert f"{path}:5:" in str(error)


def test_missing_tools_key(tmp_path: Path) -> None:
    path = write_policy(tmp_path, "version: 1\nname: shop\n")

    error = load_error(path)

    assert error.field == "tools"
    assert error.line == 1
    assert error.hint == "add the field."
    assert str(error).startswith(f"{path}:1: field 'tools':")


def test_argument_in_targets_and_payload(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        "version: 1\nname: shop\ntools:\n  send_email:\n    action: send\n"
        "    targets: [to, body]\n    payload: [subject, body]\n",
    )

    error = load_error(path)

    assert error.line == 7
    assert error.field == "tools.send_email.payload"
    assert "['body']" in error.reason
    assert f"{path}:7:" in str(error)


def test_unsupported_version(tmp_path: Path) -> None:
    path = write_policy(tmp_path, "version: 2\nname: shop\ntools: {}\n")

    error = load_error(path)

    assert "unsupported policy version 2" in error.reason
    assert f"{path}:1:" in str(error)


def test_version_error_location(tmp_path: Path) -> None:
    path = write_policy(tmp_path, "name: shop\ntools: {}\nversion: 2\n")

    error = load_error(path)

    assert error.field == "version"
    assert error.line == 3


@pytest.mark.parametrize("text", ["", "- lookup_order\n"])
def test_policy_not_mapping(tmp_path: Path, text: str) -> None:
    path = write_policy(tmp_path, text)

    error = load_error(path)

    assert error.line == 1
    assert "must be a mapping" in error.reason


def test_valid_policy_defaults(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        "version: 1\nname: shop\ntools:\n  lookup_order: {action: read}\n"
        "  send_email:\n    action: send\n    privilege: medium\n"
        "    targets: [to]\n    payload: [subject, body]\n    description: Send an e-mail.\n",
    )

    policy = load_tool_policy(path)

    assert policy.name == "shop"
    assert policy.suites == []
    assert policy.source_path == str(path)
    lookup, send = policy.tools["lookup_order"], policy.tools["send_email"]
    assert (lookup.action, lookup.privilege, lookup.targets) == (
        ActionClass.READ,
        Privilege.LOW,
        [],
    )
    assert (send.action, send.privilege) == (ActionClass.SEND, Privilege.MEDIUM)
    assert (send.targets, send.payload) == (["to"], ["subject", "body"])


def test_side_effecting_classes() -> None:
    side_effecting = [action.value for action in ActionClass if action.side_effecting]

    assert side_effecting == ["write", "delete", "send", "execute", "external", "admin"]
    assert ActionClass.READ.side_effecting is False


def test_bundled_policy_names() -> None:
    assert bundled_policy_names() == [
        *(f"agentdojo/{suite}" for suite in AGENTDOJO_SUITES),
        "injecagent/tools",
        "taubench/airline",
    ]


def test_bundled_agentdojo_policies() -> None:

    for suite in AGENTDOJO_SUITES:
        policy = load_bundled_policy(f"agentdojo/{suite}")
        assert policy.suites == [suite]
        assert policy.tools


def test_bundled_example_policy() -> None:
    ref = resources.files("ringfence").joinpath("data/examples/support-tools.yaml")
    with resources.as_file(ref) as path:
        policy = load_tool_policy(path)

    assert policy.name == "example-support"
    assert len(policy.tools) == 7


def test_unknown_bundled_name() -> None:
    with pytest.raises(ConfigError) as caught:
        load_bundled_policy("agentdojo/bankin")

    assert "agentdojo/banking" in str(caught.value)


def test_bundled_dataset_policies() -> None:
    airline = load_bundled_policy("taubench/airline")
    injecagent = load_bundled_policy("injecagent/tools")

    assert airline.suites == ["airline"]
    assert airline.tools["get_reservation_details"].action is ActionClass.READ
    assert airline.tools["cancel_reservation"].action is ActionClass.DELETE
    assert airline.tools["transfer_to_human_agents"].payload == ["summary"]
    assert injecagent.suites == ["injecagent"]
    assert injecagent.tools["GmailSendEmail"].targets == ["to", "cc", "bcc", "attachments"]
    assert injecagent.tools["AmazonViewSavedAddresses"].action is ActionClass.READ


def test_resolve_group_name() -> None:
    policies = resolve_tool_policies(["agentdojo"])

    assert [p.suites for p in policies.policies] == [[suite] for suite in AGENTDOJO_SUITES]
    assert policies.rule_for("banking", "send_money") is not None
    assert policies.rule_for("slack", "send_money") is None


def test_suite_rule_wins(tmp_path: Path) -> None:
    general = tmp_path / "general.yaml"
    general.write_text(
        "version: 1\nname: general\ntools:\n  send_email: {action: send, privilege: low}\n"
        "  read_file: {action: read}\n"
    )
    banking = tmp_path / "banking.yaml"
    banking.write_text(
        "version: 1\nname: bank\nsuites: [banking]\n"
        "tools:\n  send_email: {action: send, privilege: high}\n"
    )

    policies = PolicySet([load_tool_policy(general), load_tool_policy(banking)])

    banking_rule = policies.rule_for("banking", "send_email")
    other_rule = policies.rule_for("travel", "send_email")
    assert banking_rule is not None and banking_rule.privilege is Privilege.HIGH
    assert other_rule is not None and other_rule.privilege is Privilege.LOW
    assert policies.rule_for(None, "read_file") is not None
    assert policies.rule_for("banking", "delete_file") is None


def test_check_policy_command(tmp_path: Path) -> None:
    good = write_policy(tmp_path, "version: 1\nname: shop\ntools:\n  a: {action: read}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: shop\ntools:\n  a: {action: modify}\n")
    runner = CliRunner()

    passed = runner.invoke(main, ["check-policy", str(good)])
    failed = runner.invoke(main, ["check-policy", str(bad)])

    assert passed.exit_code == 0
    assert passed.output == f"{good}: valid tool policy 'shop' with 1 tools\n"
    assert failed.exit_code == 2
    assert f"error: {bad}:4: field 'tools.a.action'" in failed.output


@pytest.mark.skipif(not AGENTDOJO_RUNS.is_dir(), reason=NO_AGENTDOJO_RUNS)
def test_agentdojo_tools_covered() -> None:
    used: dict[str, set[str]] = defaultdict(set)
    for item in AgentDojoImporter().read(AGENTDOJO_RUNS):
        if not isinstance(item, Sample):
            continue
        suite = item.transcript.metadata.suite or ""
        used[suite].update(call.name for _, call in item.transcript.tool_calls())
        used[suite].update(m.tool_name for m in item.transcript.messages if m.tool_name)

    assert sorted(used) == AGENTDOJO_SUITES
    for suite in AGENTDOJO_SUITES:
        policy = load_bundled_policy(f"agentdojo/{suite}")
        missing = sorted(used[suite] - set(policy.tools))
        assert missing == [], f"tools of suite {suite} without a rule: {missing}"
