"""The published JSON Schema of scenario files, generated from the `Scenario` model.

Editors validate scenario YAML against `ringfence/data/scenario.schema.json`; a test fails when
the committed file differs from what this module generates. After changing the scenario or world
models, regenerate it with:

    python -m ringfence.scenarios.schema
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from ringfence.scenarios._model import Scenario

SCHEMA_FILE = "data/scenario.schema.json"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def scenario_json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of one scenario file."""
    schema = Scenario.model_json_schema(mode="validation")
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": "ringfence scenario",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def render_scenario_schema() -> str:
    """Return the schema as the text of the published file."""
    return json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"


def published_schema_path() -> Path:
    """Path of the published schema file inside the installed package."""
    return Path(str(resources.files("ringfence").joinpath(SCHEMA_FILE)))


def main() -> int:
    """Write the generated schema over the published file and print its path."""
    path = published_schema_path()
    path.write_text(render_scenario_schema(), encoding="utf-8")
    sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
