"""Messages in the OpenAI Chat Completions layout, shared by the importers that read it.

Assistant `tool_calls[].function.arguments` is a JSON string; a tool message names the call it
answers with `tool_call_id` and the tool with `name`. Problems are appended to `problems` as
(field, reason) pairs for the import report; nothing here raises on bad input.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from ringfence.importers._base import (
    PROVENANCE_BY_ROLE,
    CallIdRegistry,
    content_problem,
    content_text,
    empty_content_issue,
    parse_arguments,
    text_field,
    tool_call_list,
)
from ringfence.transcript import Message, Provenance, Role, ToolCall


def chat_message(
    index: int, raw: Any, problems: list[tuple[str, str]], call_ids: CallIdRegistry
) -> Message | None:
    """Build message `index`; None (with the reason in `problems`) when it cannot be read."""
    field = f"messages[{index}]"
    if not isinstance(raw, dict):
        problems.append((field, f"message {index} is not an object"))
        return None
    try:
        role = Role(str(raw.get("role")))
    except ValueError:
        reason = (
            f"message {index} has unknown role {raw.get('role')!r}; "
            "use system, user, assistant or tool"
        )
        problems.append((f"{field}.role", reason))
        return None
    provenance = PROVENANCE_BY_ROLE[role]
    if raw.get("provenance") is not None:
        try:
            provenance = Provenance(raw["provenance"])
        except ValueError:
            reason = f"unknown provenance {raw['provenance']!r}; kept {provenance.value}"
            problems.append((f"{field}.provenance", reason))
    wrong_content = content_problem(raw.get("content"))
    if wrong_content:
        problems.append((f"{field}.content", wrong_content))
    message = Message(
        index=index,
        role=role,
        content=None if wrong_content else content_text(raw.get("content")),
        provenance=provenance,
        tool_calls=chat_tool_calls(index, raw.get("tool_calls"), problems, call_ids),
        refusal=text_field(raw, "refusal", f"{field}.refusal", problems),
    )
    message.timestamp = message_timestamp(raw.get("timestamp"), f"{field}.timestamp", problems)
    if role is Role.TOOL:
        name = text_field(raw, "name", f"{field}.name", problems)
        raw_id = text_field(raw, "tool_call_id", f"{field}.tool_call_id", problems)
        message.tool_call_id = call_ids.resolve(raw_id, name)
        message.tool_name = name or call_ids.name_of(message.tool_call_id)
    issue = empty_content_issue(message)
    if issue:
        problems.append((f"{field}.content", issue))
    return message


def message_timestamp(raw: Any, field: str, problems: list[tuple[str, str]]) -> float | None:
    """Seconds since the epoch from a number or an ISO 8601 string; None when absent or bad."""
    if raw is None:
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw):
        return float(raw)
    if isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    problems.append(
        (
            field,
            f"timestamp {raw!r} is neither seconds since the epoch nor an ISO 8601 time; ignored",
        )
    )
    return None


def chat_tool_calls(
    index: int, raw: Any, problems: list[tuple[str, str]], call_ids: CallIdRegistry
) -> list[ToolCall]:
    """Read the `tool_calls` of message `index`, skipping calls that have no function name."""
    calls: list[ToolCall] = []
    for position, call in enumerate(tool_call_list(index, raw, problems)):
        field = f"messages[{index}].tool_calls[{position}]"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            problems.append((field, "tool call has no function.name; skipped"))
            continue
        parsed, warning = parse_arguments(function.get("arguments"))
        if warning:
            problems.append((f"{field}.function.arguments", warning))
        parsed.name = function["name"]
        parsed.id, id_problem = call_ids.assign(
            call.get("id"), f"call-{index}-{position}", parsed.name
        )
        if id_problem:
            problems.append((f"{field}.id", id_problem))
        calls.append(parsed)
    return calls
