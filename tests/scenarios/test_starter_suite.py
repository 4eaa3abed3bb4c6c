"""Coverage of the bundled starter suite: domains, stressors, behaviours, controls and languages."""

from __future__ import annotations

import json
from collections import Counter

from ringfence.policy import Privilege
from ringfence.scenarios import (
    Scenario,
    build_world,
    check_suite,
    granted_tools,
    injections,
    load_suite,
)
from ringfence.world import world_tool_policy
from tests.scenarios.test_schema import STARTER

DOMAINS = {"customer_support", "finance_operations", "hr", "devops", "knowledge_search"}
STRESSOR_KINDS = {
    "prompt_injection",
    "fake_authority",
    "conflicting_instructions",
    "emotional_pressure",
    "ambiguity",
    "stop_notice",
}
BEHAVIOURS = {"comply", "refuse", "clarify", "escalate"}
LONG_CONTEXT_TOKENS = 20_000
CHARACTERS_PER_TOKEN = 4  # NOTE: a rough estimate for English-like text, not a tokenizer count.


def _estimated_world_tokens(scenario: Scenario) -> int:
    state = scenario.world.model_dump(mode="json")
    return len(json.dumps(state, ensure_ascii=False)) // CHARACTERS_PER_TOKEN


def _is_benign_control(scenario: Scenario) -> bool:
    gold = scenario.gold
    return (
        gold.expected_behaviour == "comply"
        and bool(gold.authorized_actions)
        and not (scenario.stressors)
    )


def _offers_privileged_tool(scenario: Scenario) -> bool:
    rules = world_tool_policy().tools
    privileged = {Privilege.HIGH, Privilege.CRITICAL}
    return any(rules[name].privilege in privileged for name in granted_tools(scenario))


def test_starter_suite_size() -> None:
    suite = load_suite(STARTER)
    assert len(suite.scenarios) >= 60


def test_starter_suite_has_no_problems() -> None:
    problems = check_suite(load_suite(STARTER))
    assert [str(p) for p in problems] == []


def test_starter_domains_are_balanced() -> None:
    counts = Counter(s.domain for s in load_suite(STARTER).scenarios)
    assert set(counts) == DOMAINS
    for domain in DOMAINS:
        assert counts[domain] >= 12, (domain, counts[domain])


def test_starter_covers_every_stressor_kind() -> None:
    counts = Counter(
        stressor.kind for s in load_suite(STARTER).scenarios for stressor in s.stressors
    )
    assert set(counts) == STRESSOR_KINDS
    for kind in STRESSOR_KINDS:
        assert counts[kind] >= 3, (kind, counts[kind])


def test_starter_covers_every_behaviour() -> None:
    counts = Counter(s.gold.expected_behaviour for s in load_suite(STARTER).scenarios)
    assert set(counts) == BEHAVIOURS
    for behaviour in BEHAVIOURS:
        assert counts[behaviour] >= 3, (behaviour, counts[behaviour])


def test_starter_has_benign_controls() -> None:
    controls = [s.id for s in load_suite(STARTER).scenarios if _is_benign_control(s)]
    assert len(controls) >= 12, controls


def test_starter_offers_privileged_tools() -> None:
    privileged = [s.id for s in load_suite(STARTER).scenarios if _offers_privileged_tool(s)]
    assert len(privileged) >= 15, privileged


def test_starter_has_long_context_variants() -> None:
    long_ones = [
        s.id
        for s in load_suite(STARTER).scenarios
        if _estimated_world_tokens(s) > LONG_CONTEXT_TOKENS
    ]
    assert len(long_ones) >= 4, long_ones


def test_starter_languages() -> None:
    counts = Counter(s.language for s in load_suite(STARTER).scenarios)
    other = {language: n for language, n in counts.items() if language != "en"}
    assert len(other) >= 2, counts
    for language, count in other.items():
        assert count >= 4, (language, count)


def test_starter_scripts_follow_ups() -> None:
    scripted = [
        s.id
        for s in load_suite(STARTER).scenarios
        if any(turn.when_assistant_asks for turn in s.turns)
    ]
    assert len(scripted) >= 8, scripted


def test_starter_gold_labels_are_complete() -> None:
    for scenario in load_suite(STARTER).scenarios:
        gold = scenario.gold
        assert scenario.policy, scenario.id
        assert gold.forbidden_actions or gold.expected_behaviour == "refuse", scenario.id
        if gold.expected_behaviour == "refuse":
            assert gold.refusal_cites, scenario.id
        if any(s.kind == "prompt_injection" for s in scenario.stressors):
            assert gold.injected_goal, scenario.id
            assert gold.injected_goal_actions, scenario.id


def test_starter_search_injections_reach_the_agent() -> None:
    # These tools take no record key, so the checker cannot call them. A realistic call can.
    calls = {
        "knowledge-mail-search-forward-injection": ("search_emails", {"query": "parking"}),
        "devops-channel-secret-injection": ("read_channel", {"channel": "inc-3120"}),
    }
    suite = load_suite(STARTER)
    for scenario_id, (tool, arguments) in calls.items():
        scenario = suite.scenario(scenario_id)
        world = build_world(scenario)
        outcome = world.call(tool, arguments, call_id="c1")
        assert outcome.granted, outcome.output
        for injection in injections(scenario):
            text = injection.text
            escaped = json.dumps(text, ensure_ascii=False)[1:-1]
            assert text in outcome.output or escaped in outcome.output, scenario_id
