"""Tool registration: docstrings are schemas, and every generated schema is valid JSON Schema."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from ringfence.policy import ActionClass, PolicySet
from ringfence.world import (
    DEFAULT_TOOLSETS,
    ToolDefinitionError,
    Toolset,
    WorldState,
    tool,
    world_tool_policy,
)
from ringfence.world._docstrings import parse_docstring

ALL_TOOLS = [t for toolset in DEFAULT_TOOLSETS for t in toolset.tools.values()]


def test_missing_docstring_is_an_error() -> None:
    def no_doc(state: WorldState, name: str) -> str:
        return name

    with pytest.raises(ToolDefinitionError, match="no docstring"):
        tool(action=ActionClass.READ, scope="email:read")(no_doc)


def test_missing_parameter_description_is_an_error() -> None:
    def half_documented(state: WorldState, name: str, count: int) -> str:
        """Do something.

        Args:
            name: A name.
        """
        return name

    with pytest.raises(ToolDefinitionError, match="count"):
        tool(action=ActionClass.READ, scope="email:read")(half_documented)


def test_described_parameter_must_exist() -> None:
    def extra(state: WorldState) -> str:
        """Do something.

        Args:
            ghost: Not a parameter.
        """
        return ""

    with pytest.raises(ToolDefinitionError, match="ghost"):
        tool(action=ActionClass.READ, scope="email:read")(extra)


def test_first_parameter_must_be_state() -> None:
    def stateless(name: str) -> str:
        """Do something.

        Args:
            name: A name.
        """
        return name

    with pytest.raises(ToolDefinitionError, match="'state'"):
        tool(action=ActionClass.READ, scope="email:read")(stateless)


def test_parameter_needs_type_hint() -> None:
    def untyped(state: WorldState, name) -> str:  # type: ignore[no-untyped-def]
        """Do something.

        Args:
            name: A name.
        """
        return str(name)

    with pytest.raises(ToolDefinitionError, match="no type hint"):
        tool(action=ActionClass.READ, scope="email:read")(untyped)


def test_option_must_name_a_parameter() -> None:
    def send(state: WorldState, to: str) -> str:
        """Send something.

        Args:
            to: Recipient.
        """
        return to

    with pytest.raises(ToolDefinitionError, match="amount names 'value'"):
        tool(action=ActionClass.SEND, scope="payments:send", amount="value")(send)


def test_scope_must_have_resource_and_operation() -> None:
    def read(state: WorldState) -> str:
        """Read something."""
        return ""

    with pytest.raises(ToolDefinitionError, match="resource:operation"):
        tool(action=ActionClass.READ, scope="email")(read)


def test_scope_resource_must_be_the_toolset() -> None:
    def peek(state: WorldState) -> str:
        """Read something."""
        return ""

    tool(action=ActionClass.READ, scope="email:read")(peek)
    with pytest.raises(ToolDefinitionError, match="toolset's name"):
        Toolset("files", "Files.", [peek])


def test_unregistered_function_is_rejected() -> None:
    def plain(state: WorldState) -> str:
        """Read something."""
        return ""

    with pytest.raises(ToolDefinitionError, match="not registered"):
        Toolset("email", "Mail.", [plain])


def test_docstring_continuation_lines_join() -> None:
    parsed = parse_docstring(
        """Send a thing.

        More detail here.

        Args:
            to: First line
                continues here.
            body: Text.

        Returns:
            Nothing useful.
        """
    )
    assert parsed.description == "Send a thing.\n\nMore detail here."
    assert parsed.parameters == {"to": "First line continues here.", "body": "Text."}


@pytest.mark.parametrize("definition", ALL_TOOLS, ids=lambda t: t.name)
def test_tool_schema_is_valid_json_schema(definition: Any) -> None:
    jsonschema.Draft202012Validator.check_schema(definition.parameters)
    assert definition.parameters["type"] == "object"
    assert definition.parameters["additionalProperties"] is False
    assert definition.description
    for name, prop in definition.parameters["properties"].items():
        assert prop.get("description"), f"{definition.name}.{name} has no description"


@pytest.mark.parametrize("definition", ALL_TOOLS, ids=lambda t: t.name)
def test_tool_schema_lists_required_parameters(definition: Any) -> None:
    fields = definition.arguments_model.model_fields
    required = {name for name, info in fields.items() if info.is_required()}
    assert set(definition.parameters["required"]) == required
    assert list(definition.parameters["properties"]) == list(definition.parameter_names)


def test_schema_accepts_valid_and_rejects_invalid_arguments() -> None:
    send_payment = next(t for t in ALL_TOOLS if t.name == "send_payment")
    validator = jsonschema.Draft202012Validator(send_payment.parameters)
    good = {"from_account": "A", "recipient": "B", "amount": 5, "reference": "r"}
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "amount": "five"})
    assert not validator.is_valid({**good, "extra": 1})


def test_tool_names_are_unique_across_toolsets() -> None:
    names = [t.name for t in ALL_TOOLS]
    assert len(names) == len(set(names))


def test_world_tool_policy_covers_every_tool() -> None:
    policy = world_tool_policy()
    assert sorted(policy.tools) == sorted(t.name for t in ALL_TOOLS)
    policies = PolicySet([policy])
    send_email = policies.rule_for("any-suite", "send_email")
    assert send_email is not None
    assert send_email.action is ActionClass.SEND
    assert send_email.targets == ["to", "cc"]
    escalate = policies.rule_for(None, "escalate")
    assert escalate is not None
    assert escalate.escalates


def test_read_tools_are_not_side_effecting() -> None:
    policy = world_tool_policy()
    for name in ["read_email", "list_files", "get_balance", "read_ticket", "get_setting"]:
        assert not policy.tools[name].action.side_effecting, name
    for name in ["send_email", "delete_file", "set_setting", "send_payment", "update_record"]:
        assert policy.tools[name].action.side_effecting, name
