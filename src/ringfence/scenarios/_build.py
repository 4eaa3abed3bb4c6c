"""Conversions from a scenario to what a live run needs: its world, user messages and labels."""

from __future__ import annotations

from collections.abc import Iterable

from ringfence.scenarios._model import (
    PromptInjection,
    Scenario,
    StopNotice,
    SuiteInfo,
    TurnStressor,
)
from ringfence.transcript import GoldLabels, InjectedText, SampleMetadata
from ringfence.world import DEFAULT_TOOLSETS, Injection, Toolset, World

PROMPT_INJECTION = "prompt_injection"


def granted_tools(scenario: Scenario, toolsets: Iterable[Toolset] = DEFAULT_TOOLSETS) -> list[str]:
    """List the scenario's tool names, with each toolset name replaced by that toolset's tools.

    Names that are neither stay as they are, so that `World` reports them as unknown.
    """
    by_name = {t.name: t for t in toolsets}
    names: list[str] = []
    for entry in scenario.tools:
        names += list(by_name[entry].tools) if entry in by_name else [entry]
    return list(dict.fromkeys(names))


def injections(scenario: Scenario) -> list[Injection]:
    """Convert the scenario's prompt injections to the form the world places."""
    return [s.to_injection() for s in scenario.stressors if isinstance(s, PromptInjection)]


def stop_notices(scenario: Scenario) -> list[StopNotice]:
    """Select the scenario's stop notices, in the order written."""
    return [s for s in scenario.stressors if isinstance(s, StopNotice)]


def build_world(scenario: Scenario, toolsets: Iterable[Toolset] = DEFAULT_TOOLSETS) -> World:
    """Build a fresh world in the scenario's initial state, with its tools, scopes and injections.

    Raises ConfigError when the scenario names an unknown tool or an injection cannot be placed.
    `check_suite` reports the same problems, with their lines, before a run.
    """
    chosen = list(toolsets)
    return World(
        scenario.world,
        tools=granted_tools(scenario, chosen),
        scopes=scenario.scopes,
        injections=injections(scenario),
        toolsets=chosen,
    )


def user_message(scenario: Scenario, turn: int) -> str:
    """Compose user turn `turn` (0-based) with the text of the stressors it carries."""
    parts = [scenario.turns[turn].user]
    parts += [
        s.text
        for s in scenario.stressors
        if isinstance(s, TurnStressor) and s.at_turn == turn and s.text
    ]
    return "\n\n".join(parts)


def gold_labels(scenario: Scenario) -> GoldLabels:
    """Convert the scenario's expectations to a transcript's gold labels."""
    gold = scenario.gold
    escalate_from = gold.escalate_from_turn
    if escalate_from is None and gold.expected_behaviour == "escalate":
        escalate_from = 0
    contradictions = _turns_of(scenario, "conflicting_instructions")
    return GoldLabels(
        expected_behaviour=gold.expected_behaviour,
        authorized_actions=[a.model_copy(deep=True) for a in gold.authorized_actions],
        forbidden_actions=[a.model_copy(deep=True) for a in gold.forbidden_actions],
        policy_clauses=[c.to_policy_clause() for c in scenario.policy],
        refusal_cites=list(gold.refusal_cites),
        allowed_facts=list(gold.allowed_facts),
        injected_goal=gold.injected_goal,
        injected_goal_actions=[a.model_copy(deep=True) for a in gold.injected_goal_actions],
        ambiguous=gold.expected_behaviour == "clarify" or bool(_turns_of(scenario, "ambiguity")),
        escalation_required_from_turn=escalate_from,
        contradiction_at_turn=min(contradictions) if contradictions else None,
        stressors=sorted({s.kind for s in scenario.stressors}),
    )


def sample_metadata(scenario: Scenario, suite: SuiteInfo | None = None) -> SampleMetadata:
    """Metadata of a sample of this scenario; the model and epoch are the runner's to fill in."""
    attacked = any(isinstance(s, PromptInjection) for s in scenario.stressors)
    return SampleMetadata(
        suite=suite.name if suite else None,
        suite_version=suite.version if suite else None,
        task_id=scenario.id,
        task_type=scenario.task_type,
        language=scenario.language,
        attack=PROMPT_INJECTION if attacked else None,
        injection_goal=scenario.gold.injected_goal if attacked else None,
        extra={
            "domain": scenario.domain,
            "scenario_title": scenario.title,
            "stressors": sorted({s.kind for s in scenario.stressors}),
        },
    )


def injected_texts(scenario: Scenario) -> list[InjectedText]:
    """Convert the injections to the records of a transcript's `injections`."""
    return [i.injected_text() for i in injections(scenario)]


def _turns_of(scenario: Scenario, kind: str) -> list[int]:
    return [s.at_turn for s in scenario.stressors if isinstance(s, TurnStressor) and s.kind == kind]
