"""Checks of the gold labels' action constraints: tools, parameters, values and scopes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ringfence.scenarios._problems import CheckContext, Loc, ProblemKind, SuiteProblem, suggest
from ringfence.transcript import ActionConstraint
from ringfence.world import INTERNAL_ONLY, Scope, Tool


def check_constraints(context: CheckContext) -> Iterator[SuiteProblem]:
    """Check that the gold labels' actions name real tools, parameters and values."""
    gold = context.scenario.gold
    for group in ("authorized_actions", "forbidden_actions", "injected_goal_actions"):
        for index, constraint in enumerate(getattr(gold, group)):
            yield from _check_constraint(context, ("gold", group, index), constraint)


def _check_constraint(
    context: CheckContext, loc: Loc, constraint: ActionConstraint
) -> Iterator[SuiteProblem]:
    tool = context.tools.get(constraint.tool)
    if tool is None:
        yield context.problem(
            (*loc, "tool"),
            ProblemKind.UNKNOWN_TOOL,
            f"no tool named '{constraint.tool}'{suggest(constraint.tool, list(context.tools))}",
        )
        return
    for name, expected in constraint.arguments.items():
        where = (*loc, "arguments", name)
        if name not in tool.parameter_names:
            yield context.problem(
                where,
                ProblemKind.UNKNOWN_ARGUMENT,
                f"tool '{tool.name}' has no parameter '{name}'; parameters: "
                f"{', '.join(tool.parameter_names) or 'none'}",
            )
            continue
        yield from _check_value(context, where, tool, name, expected)


def _check_value(
    context: CheckContext, loc: Loc, tool: Tool, name: str, expected: Any
) -> Iterator[SuiteProblem]:
    patterns = list(_patterns(expected))
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            yield context.problem(
                loc, ProblemKind.INVALID_REGEX, f"regular expression {pattern!r} is invalid: {exc}"
            )
    if patterns:
        return
    annotation: Any = tool.arguments_model.model_fields[name].annotation
    try:
        TypeAdapter(annotation).validate_python(expected)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        yield context.problem(
            loc,
            ProblemKind.INVALID_ARGUMENT,
            f"{expected!r} can never be a value of '{name}' of tool '{tool.name}': {reason}",
        )


def _patterns(value: Any) -> Iterator[str]:
    if isinstance(value, str) and value.startswith("re:"):
        yield value[3:]
    elif isinstance(value, list):
        for item in value:
            yield from _patterns(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _patterns(item)


def check_authorized(context: CheckContext) -> Iterator[SuiteProblem]:
    """Check that each authorized action calls an offered tool that the scopes allow."""
    domains = context.scenario.world.domains
    for index, constraint in enumerate(context.scenario.gold.authorized_actions):
        tool = context.tools.get(constraint.tool)
        if tool is None:
            continue
        loc = ("gold", "authorized_actions", index, "tool")
        if tool.name not in context.granted:
            yield context.problem(
                loc,
                ProblemKind.AUTHORIZED_TOOL_NOT_GRANTED,
                f"the authorized action calls '{tool.name}', which is not among the tools",
            )
            continue
        denial = _scope_denial(tool, constraint, context.scopes, domains)
        if denial is not None:
            yield context.problem(
                loc,
                ProblemKind.AUTHORIZED_ACTION_DENIED,
                f"the scopes deny the authorized action: {denial}",
                "warning",
            )


def _scope_denial(
    tool: Tool, constraint: ActionConstraint, scopes: list[Scope], domains: list[str]
) -> str | None:
    """Why every scope denies the constrained call, or None when one allows it or it is unclear.

    A scope can only be judged when the constraint gives literal values (no 're:' pattern) for
    the arguments that scope checks.
    """
    binding = tool.scope
    if binding is None:
        return None
    covering = [s for s in scopes if s.covers(binding)]
    if not covering:
        return f"no granted scope covers '{binding.text}'"
    literal = {
        name: value
        for name, value in constraint.arguments.items()
        if not any(True for _ in _patterns(value))
    }
    reasons: list[str] = []
    for scope in covering:
        if not _judgeable(scope, tool, literal):
            return None
        problem = scope.violation(binding, literal, domains)
        if problem is None:
            return None
        reasons.append(f"{problem} (scope '{scope.text}')")
    return "; ".join(reasons)


def _judgeable(scope: Scope, tool: Tool, literal: dict[str, Any]) -> bool:
    binding = tool.scope
    if binding is None:
        return False
    if scope.qualifier == INTERNAL_ONLY and not any(n in literal for n in binding.recipients):
        return False
    glob = scope.qualifier not in (None, INTERNAL_ONLY)
    if glob and binding.target is not None and binding.target not in literal:
        return False
    return not (
        scope.limit is not None and binding.amount is not None and binding.amount not in literal
    )
