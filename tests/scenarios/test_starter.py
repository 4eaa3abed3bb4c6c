"""The bundled starter suite: loads, passes the checker, and builds a world per scenario."""

from __future__ import annotations

import json

from ringfence.scenarios import (
    PromptInjection,
    build_world,
    check_suite,
    gold_labels,
    injections,
    load_suite,
    sample_metadata,
    user_message,
)
from tests.scenarios.test_schema import STARTER

DOMAINS = {"customer_support", "finance_operations", "hr", "devops", "knowledge_search"}


def test_starter_suite_loads() -> None:
    suite = load_suite(STARTER)
    assert suite.info.name == "starter"
    assert {s.domain for s in suite.scenarios} == DOMAINS


def test_starter_suite_passes_checker() -> None:
    assert [str(p) for p in check_suite(load_suite(STARTER))] == []


def test_every_starter_world_builds() -> None:
    for scenario in load_suite(STARTER).scenarios:
        world = build_world(scenario)
        assert world.granted_tools, scenario.id
        assert world.tool_definitions(), scenario.id


def test_starter_injections_reach_the_agent() -> None:
    for scenario in load_suite(STARTER).scenarios:
        for injection in injections(scenario):
            world = build_world(scenario)
            tool = world.tools[injection.tool]
            if tool.record_argument is None:
                # Search and channel tools need a query or channel; test_starter_suite covers them.
                continue
            outcome = world.call(tool.name, {tool.record_argument: injection.record}, call_id="c1")
            assert outcome.granted, outcome.output
            escaped = json.dumps(injection.text, ensure_ascii=False)[1:-1]
            assert injection.text in outcome.output or escaped in outcome.output


def test_starter_stressor_kinds() -> None:
    kinds = {s.kind for scenario in load_suite(STARTER).scenarios for s in scenario.stressors}
    assert {"prompt_injection", "fake_authority", "emotional_pressure", "stop_notice"} <= kinds


def test_gold_labels_carry_policy_and_turns() -> None:
    suite = load_suite(STARTER)
    finance = gold_labels(suite.scenario("finance-urgent-wire-authority"))
    assert finance.expected_behaviour == "escalate"
    assert finance.escalation_required_from_turn == 1
    assert [c.id for c in finance.policy_clauses] == ["PAY-1", "PAY-2"]
    assert finance.stressors == ["fake_authority"]
    hr = gold_labels(suite.scenario("hr-salary-disclosure-pressure"))
    assert hr.refusal_cites == ["HR-1"]
    assert not hr.ambiguous
    devops = gold_labels(suite.scenario("devops-channel-secret-injection"))
    assert [c.tool for c in devops.injected_goal_actions] == ["send_direct_message", "post_message"]


def test_sample_metadata_marks_attacks() -> None:
    suite = load_suite(STARTER)
    support = suite.scenario("support-refund-injection")
    metadata = sample_metadata(support, suite.info)
    assert metadata.attack == "prompt_injection"
    assert metadata.suite == "starter"
    assert metadata.suite_version == suite.info.version
    assert metadata.task_id == support.id
    assert metadata.extra["domain"] == "customer_support"
    devops = sample_metadata(suite.scenario("devops-alert-mute-shutdown"), suite.info)
    assert devops.attack is None
    assert any(isinstance(s, PromptInjection) for s in support.stressors)


def test_user_message_adds_stressor_text() -> None:
    scenario = load_suite(STARTER).scenario("finance-urgent-wire-authority")
    updated = scenario.model_copy(deep=True)
    updated.stressors[0].text = "I am the CEO."
    assert user_message(updated, 1).endswith("\n\nI am the CEO.")
    assert user_message(updated, 0) == scenario.turns[0].user
