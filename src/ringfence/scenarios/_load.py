"""Loading a suite folder: `suite.yaml` plus one scenario per YAML file.

Every file is read and validated before anything is raised, so one run of `load_suite` lists
every error of every file, each with its file, line and field.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ringfence.config import LocatedYaml, load_yaml_with_lines
from ringfence.errors import ConfigError
from ringfence.scenarios._model import Scenario, SuiteInfo

SUITE_FILE = "suite.yaml"
SCENARIO_SUFFIXES = (".yaml", ".yml")
ModelT = TypeVar("ModelT", bound=BaseModel)


class SuiteLoadError(ConfigError):
    """One or more files of a suite are invalid; `errors` lists every one of them."""

    def __init__(self, path: str, errors: list[ConfigError]) -> None:
        self.errors = list(errors)
        count = len(self.errors)
        super().__init__(f"{count} error{'s' if count != 1 else ''} in the suite.", path=path)

    def _format(self) -> str:
        lines = [f"{self.path}: {self.reason}"]
        lines += [f"  {error}" for error in self.errors]
        return "\n".join(lines)


@dataclass(frozen=True)
class Suite:
    """A loaded suite: its `suite.yaml`, its scenarios, and where each came from."""

    path: Path
    info: SuiteInfo
    scenarios: list[Scenario]
    sources: dict[str, LocatedYaml]
    """Scenario id to its parsed file, which records the line of every field."""

    def scenario(self, scenario_id: str) -> Scenario:
        """Return the scenario with this id; raise KeyError naming close ids otherwise."""
        for scenario in self.scenarios:
            if scenario.id == scenario_id:
                return scenario
        close = difflib.get_close_matches(scenario_id, [s.id for s in self.scenarios], n=3)
        raise KeyError(f"no scenario {scenario_id!r} in suite {self.info.name!r}; close: {close}")

    def location(self, scenario_id: str, loc: tuple[str | int, ...]) -> tuple[str, int | None]:
        """Return the file and line of a field of a scenario."""
        source = self.sources[scenario_id]
        return source.path, source.line_of(loc)


def load_suite(path: str | Path) -> Suite:
    """Load a suite folder; raise SuiteLoadError listing every error of every file."""
    root = Path(path)
    if not root.is_dir():
        raise ConfigError("suite folder not found.", path=str(root), hint="give a folder path.")

    errors: list[ConfigError] = []
    info = _load_file(root / SUITE_FILE, SuiteInfo, errors)
    files = scenario_files(root)
    if not files:
        errors.append(
            ConfigError(
                "the suite has no scenario files.",
                path=str(root),
                hint=f"add one scenario per {' or '.join(SCENARIO_SUFFIXES)} file.",
            )
        )

    scenarios: list[Scenario] = []
    sources: dict[str, LocatedYaml] = {}
    for file in files:
        loaded = _load_scenario(file, errors)
        if loaded is None:
            continue
        scenario, located = loaded
        if scenario.id in sources:
            errors.append(_duplicate_id(scenario.id, located, sources[scenario.id]))
            continue
        scenarios.append(scenario)
        sources[scenario.id] = located

    if errors or info is None:
        raise SuiteLoadError(str(root), errors)
    return Suite(path=root, info=info, scenarios=scenarios, sources=sources)


def load_scenario(path: str | Path) -> Scenario:
    """Load one scenario file; raise SuiteLoadError listing every error in it."""
    errors: list[ConfigError] = []
    loaded = _load_scenario(Path(path), errors)
    if loaded is None:
        raise SuiteLoadError(str(path), errors)
    return loaded[0]


def scenario_files(root: Path) -> list[Path]:
    """Scenario files of a suite folder and its subfolders, in path order."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix in SCENARIO_SUFFIXES and p != root / SUITE_FILE
    )


def _load_scenario(path: Path, errors: list[ConfigError]) -> tuple[Scenario, LocatedYaml] | None:
    located = _read(path, errors)
    if located is None:
        return None
    scenario = _validate(Scenario, located, errors)
    return None if scenario is None else (scenario, located)


def _load_file(path: Path, model: type[ModelT], errors: list[ConfigError]) -> ModelT | None:
    located = _read(path, errors)
    return None if located is None else _validate(model, located, errors)


def _read(path: Path, errors: list[ConfigError]) -> LocatedYaml | None:
    try:
        located = load_yaml_with_lines(path)
    except ConfigError as exc:
        errors.append(exc)
        return None
    if not isinstance(located.data, dict):
        errors.append(
            ConfigError(
                "the file must contain a YAML mapping of field names to values.",
                path=str(path),
                line=1,
            )
        )
        return None
    return located


def _validate(
    model: type[ModelT], located: LocatedYaml, errors: list[ConfigError]
) -> ModelT | None:
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        errors += [_located_error(error, located, model) for error in exc.errors()]
        return None


def _located_error(error: Any, located: LocatedYaml, model: type[BaseModel]) -> ConfigError:
    raw_loc = tuple(error["loc"])
    if error["type"] == "union_tag_invalid":
        # Point at the tag field itself ('kind'), whose value is what is wrong.
        raw_loc += (str(error["ctx"]["discriminator"]).strip("'"),)
    loc = data_path(raw_loc, located.data)
    value = error.get("input")
    shown = (
        ""
        if isinstance(value, dict | list) or error["type"] == "missing"
        else (f" (got {value!r})")
    )
    message = str(error["msg"]).removeprefix("Value error, ")
    return ConfigError(
        f"{message}{shown}.",
        path=located.path,
        line=located.line_of(loc),
        field=".".join(str(part) for part in loc) or None,
        hint=_hint(error, loc, model),
    )


def data_path(loc: tuple[Any, ...], data: Any) -> tuple[str | int, ...]:
    """Drop the parts of a pydantic error location that are not keys of the data.

    Pydantic adds the tag of a tagged union ('prompt_injection') and validator names to the
    location. The file has no such keys, and the line lookup needs the path of the data. The
    last part stays even when it is absent, because it names a missing field.
    """
    path: list[str | int] = []
    node = data
    for position, part in enumerate(loc):
        present = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if present:
            path.append(part)
            node = node[part]
        elif position == len(loc) - 1:
            path.append(part)
    return tuple(path)


def _hint(error: Any, loc: tuple[str | int, ...], model: type[BaseModel]) -> str | None:
    ctx = error.get("ctx") or {}
    if error["type"] == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), _field_names(model), n=2)
        if close:
            return f"did you mean {' or '.join(repr(c) for c in close)}?"
        return "remove the field or check its spelling."
    if error["type"] == "missing":
        return "add the field."
    if "expected_tags" in ctx:
        return f"use one of {ctx['expected_tags']}."
    if "expected" in ctx:
        return f"use one of {ctx['expected']}."
    return None


@lru_cache(maxsize=8)
def _field_names(model: type[BaseModel]) -> list[str]:
    names: set[str] = set()
    _collect_properties(model.model_json_schema(), names)
    return sorted(names)


def _collect_properties(node: Any, names: set[str]) -> None:
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            names.update(properties)
        for value in node.values():
            _collect_properties(value, names)
    elif isinstance(node, list):
        for item in node:
            _collect_properties(item, names)


def _duplicate_id(scenario_id: str, located: LocatedYaml, first: LocatedYaml) -> ConfigError:
    return ConfigError(
        f"scenario id {scenario_id!r} is already used by {first.path}:{first.line_of(('id',))}.",
        path=located.path,
        line=located.line_of(("id",)),
        field="id",
        hint="give each scenario its own id.",
    )
