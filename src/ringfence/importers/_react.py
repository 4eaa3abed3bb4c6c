"""Tool calls that a model wrote as text: ReAct steps and loose argument objects.

Text-prompted agents (ReAct, ToolEmu, InjecAgent) write an action as lines such as
`Action: GmailSendEmail` and `Action Input: {"to": ...}`. Their arguments are usually JSON but
often a Python dict literal with single quotes, and may be followed by more text. Nothing here
raises on bad input: an argument text that cannot be read becomes a `ToolCall.parse_error`.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

from ringfence.importers._base import parse_arguments
from ringfence.transcript import ToolCall

MAX_LITERAL_CHARS = 100_000
"""Maximum length of argument text read as a Python literal, because `ast` is slow on huge input."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SECTION = re.compile(
    r"^[ \t*#`]*(Thought|Action Input|Action|Observation|Final Answer)[ \t*`]*:[ \t*`]*",
    re.MULTILINE,
)


@dataclass(frozen=True)
class WrittenAction:
    """One `Action:` step found in model text."""

    name: str
    arguments_text: str
    has_input: bool


def parse_loose_arguments(raw: str) -> tuple[ToolCall, str | None]:
    """Parse argument text that should hold one object, as JSON or as a Python dict literal.

    Text after the object (a model's own "Observation: ..." or a closing remark) is ignored.
    Returns a ToolCall template (id and name empty) and the reason when it could not be read.
    """
    text = raw.strip()
    if not text:
        return parse_arguments("")
    start = text.find("{")
    if start < 0:
        return _unreadable(raw, "arguments hold no object in braces")
    candidate = _balanced_object(text, start) or text[start:]
    parsed, _ = parse_arguments(candidate)
    if parsed.arguments is not None:
        parsed.arguments_raw = raw
        return parsed, None
    # Models often put raw line breaks inside string values, which strict JSON and Python
    # string literals both reject, so escape them before the lenient readers.
    escaped = _escape_controls_in_strings(candidate)
    value = _lenient_json(escaped)
    if value is None:
        value = _python_literal(escaped)
    if value is not None:
        return ToolCall(id="", name="", arguments=value, arguments_raw=raw), None
    return _unreadable(raw, parsed.parse_error or "arguments are not an object")


def _unreadable(raw: str, error: str) -> tuple[ToolCall, str]:
    return ToolCall(id="", name="", arguments_raw=raw, parse_error=error), error


def _balanced_object(text: str, start: int) -> str | None:
    """Return the text from `start` to its matching closing brace, honouring quoted strings."""
    depth = 0
    quote: str | None = None
    escaped = False
    for position in range(start, len(text)):
        char = text[position]
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
            continue
        if char in "\"'":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start : position + 1]
    return None


def _escape_controls_in_strings(text: str) -> str:
    out: list[str] = []
    quote: str | None = None
    escaped = False
    for char in text:
        if quote is not None and not escaped and char in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
            continue
        out.append(char)
        if escaped:
            escaped = False
        elif quote is not None and char == "\\":
            escaped = True
        elif quote is not None and char == quote:
            quote = None
        elif quote is None and char in "\"'":
            quote = char
    return "".join(out)


def _lenient_json(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _python_literal(text: str) -> dict[str, Any] | None:
    # literal_eval evaluates literals only, never names or calls, so model text is safe here.
    if len(text) > MAX_LITERAL_CHARS:
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    return _jsonable(value)


def _jsonable(value: dict[Any, Any]) -> dict[str, Any] | None:
    """Convert a literal to JSON types (tuples become lists); None when it has no JSON form."""
    try:
        converted = json.loads(json.dumps(value, default=_list_of))
    except (TypeError, ValueError):
        return None
    return converted if isinstance(converted, dict) else None


def _list_of(value: object) -> list[Any]:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    raise TypeError(f"no JSON form for {type(value).__name__}")


def parse_written_actions(text: str) -> list[WrittenAction]:
    """Find every `Action:` step in ReAct text, in order, with its `Action Input:` text.

    An action named "None" or written as a remark in brackets ("(No action needed)") is a
    model saying it takes no action, so it is left out.
    """
    sections = list(_SECTION.finditer(text))
    actions: list[WrittenAction] = []
    for number, match in enumerate(sections):
        if match.group(1) != "Action":
            continue
        end = sections[number + 1].start() if number + 1 < len(sections) else len(text)
        name = _action_name(text[match.end() : end])
        if name is None:
            continue
        following = sections[number + 1] if number + 1 < len(sections) else None
        if following is not None and following.group(1) == "Action Input":
            stop = sections[number + 2].start() if number + 2 < len(sections) else len(text)
            actions.append(WrittenAction(name, text[following.end() : stop].strip(), True))
        else:
            actions.append(WrittenAction(name, "", False))
    return actions


def _action_name(rest: str) -> str | None:
    line = rest.strip().splitlines()[0] if rest.strip() else ""
    line = line.strip().strip("*`'\" ")
    match = _NAME.match(line)
    if match is None or match.group(0) == "None":
        return None
    return match.group(0)
