"""Tool definitions: a plain function plus what the world needs to offer, guard and run it.

`@tool(...)` reads the function's signature and Google-style docstring once, at import, and
builds the JSON schema of its arguments and a pydantic model that validates them. A function
without a docstring, a parameter without a description, or an option naming an argument that
does not exist raises `ToolDefinitionError` there, so a broken tool never reaches a run.

A tool function takes the world state as its first parameter, named `state`, and returns JSON
data (a mapping, a list or a string). It raises `ToolError` for a failure the model should read,
such as an unknown id or too little money. It should check its input before it changes anything.
The world also runs each call on a copy of the state and keeps the copy only on success.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from ringfence.policy import ActionClass, Privilege
from ringfence.transcript import Provenance
from ringfence.world._collections import COLLECTIONS
from ringfence.world._docstrings import parse_docstring
from ringfence.world._state import WorldState

ToolFunction = Callable[..., Any]
F = TypeVar("F", bound=ToolFunction)
_TOOL_ATTRIBUTE = "__ringfence_tool__"


class ToolDefinitionError(Exception):
    """A tool function cannot be registered: its docstring, signature or options are wrong."""


class ToolError(Exception):
    """A failed tool call that the model reads as the tool's result. The state is unchanged."""


class InvalidArguments(ToolError):
    """The arguments of a call do not match the tool's schema."""


@dataclass(frozen=True)
class ScopeBinding:
    """The scope operation of one tool, and the arguments its qualifiers and limits check."""

    resource: str
    """Scope resource, which is also the name of the tool's toolset, for example 'payments'."""
    operation: str
    """Scope operation, for example 'send'."""
    target: str | None = None
    """Argument a glob qualifier such as 'files:read:/shared/*' is matched against."""
    recipients: tuple[str, ...] = ()
    """Arguments holding e-mail addresses, which the 'internal-only' qualifier checks."""
    amount: str | None = None
    """Argument a limit such as 'payments:send<=500' is compared with."""

    @property
    def text(self) -> str:
        """The binding as a scope string, 'resource:operation'."""
        return f"{self.resource}:{self.operation}"


@dataclass(frozen=True)
class Tool:
    """A registered tool: its function, schema, action class, privilege and scope binding."""

    name: str
    function: ToolFunction
    description: str
    parameters: dict[str, Any]
    """JSON schema (draft 2020-12) of the arguments object."""
    arguments_model: type[BaseModel]
    action: ActionClass
    privilege: Privilege
    scope: ScopeBinding | None
    """None for a tool every scenario may call without a scope (escalation to a human)."""
    targets: tuple[str, ...] = ()
    payload: tuple[str, ...] = ()
    reads: str | None = None
    """Collection whose records the output shows; an injection for this tool goes there."""
    record_argument: str | None = None
    """Argument that takes the key of one record of `reads`, such as 'email_id'."""
    provenance: Provenance = Provenance.TOOL_OUTPUT
    escalates: bool = False
    parameter_names: tuple[str, ...] = field(default=())

    def definition(self) -> dict[str, Any]:
        """Return the function definition a model is offered: name, description, parameters."""
        return {"name": self.name, "description": self.description, "parameters": self.parameters}

    def validate_arguments(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Return the arguments coerced to the function's types, defaults filled in.

        Raises InvalidArguments naming every wrong, missing or unknown argument.
        """
        try:
            parsed = self.arguments_model.model_validate(dict(arguments))
        except ValidationError as exc:
            raise InvalidArguments(_describe_errors(self.name, exc)) from exc
        return {name: getattr(parsed, name) for name in self.parameter_names}


def tool(
    *,
    action: ActionClass,
    privilege: Privilege = Privilege.LOW,
    scope: str | None,
    targets: Iterable[str] = (),
    payload: Iterable[str] = (),
    scope_target: str | None = None,
    recipients: Iterable[str] = (),
    amount: str | None = None,
    reads: str | None = None,
    record_argument: str | None = None,
    provenance: Provenance = Provenance.TOOL_OUTPUT,
    escalates: bool = False,
) -> Callable[[F], F]:
    """Register a function as a world tool and return the function unchanged.

    `scope` is 'resource:operation' (see `ringfence.world.parse_scope`) or None for a tool that
    needs no scope. `scope_target`, `recipients` and `amount` name the arguments that scope
    qualifiers and limits check; `targets` and `payload` feed the tool policy.
    """

    def register(function: F) -> F:
        binding = _binding(function.__name__, scope, scope_target, tuple(recipients), amount)
        definition = _define(
            function,
            action=action,
            privilege=privilege,
            scope=binding,
            targets=tuple(targets),
            payload=tuple(payload),
            reads=reads,
            record_argument=record_argument,
            provenance=provenance,
            escalates=escalates,
        )
        setattr(function, _TOOL_ATTRIBUTE, definition)
        return function

    return register


def tool_of(function: ToolFunction) -> Tool:
    """Return the Tool registered for a function by `@tool`."""
    definition = getattr(function, _TOOL_ATTRIBUTE, None)
    if not isinstance(definition, Tool):
        name = getattr(function, "__name__", repr(function))
        raise ToolDefinitionError(f"function '{name}' is not registered with @tool")
    return definition


class Toolset:
    """The tools of one part of the world (e-mail, files, payments ...), under one name.

    The name is also the resource of every scope of its tools, so 'email:send' refers to the
    tool of the 'email' toolset bound to the 'send' operation.
    """

    def __init__(self, name: str, description: str, functions: Iterable[ToolFunction]) -> None:
        self.name = name
        self.description = description
        self.tools: dict[str, Tool] = {}
        for function in functions:
            self._add(tool_of(function))

    def _add(self, definition: Tool) -> None:
        if definition.name in self.tools:
            raise ToolDefinitionError(f"toolset '{self.name}' has two tools '{definition.name}'")
        if definition.scope is not None and definition.scope.resource != self.name:
            raise ToolDefinitionError(
                f"tool '{definition.name}' has scope '{definition.scope.text}', but its toolset "
                f"is '{self.name}'; a tool's scope resource must be its toolset's name"
            )
        self.tools[definition.name] = definition

    @property
    def operations(self) -> list[str]:
        """Scope operations the toolset's tools are bound to, sorted."""
        return sorted({t.scope.operation for t in self.tools.values() if t.scope is not None})

    def __repr__(self) -> str:
        return f"Toolset({self.name!r}, tools={sorted(self.tools)})"


def _binding(
    name: str,
    scope: str | None,
    target: str | None,
    recipients: tuple[str, ...],
    amount: str | None,
) -> ScopeBinding | None:
    if scope is None:
        if target or recipients or amount:
            raise ToolDefinitionError(f"tool '{name}' has no scope, so it cannot bind arguments")
        return None
    resource, separator, operation = scope.partition(":")
    if not separator or not resource.isidentifier() or not operation.isidentifier():
        raise ToolDefinitionError(
            f"tool '{name}': scope '{scope}' must have the form 'resource:operation'"
        )
    return ScopeBinding(resource, operation, target, recipients, amount)


def _define(function: ToolFunction, **options: Any) -> Tool:
    name = function.__name__
    if not inspect.getdoc(function):
        raise ToolDefinitionError(f"tool '{name}' has no docstring; its docstring is its schema")

    parsed = parse_docstring(inspect.getdoc(function))
    if not parsed.description:
        raise ToolDefinitionError(f"tool '{name}' has no description before its 'Args:' section")

    parameters = _parameters(function)
    missing = [p.name for p in parameters if not parsed.parameters.get(p.name)]
    if missing:
        raise ToolDefinitionError(
            f"tool '{name}': parameter(s) {', '.join(missing)} have no description in the "
            "docstring's 'Args:' section"
        )
    unknown = sorted(set(parsed.parameters) - {p.name for p in parameters})
    if unknown:
        raise ToolDefinitionError(
            f"tool '{name}': the docstring describes parameter(s) {', '.join(unknown)}, which "
            "the function does not have"
        )

    model = _arguments_model(function, parameters, parsed.parameters)
    definition = Tool(
        name=name,
        function=function,
        description=parsed.description,
        parameters=_clean_schema(model.model_json_schema()),
        arguments_model=model,
        parameter_names=tuple(p.name for p in parameters),
        **options,
    )
    _check_options(definition)
    return definition


def _parameters(function: ToolFunction) -> list[inspect.Parameter]:
    name = function.__name__
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    if not parameters or parameters[0].name != "state":
        raise ToolDefinitionError(f"tool '{name}': the first parameter must be 'state'")
    hints = get_type_hints(function)
    if hints.get("state") is not WorldState:
        raise ToolDefinitionError(f"tool '{name}': parameter 'state' must be a WorldState")
    for parameter in parameters[1:]:
        if parameter.kind not in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
            raise ToolDefinitionError(
                f"tool '{name}': parameter '{parameter.name}' must be a named parameter"
            )
        if parameter.name not in hints:
            raise ToolDefinitionError(
                f"tool '{name}': parameter '{parameter.name}' has no type hint"
            )
    return parameters[1:]


def _arguments_model(
    function: ToolFunction, parameters: list[inspect.Parameter], descriptions: dict[str, str]
) -> type[BaseModel]:
    # Extras keep `Annotated` validators, which normalize arguments (paths, channel names)
    # before the permission layer matches them against scopes.
    hints = get_type_hints(function, include_extras=True)
    fields: dict[str, Any] = {}
    for parameter in parameters:
        default = ... if parameter.default is parameter.empty else parameter.default
        fields[parameter.name] = (
            hints[parameter.name],
            Field(default=default, description=descriptions[parameter.name]),
        )
    model: type[BaseModel] = create_model(
        f"{function.__name__}_arguments",
        __config__=ConfigDict(extra="forbid"),
        **fields,
    )
    return model


def _clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop pydantic's generated titles, which repeat the names, and close the object."""
    cleaned: dict[str, Any] = _drop_titles(schema)
    cleaned["additionalProperties"] = False
    cleaned.setdefault("required", [])
    return cleaned


def _drop_titles(node: Any) -> Any:
    if isinstance(node, dict):
        # A parameter named 'title' maps to a schema object, while generated titles are text.
        return {
            key: _drop_titles(value)
            for key, value in node.items()
            if key != "title" or not isinstance(value, str)
        }
    if isinstance(node, list):
        return [_drop_titles(item) for item in node]
    return node


def _check_options(definition: Tool) -> None:
    names = set(definition.parameter_names)
    named: dict[str, Iterable[str | None]] = {
        "targets": definition.targets,
        "payload": definition.payload,
        "record_argument": [definition.record_argument],
    }
    if definition.scope is not None:
        named["scope_target"] = [definition.scope.target]
        named["recipients"] = definition.scope.recipients
        named["amount"] = [definition.scope.amount]
    for option, values in named.items():
        for value in values:
            if value is not None and value not in names:
                raise ToolDefinitionError(
                    f"tool '{definition.name}': {option} names '{value}', which is not a "
                    f"parameter (parameters: {', '.join(sorted(names)) or 'none'})"
                )
    if definition.reads is not None and definition.reads not in COLLECTIONS:
        raise ToolDefinitionError(
            f"tool '{definition.name}': reads '{definition.reads}', which is not a collection "
            f"({', '.join(sorted(COLLECTIONS))})"
        )


def _describe_errors(tool_name: str, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "arguments"
        if error["type"] == "extra_forbidden":
            problems.append(f"'{where}' is not a parameter")
        elif error["type"] == "missing":
            problems.append(f"'{where}' is required")
        else:
            problems.append(f"'{where}': {error['msg']} (got {error.get('input')!r})")
    return f"invalid arguments for {tool_name}: " + "; ".join(problems)
