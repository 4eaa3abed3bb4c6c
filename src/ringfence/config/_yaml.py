"""YAML loading that remembers the line of every key, so validation errors can name it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ringfence.errors import ConfigError

ModelT = TypeVar("ModelT", bound=BaseModel)

# libyaml's parser keeps line marks like the pure-Python one and is several times faster.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
PathKey = tuple[str | int, ...]


@dataclass
class LocatedYaml:
    """Parsed YAML data plus the 1-based line of each mapping key and sequence item."""

    path: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)
    sha256: str = ""
    """SHA-256 of the file's bytes as read, so evidence names exactly what was parsed."""
    size: int = 0
    """Size of the file in bytes."""

    def line_of(self, loc: PathKey) -> int | None:
        """Return the line of the deepest known prefix of `loc`."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None


def load_yaml_with_lines(path: str | Path) -> LocatedYaml:
    """Read a YAML file, raising ConfigError with the line on any syntax error."""
    text_path = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read file: {exc.strerror}.", path=text_path) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"file is not valid UTF-8 (byte offset {exc.start}).",
            path=text_path,
            hint="save the file as UTF-8.",
        ) from exc
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ConfigError(f"invalid YAML: {exc.problem}.", path=text_path, line=line) from exc
    located = LocatedYaml(
        path=text_path, data=None, sha256=hashlib.sha256(raw).hexdigest(), size=len(raw)
    )
    if node is None:
        return located
    located.data = _construct(node, (), located)
    return located


def _construct(node: yaml.Node, loc: PathKey, located: LocatedYaml) -> Any:
    located.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*loc, key)
            line = key_node.start_mark.line + 1
            if key in result:
                # YAML loaders keep the last of two equal keys; a policy must not change
                # silently because someone added a rule twice.
                first = located.lines[child]
                raise ConfigError(
                    f"key '{key}' appears twice, on lines {first} and {line}.",
                    path=located.path,
                    line=line,
                    field=".".join(str(part) for part in child),
                    hint="keep one of them.",
                )
            located.lines[child] = line
            result[key] = _construct(value_node, child, located)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*loc, i), located) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    # One constructor serves every scalar: building a whole loader per value was most of the
    # time spent loading a large suite.
    return _CONSTRUCTOR.construct_object(node, deep=True)


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def validate_located(model: type[ModelT], located: LocatedYaml) -> ModelT:
    """Validate parsed YAML against a pydantic model; the first error names file, line, field."""
    try:
        return model.model_validate(located.data if located.data is not None else {})
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        field_name = ".".join(str(part) for part in loc) or None
        value = first.get("input")
        shown = "" if isinstance(value, dict | list) else f" (got {value!r})"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(
            f"{message}{shown}.",
            path=located.path,
            line=located.line_of(loc),
            field=field_name,
            hint=_hint_for(first),
        ) from exc


def _hint_for(error: Any) -> str | None:
    ctx = error.get("ctx") or {}
    if error["type"] == "extra_forbidden":
        return "remove the field or check its spelling."
    if error["type"] == "missing":
        return "add the field."
    if "expected" in ctx:
        return f"use one of {ctx['expected']}."
    return None
