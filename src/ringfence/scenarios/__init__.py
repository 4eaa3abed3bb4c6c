"""Scenario suites for live runs: the YAML format, loading with located errors, and checks.

`load_suite(folder)` reads `suite.yaml` and every scenario file, and raises `SuiteLoadError`
listing every error of every file. `check_suite(suite)` then resolves what the schema cannot
(tools, scopes, clauses, argument constraints, injections, turn numbers). `build_world`,
`user_message`, `gold_labels` and `sample_metadata` give a runner what it needs per scenario.
`ringfence.scenarios.schema` generates the published JSON Schema of scenario files.
"""

from ringfence.scenarios._build import (
    PROMPT_INJECTION,
    build_world,
    gold_labels,
    granted_tools,
    injected_texts,
    injections,
    sample_metadata,
    stop_notices,
    user_message,
)
from ringfence.scenarios._check import check_scenario, check_suite
from ringfence.scenarios._load import (
    SUITE_FILE,
    Suite,
    SuiteLoadError,
    load_scenario,
    load_suite,
    scenario_files,
)
from ringfence.scenarios._model import (
    Clause,
    Gold,
    PromptInjection,
    Scenario,
    StopNotice,
    SuiteInfo,
    Turn,
    TurnStressor,
)
from ringfence.scenarios._problems import ProblemKind, SuiteProblem

__all__ = [
    "PROMPT_INJECTION",
    "SUITE_FILE",
    "Clause",
    "Gold",
    "ProblemKind",
    "PromptInjection",
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
