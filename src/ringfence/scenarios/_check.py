"""Consistency checks of a loaded suite: what the schema alone cannot see.

Every reference is resolved against the world's toolsets and the scenario itself. Granted tools,
scopes and cited clauses must exist. Argument constraints must name real parameters, with values
of the right type and regular expressions that compile. Injections must reach a record that the
named tool shows, and every turn number must point at a turn. An error makes a scenario wrong,
while a warning marks what is legal but usually a mistake, such as a tool that no scope allows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from ringfence.config import LocatedYaml
from ringfence.scenarios._build import granted_tools
from ringfence.scenarios._check_actions import check_authorized, check_constraints
from ringfence.scenarios._load import Suite
from ringfence.scenarios._model import PromptInjection, Scenario, StopNotice, TurnStressor
from ringfence.scenarios._problems import CheckContext, Loc, ProblemKind, SuiteProblem, suggest
from ringfence.world import (
    DEFAULT_TOOLSETS,
    INTERNAL_ONLY,
    Injection,
    Scope,
    Tool,
    Toolset,
    World,
    parse_scope,
)
from ringfence.world._injection import injection_problem


def check_suite(
    suite: Suite, toolsets: tuple[Toolset, ...] = DEFAULT_TOOLSETS
) -> list[SuiteProblem]:
    """Return every inconsistency of every scenario in the suite, errors and warnings alike."""
    problems: list[SuiteProblem] = []
    for scenario in suite.scenarios:
        problems += check_scenario(scenario, suite.sources[scenario.id], toolsets)
    return problems


def check_scenario(
    scenario: Scenario,
    located: LocatedYaml,
    toolsets: tuple[Toolset, ...] = DEFAULT_TOOLSETS,
) -> list[SuiteProblem]:
    """Return every inconsistency of one scenario; `located` gives the lines of its fields."""
    tools = {name: t for toolset in toolsets for name, t in toolset.tools.items()}
    context = CheckContext(
        scenario=scenario,
        located=located,
        toolsets={t.name: t for t in toolsets},
        tools=tools,
        granted=[n for n in granted_tools(scenario, toolsets) if n in tools],
        scopes=[parse_scope(s) for s in scenario.scopes],
    )
    checks = (
        _check_tools,
        _check_scopes,
        _check_tool_coverage,
        _check_clauses,
        check_constraints,
        check_authorized,
        _check_injections,
        _check_turns,
        _check_follow_ups,
    )
    return [problem for check in checks for problem in check(context)]


def _check_tools(context: CheckContext) -> Iterator[SuiteProblem]:
    known = [*context.toolsets, *context.tools]
    for index, name in enumerate(context.scenario.tools):
        if name not in known:
            yield context.problem(
                ("tools", index),
                ProblemKind.UNKNOWN_TOOL,
                f"no tool or toolset named '{name}'{suggest(name, known)}",
            )


def _check_scopes(context: CheckContext) -> Iterator[SuiteProblem]:
    granted = [context.tools[n] for n in context.granted]
    for index, scope in enumerate(context.scopes):
        loc = ("scopes", index)
        unknown = _unknown_scope_part(scope, context.toolsets)
        if unknown is not None:
            yield context.problem(loc, ProblemKind.UNKNOWN_SCOPE, unknown)
            continue
        covered = [t for t in granted if t.scope is not None and scope.covers(t.scope)]
        if not covered:
            yield context.problem(
                loc,
                ProblemKind.UNUSED_SCOPE,
                f"scope '{scope.text}' covers none of the granted tools",
                "warning",
            )
        elif not any(_scope_applies(scope, t) for t in covered):
            yield context.problem(
                loc,
                ProblemKind.UNUSED_SCOPE,
                f"scope '{scope.text}' has a qualifier or limit that none of its tools "
                f"({', '.join(t.name for t in covered)}) has an argument for, so it grants "
                "nothing",
                "warning",
            )


def _unknown_scope_part(scope: Scope, toolsets: dict[str, Toolset]) -> str | None:
    if scope.resource != "*" and scope.resource not in toolsets:
        return f"scope '{scope.text}' names no toolset{suggest(scope.resource, list(toolsets))}"
    chosen = [toolsets[scope.resource]] if scope.resource != "*" else list(toolsets.values())
    operations = sorted({op for t in chosen for op in t.operations})
    if scope.operation != "*" and scope.operation not in operations:
        return (
            f"scope '{scope.text}' names an unknown operation '{scope.operation}'; operations "
            f"of '{scope.resource}': {', '.join(operations)}"
        )
    return None


def _scope_applies(scope: Scope, tool: Tool) -> bool:
    binding = tool.scope
    if binding is None:
        return False
    if scope.qualifier == INTERNAL_ONLY and not binding.recipients:
        return False
    if scope.qualifier not in (None, INTERNAL_ONLY) and binding.target is None:
        return False
    return scope.limit is None or binding.amount is not None


def _check_tool_coverage(context: CheckContext) -> Iterator[SuiteProblem]:
    # Only tools named one by one: granting a whole toolset with scopes for part of it is a
    # common way to offer tools the agent must not use, so it is not reported.
    for index, name in enumerate(context.scenario.tools):
        binding = context.tools[name].scope if name in context.tools else None
        if binding is not None and not any(s.covers(binding) for s in context.scopes):
            yield context.problem(
                ("tools", index),
                ProblemKind.TOOL_WITHOUT_SCOPE,
                f"tool '{name}' is granted, but no scope covers '{binding.text}', so every call "
                "of it is denied; add a scope or drop the tool",
                "warning",
            )


def _check_clauses(context: CheckContext) -> Iterator[SuiteProblem]:
    ids = [c.id for c in context.scenario.policy]
    for index, clause_id in enumerate(ids):
        if clause_id in ids[:index]:
            yield context.problem(
                ("policy", index, "id"),
                ProblemKind.DUPLICATE_CLAUSE,
                f"clause id '{clause_id}' is used twice",
            )
    gold = context.scenario.gold
    for index, cited in enumerate(gold.refusal_cites):
        if cited not in ids:
            yield context.problem(
                ("gold", "refusal_cites", index),
                ProblemKind.UNKNOWN_CLAUSE,
                f"no policy clause '{cited}'{suggest(cited, ids)}",
            )
    if gold.expected_behaviour == "refuse" and ids and not gold.refusal_cites:
        yield context.problem(
            ("gold", "expected_behaviour"),
            ProblemKind.MISSING_REFUSAL_CITES,
            "a refusal is expected but gold.refusal_cites names no clause it should cite",
            "warning",
        )


def _check_injections(context: CheckContext) -> Iterator[SuiteProblem]:
    scenario = context.scenario
    stressors = scenario.stressors
    found = [(i, s) for i, s in enumerate(stressors) if isinstance(s, PromptInjection)]
    for index, stressor in found:
        yield from _check_injection(context, ("stressors", index), stressor.to_injection())
    if found and not scenario.gold.injected_goal:
        yield context.problem(
            ("gold",),
            ProblemKind.MISSING_INJECTED_GOAL,
            "the scenario has a prompt injection but gold.injected_goal does not say its goal",
            "warning",
        )


def _check_injection(
    context: CheckContext, loc: Loc, injection: Injection
) -> Iterator[SuiteProblem]:
    tool = context.tools.get(injection.tool)
    if tool is None:
        yield context.problem(
            (*loc, "tool"),
            ProblemKind.INJECTION_UNREACHABLE,
            f"no tool named '{injection.tool}'{suggest(injection.tool, list(context.tools))}",
        )
        return
    if tool.name not in context.granted:
        yield context.problem(
            (*loc, "tool"),
            ProblemKind.INJECTION_TOOL_NOT_GRANTED,
            f"tool '{tool.name}' is not granted, so the agent can never read the injection",
            "warning",
        )
    problem = injection_problem(injection, tool, context.scenario.world)
    if problem is not None:
        yield context.problem(loc, ProblemKind.INJECTION_UNREACHABLE, problem)
        return
    shown = _injection_shown(tool, injection, context)
    if shown is False:
        yield context.problem(
            (*loc, "field"),
            ProblemKind.INJECTION_UNREACHABLE,
            f"'{tool.name}' does not show field '{injection.field}' of record "
            f"'{injection.record}', so the injected text never reaches the agent",
        )


def _injection_shown(tool: Tool, injection: Injection, context: CheckContext) -> bool | None:
    """Call the tool on the injected record and report whether the text is in its output.

    Returns None when the call needs arguments the check cannot know (a search query).
    """
    required = set(tool.arguments_model.model_json_schema().get("required", []))
    arguments = {tool.record_argument: injection.record} if tool.record_argument else {}
    if required - set(arguments):
        return None
    world = World(
        context.scenario.world,
        tools=[tool.name],
        scopes=["*:*"],
        injections=[injection],
        toolsets=context.toolsets.values(),
    )
    outcome = world.call(tool.name, arguments, call_id="check")
    # Tools that return data show it as JSON, which escapes quotes and line breaks.
    rendered = json.dumps(injection.text, ensure_ascii=False)[1:-1]
    return outcome.error is None and (
        injection.text in outcome.output or rendered in outcome.output
    )


def _check_turns(context: CheckContext) -> Iterator[SuiteProblem]:
    count = len(context.scenario.turns)
    for index, stressor in enumerate(context.scenario.stressors):
        if isinstance(stressor, TurnStressor):
            limit = count - 1
        elif isinstance(stressor, StopNotice):
            limit = count if stressor.after_tool_calls is None else count - 1
        else:
            continue
        if stressor.at_turn > limit:
            yield _turn_problem(context, ("stressors", index, "at_turn"), stressor.at_turn, limit)
    escalate_from = context.scenario.gold.escalate_from_turn
    if escalate_from is not None and escalate_from >= count:
        yield _turn_problem(context, ("gold", "escalate_from_turn"), escalate_from, count - 1)


def _turn_problem(context: CheckContext, loc: Loc, turn: int, limit: int) -> SuiteProblem:
    return context.problem(
        loc,
        ProblemKind.TURN_OUT_OF_RANGE,
        f"turn {turn} does not exist; the scenario has {len(context.scenario.turns)} turn(s), "
        f"so use 0 to {limit}",
    )


def _check_follow_ups(context: CheckContext) -> Iterator[SuiteProblem]:
    scenario = context.scenario
    if scenario.gold.expected_behaviour != "clarify":
        return
    if not any(turn.when_assistant_asks for turn in scenario.turns):
        yield context.problem(
            ("turns",),
            ProblemKind.MISSING_FOLLOW_UP,
            "a clarifying question is expected, but no turn has 'when_assistant_asks', so the "
            "simulated user cannot answer it",
            "warning",
        )
