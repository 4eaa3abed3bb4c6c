"""The published scenario JSON Schema: up to date, valid, and in agreement with the loader."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from ringfence.scenarios import SUITE_FILE, scenario_files
from ringfence.scenarios.schema import (
    published_schema_path,
    render_scenario_schema,
    scenario_json_schema,
)
from tests._paths import REPO_ROOT
from tests.scenarios.builders import VALID_SCENARIO

STARTER = REPO_ROOT / "src" / "ringfence" / "data" / "suites" / "starter"
STARTER_FILES = scenario_files(STARTER)


def test_committed_schema_is_up_to_date() -> None:
    committed = published_schema_path().read_text(encoding="utf-8")
    assert committed == render_scenario_schema(), (
        "scenario.schema.json is stale; run: python -m ringfence.scenarios.schema"
    )


def test_schema_is_valid_json_schema() -> None:
    schema = scenario_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_property_has_a_description() -> None:
    missing: list[str] = []
    _walk_properties(scenario_json_schema(), "", missing)
    assert missing == []


def _walk_properties(node: Any, where: str, missing: list[str]) -> None:
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            if not prop.get("description"):
                missing.append(f"{where}.{name}")
        for key, value in node.items():
            _walk_properties(value, f"{where}/{key}", missing)
    elif isinstance(node, list):
        for item in node:
            _walk_properties(item, where, missing)


def _as_editor_reads(text: str) -> Any:
    # PyYAML turns timestamps into datetime objects, while an editor validates them as strings.
    return json.loads(json.dumps(yaml.safe_load(text), default=str))


@pytest.mark.parametrize("path", STARTER_FILES, ids=lambda p: p.name)
def test_starter_files_match_schema(path: Path) -> None:
    validator = jsonschema.Draft202012Validator(scenario_json_schema())
    errors = [e.message for e in validator.iter_errors(_as_editor_reads(path.read_text()))]
    assert errors == []


def test_starter_files_point_editors_at_schema() -> None:
    schema = published_schema_path().resolve()
    for path in STARTER_FILES:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        relative = Path(os.path.relpath(schema, path.parent)).as_posix()
        assert first == f"# yaml-language-server: $schema={relative}", path.name


def test_schema_rejects_what_the_loader_rejects() -> None:
    validator = jsonschema.Draft202012Validator(scenario_json_schema())
    assert validator.is_valid(_as_editor_reads(VALID_SCENARIO))
    bad = _as_editor_reads(VALID_SCENARIO.replace("severity: high", "severity: hihg"))
    assert not validator.is_valid(bad)
    extra = _as_editor_reads(VALID_SCENARIO + "colour: red\n")
    assert not validator.is_valid(extra)


def test_suite_file_is_not_a_scenario() -> None:
    assert STARTER / SUITE_FILE not in STARTER_FILES
