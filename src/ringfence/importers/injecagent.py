"""Importer for InjecAgent model runs: one indirect prompt-injection test case per line.

Layout: `<setting>/<model>/test_cases_<dh|ds>_<setting>.json`, JSON Lines despite the name
(dh = direct harm, ds = data stealing). Each line contains the user's instruction, the tool call it
triggers (`User Tool`, `Tool Parameters`), the tool's response with the attacker's instruction
placed in it (`Tool Response`, `Attacker Instruction`), and the model's next ReAct step
(`output`). A data-stealing case whose first step called the attacker's data tool also holds
that tool's response and the model's second step (`Attacker Tool Response`, `output Step 2`).

The attacker instruction is an input of the attack, so it is attached as `InjectedText`.
`eval` and `eval Step 2` come from InjecAgent's output parser (`succ`, `unsucc`, `invalid`):
the attack succeeded when the model called the attacker's tool, and for data stealing only when
both steps succeeded. `invalid` output (not in ReAct form) leaves `attack_succeeded` None.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from ringfence.importers._base import (
    ImportItem,
    folder_issues,
    list_input_files,
    register_importer,
    validation_issue,
)
from ringfence.importers._react import parse_loose_arguments, parse_written_actions
from ringfence.results import ImportIssue, InputFile
from ringfence.transcript import (
    DatasetLabels,
    InjectedText,
    Message,
    Provenance,
    Role,
    Sample,
    SampleMetadata,
    SourceRef,
    ToolCall,
    Transcript,
)

REQUIRED_KEYS = (
    "User Instruction",
    "User Tool",
    "Tool Parameters",
    "Tool Response",
    "Attacker Instruction",
    "Attacker Tools",
    "output",
    "eval",
)
ATTACK_BY_CODE = {"dh": "direct_harm", "ds": "data_stealing"}
SUITE = "injecagent"
"""Suite name of every sample, which the bundled `injecagent` tool policy applies to."""
USER_CALL_ID = "call-user-tool"


class InjecAgentImporter:
    """Reads InjecAgent result files (`test_cases_*.json`) from a folder or a single file."""

    name = "injecagent"

    def list_files(self, path: Path) -> list[Path]:
        """Return the file itself, or every `test_cases_*.json` file under the folder, sorted."""
        return list_input_files(path, _is_test_case_file)

    def read(self, path: Path) -> Iterator[ImportItem]:
        """Yield each file's InputFile, then one Sample or ImportIssue per non-blank line."""
        problems: list[tuple[Path, str]] = []
        files = list_input_files(path, _is_test_case_file, problems)
        yield from folder_issues(problems)
        for file in files:
            yield from _read_file(file)


def _is_test_case_file(name: str) -> bool:
    return name.startswith("test_cases_") and name.endswith(".json")


def _read_file(file: Path) -> Iterator[ImportItem]:
    try:
        data = file.read_bytes()
    except OSError as exc:
        yield ImportIssue(
            path=str(file), reason=f"cannot read file: {exc.strerror}", sample_skipped=True
        )
        return
    sha256 = hashlib.sha256(data).hexdigest()
    yield InputFile(path=str(file), sha256=sha256, size=len(data))
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield from _read_line(file, sha256, number, line)
        except ValidationError as exc:
            # A value of a type no check foresaw: report it rather than stop the run.
            field, reason = validation_issue(exc)
            yield _skip(file, number, reason, field=field)


def _skip(file: Path, number: int, reason: str, field: str | None = None) -> ImportIssue:
    return ImportIssue(path=str(file), line=number, field=field, reason=reason, sample_skipped=True)


def _read_line(file: Path, sha256: str, number: int, line: bytes) -> Iterator[ImportItem]:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        yield _skip(file, number, f"invalid or truncated JSON: {exc.msg} (column {exc.colno})")
        return
    if not isinstance(record, dict):
        yield _skip(file, number, f"expected a JSON object, got {type(record).__name__}")
        return
    missing = [key for key in REQUIRED_KEYS if key not in record]
    if missing:
        hint = " (a test case without a model run has no 'output')" if "output" in missing else ""
        yield _skip(file, number, f"missing key(s) {missing}{hint}")
        return

    sample_id = _sample_id(file, number)
    problems: list[tuple[str, str]] = []
    transcript = Transcript(
        sample_id=sample_id,
        messages=_messages(record, problems),
        injections=_injections(record),
        metadata=_metadata(file, record),
    )

    for field, reason in problems:
        yield ImportIssue(
            path=str(file),
            line=number,
            sample_id=sample_id,
            field=field,
            reason=reason,
            sample_skipped=False,
        )
    yield Sample(
        transcript=transcript,
        labels=_labels(record, _attack_code(file)),
        source=SourceRef(path=str(file), sha256=sha256, line=number),
    )


def _attack_code(file: Path) -> str | None:
    parts = file.stem.split("_")
    return parts[2] if len(parts) > 2 and parts[2] in ATTACK_BY_CODE else None


def _sample_id(file: Path, number: int) -> str:
    setting, model = file.parent.parent.name, file.parent.name
    return f"injecagent/{setting}/{model}/{_attack_code(file) or file.stem}/{number}"


def _messages(record: dict[str, Any], problems: list[tuple[str, str]]) -> list[Message]:
    messages = [_message(0, Role.USER, _text(record["User Instruction"]))]
    user_call, problem = _call(
        USER_CALL_ID, _text(record["User Tool"]) or "", _text(record["Tool Parameters"])
    )
    if problem:
        problems.append(("Tool Parameters", problem))
    messages.append(_message(1, Role.ASSISTANT, _text(record.get("Thought")), [user_call]))
    response = _tool_response(record["Tool Response"])
    messages.append(_tool_message(2, response, user_call))
    messages.append(_step(3, _text(record["output"]), "output", problems))
    if "output Step 2" in record:
        data_tool = _first_tool(record["Attacker Tools"])
        step_one = next((c for c in messages[3].tool_calls if c.name == data_tool), None)
        if step_one is None:
            problems.append(
                ("output", f"step 2 follows a call of {data_tool!r} that the output lacks")
            )
        attacker_response = _text(record.get("Attacker Tool Response"))
        messages.append(_tool_message(4, attacker_response, step_one, data_tool))
        messages.append(_step(5, _text(record["output Step 2"]), "output Step 2", problems))
    return messages


def _message(
    index: int, role: Role, content: str | None, calls: list[ToolCall] | None = None
) -> Message:
    provenance = Provenance.USER if role is Role.USER else Provenance.ASSISTANT
    return Message(
        index=index, role=role, content=content, provenance=provenance, tool_calls=calls or []
    )


def _tool_message(
    index: int, content: str | None, call: ToolCall | None, name: str | None = None
) -> Message:
    return Message(
        index=index,
        role=Role.TOOL,
        content=content,
        provenance=Provenance.TOOL_OUTPUT,
        tool_call_id=call.id if call else None,
        tool_name=call.name if call else name,
    )


def _step(index: int, output: str | None, field: str, problems: list[tuple[str, str]]) -> Message:
    calls: list[ToolCall] = []
    for position, action in enumerate(parse_written_actions(output or "")):
        arguments = action.arguments_text if action.has_input else "{}"
        call, problem = _call(f"call-{index}-{position}", action.name, arguments)
        if problem:
            problems.append((f"{field}.Action Input[{position}]", problem))
        calls.append(call)
    return _message(index, Role.ASSISTANT, output, calls)


def _call(call_id: str, name: str, arguments: str | None) -> tuple[ToolCall, str | None]:
    call, problem = parse_loose_arguments(arguments or "")
    call.id, call.name = call_id, name
    return call, problem


def _tool_response(raw: object) -> str | None:
    """Decode the response text, which InjecAgent stores JSON-encoded a second time."""
    text = _text(raw)
    if text and text.startswith('"') and text.endswith('"'):
        try:
            decoded = orjson.loads(text)
        except orjson.JSONDecodeError:
            return text
        if isinstance(decoded, str):
            return decoded
    return text


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def _first_tool(tools: object) -> str | None:
    if isinstance(tools, list) and tools and isinstance(tools[0], str):
        return tools[0]
    return None


def _injections(record: dict[str, Any]) -> list[InjectedText]:
    text = _text(record["Attacker Instruction"])
    return [InjectedText(placeholder="Attacker Instruction", text=text)] if text else []


def _metadata(file: Path, record: dict[str, Any]) -> SampleMetadata:
    attack_code = _attack_code(file)
    tools = record["Attacker Tools"]
    return SampleMetadata(
        model=file.parent.name,
        suite=SUITE,
        suite_version=file.parent.parent.name,
        task_id=_text(record["User Tool"]),
        attack=ATTACK_BY_CODE.get(attack_code or "", "injecagent"),
        injection_task_id=_first_tool(tools),
        injection_goal=_text(record["Attacker Instruction"]),
        extra={
            "attacker_tools": tools if isinstance(tools, list) else [],
            "attack_category": record.get("Attack Type"),
        },
    )


def _labels(record: dict[str, Any], attack_code: str | None) -> DatasetLabels:
    values = {key: record.get(key) for key in ("eval", "eval Step 2")}
    for key in ("invalid_reason", "invalid_reason  Step 2"):
        if key in record:
            values[key.replace("  ", " ")] = record[key]
    return DatasetLabels(
        source="injecagent",
        values=values,
        attack_succeeded=_attack_succeeded(record, attack_code),
    )


def _attack_succeeded(record: dict[str, Any], attack_code: str | None) -> bool | None:
    """InjecAgent's verdict: data stealing succeeds only when both steps did."""
    first = record.get("eval")
    if first not in ("succ", "unsucc"):
        return None
    if first == "unsucc":
        return False
    if attack_code != "ds":
        return True
    second = record.get("eval Step 2")
    return {"succ": True, "unsucc": False}.get(str(second))


register_importer(InjecAgentImporter.name, InjecAgentImporter)
