"""Reading a tool's description and parameter descriptions from its Google-style docstring.

Only the parts a tool schema needs are read: the text before the first section header (the
tool's description) and the `Args:` section (one description per parameter). Other sections,
such as `Returns:` or `Raises:`, end the description and are ignored.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

_SECTION = re.compile(r"^(Args|Arguments|Parameters|Returns|Raises|Yields|Examples?|Notes?):\s*$")
_PARAMETER = re.compile(r"^(?P<name>\*{0,2}\w+)(?:\s*\([^)]*\))?:\s*(?P<text>.*)$")


@dataclass(frozen=True)
class ParsedDocstring:
    """The description of a function and of each of its parameters."""

    description: str
    parameters: dict[str, str] = field(default_factory=dict)


def parse_docstring(docstring: str | None) -> ParsedDocstring:
    """Split a docstring into its description and its `Args:` entries.

    A parameter's description may continue on lines indented deeper than its name; those lines
    are joined with single spaces.
    """
    lines = inspect.cleandoc(docstring or "").splitlines()
    description: list[str] = []
    parameters: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    for line in lines:
        header = _SECTION.match(line.strip()) if not line.startswith(" ") else None
        if header is not None:
            section, current = header.group(1), None
            continue
        if section is None:
            description.append(line)
        elif section in ("Args", "Arguments", "Parameters"):
            current = _read_parameter_line(line, current, parameters)
    return ParsedDocstring(_join_paragraphs(description), parameters)


def _read_parameter_line(line: str, current: str | None, parameters: dict[str, str]) -> str | None:
    stripped = line.strip()
    if not stripped:
        return current
    indent = len(line) - len(line.lstrip())
    match = _PARAMETER.match(stripped)
    # A line indented by one level names a parameter; deeper lines continue the last one.
    if match is not None and indent <= 4:
        name = match.group("name").lstrip("*")
        parameters[name] = match.group("text").strip()
        return name
    if current is not None:
        parameters[current] = f"{parameters[current]} {stripped}".strip()
    return current


def _join_paragraphs(lines: list[str]) -> str:
    paragraphs = [" ".join(part.split()) for part in "\n".join(lines).split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)
