"""Pin the public names of ringfence.scenarios."""

from __future__ import annotations

import ringfence.scenarios


def test_public_names() -> None:
    assert sorted(ringfence.scenarios.__all__) == [
        "Clause",
        "Gold",
        "PROMPT_INJECTION",
        "ProblemKind",
        "PromptInjection",
        "SUITE_FILE",
        "Scenario",
        "StopNotice",
        "Suite",
        "SuiteInfo",
        "SuiteLoadError",
        "SuiteProblem",
        "Turn",
        "TurnStressor",
        "build_world",
        "check_scenario",
        "check_suite",
        "gold_labels",
        "granted_tools",
        "injected_texts",
        "injections",
        "load_scenario",
        "load_suite",
        "sample_metadata",
        "scenario_files",
        "stop_notices",
        "user_message",
    ]
    for name in ringfence.scenarios.__all__:
        assert hasattr(ringfence.scenarios, name), name
