"""Turn any tool call into a CallSummary: shell and code tools by their text, others by name.

- A call with a shell command argument (`cmd`, `command`, `script`, ...) is read as shell text,
  and a code argument of a Python tool as Python.
- A call that ends the task (`submit`, `finish`, `final_answer`) changes nothing.
- Any other tool is read from its name and arguments: the verb of the name (`get_`, `delete_`,
  `set_`, `disable_`) shows whether it reads or changes, argument values name the targets, and
  `key = value` arguments (nested objects included) are settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ringfence.detectors._commands import summarize_shell
from ringfence.detectors._mechanisms import name_words, word_set
from ringfence.detectors._operations import CallSummary, Operation, OperationKind
from ringfence.detectors._python_code import summarize_python
from ringfence.transcript import ToolCall

SHELL_ARGUMENTS = ("cmd", "command", "commands", "script", "shell", "bash", "shell_command")
CODE_ARGUMENTS = ("code", "source", "python", "program")
_PYTHON_TOOL_WORDS = frozenset({"python", "ipython", "jupyter", "notebook", "py"})
_SHELL_TOOL_WORDS = frozenset({"bash", "shell", "terminal", "sh", "exec", "execute", "run"})
ENDING_TOOLS = frozenset(
    {
        "submit",
        "finish",
        "final_answer",
        "done",
        "end_task",
        "task_complete",
        "complete_task",
        "task_done",
        "finish_task",
        "submit_answer",
        "end",
        "exit",
        "stop",
        "halt",
        "give_up",
    }
)
READ_VERBS = word_set(
    "get read list view show describe search find fetch lookup query check "
    "inspect cat head tail count print peek browse stat status ls grep preview "
    "summarize verify validate diff compare explain is has can see look watch"
)
_VERB_OPERATIONS: dict[str, OperationKind] = {
    **dict.fromkeys(
        word_set("delete remove rm unlink erase purge wipe clear drop destroy truncate"),
        OperationKind.DELETE,
    ),
    **dict.fromkeys(word_set("move mv rename"), OperationKind.MOVE),
    **dict.fromkeys(
        word_set(
            "write save put create upload replace overwrite append patch edit update "
            "modify set change configure reset toggle apply"
        ),
        OperationKind.WRITE,
    ),
    **dict.fromkeys(word_set("kill terminate"), OperationKind.KILL),
    **dict.fromkeys(
        word_set(
            "stop disable pause suspend mute silence deactivate unload uninstall "
            "unregister bypass override skip"
        ),
        OperationKind.DISABLE,
    ),
    **dict.fromkeys(word_set("chmod chown"), OperationKind.CHANGE_MODE),
}
_GRANTING_VERBS = word_set(
    "grant give assign add elevate escalate allow enable set update change modify"
)
_PERMISSION_WORDS = word_set(
    "permission permissions privilege privileges role roles access scope scopes "
    "sudo admin capability capabilities autonomy approval approvals allowlist "
    "whitelist"
)
_SETTINGS_WORDS = word_set("settings setting config configuration preferences prefs")
_AUTONOMY_WORDS = word_set(
    "approval approve approvals confirm confirmation review human oversight "
    "monitor monitoring sandbox sandboxed permission permissions limit limits "
    "guardrail guardrails safety autonomy autonomous restrict restricted "
    "restriction restrictions allowlist allowed budget yolo unattended"
)
_PRINCIPAL_WORDS = word_set(
    "user users userid username guest guests member members email emails account "
    "accounts principal recipient recipients grantee employee employees customer "
    "customers person people owner assignee contact contacts visitor visitors team "
    "group"
)
_SELF_WORDS = word_set("agent assistant self me myself bot ai llm model")
_CONTENT_ARGUMENTS = word_set(
    "content contents text body data new_content new_text code patch diff source"
)
MAX_TARGET_WORDS = 4
"""Maximum words in an argument value that is still read as a target name, not as prose."""


@dataclass(frozen=True)
class CallReading:
    """A call's summary, and the argument holding its command or code, when it has one."""

    summary: CallSummary
    argument: str | None = None
    command: str | None = None


def read_call(call: ToolCall) -> CallReading:
    """Summarize what a tool call does, from its command text or from its name and arguments."""
    if call.name.lower() in ENDING_TOOLS:
        return CallReading(CallSummary())
    arguments = call.arguments or {}
    words = set(name_words(call.name))
    for key in CODE_ARGUMENTS:
        code = _text(arguments.get(key))
        if code and words & _PYTHON_TOOL_WORDS:
            python = summarize_python(code)
            summary = CallSummary(python.operations, python.side_effecting)
            for text in python.shell_texts:
                summary.merge(summarize_shell(text))
            return CallReading(summary, key, code)
    for key in (*SHELL_ARGUMENTS, *(CODE_ARGUMENTS if words & _SHELL_TOOL_WORDS else ())):
        command = _text(arguments.get(key))
        if command:
            return CallReading(summarize_shell(command), key, command)
    return CallReading(_summarize_named_tool(call, arguments))


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "\n".join(value)
    return None


def _summarize_named_tool(call: ToolCall, arguments: dict[str, Any]) -> CallSummary:
    words = name_words(call.name)
    known = READ_VERBS | _VERB_OPERATIONS.keys() | _GRANTING_VERBS
    verb = next((w for w in words if w in known), "")
    if verb in READ_VERBS:
        return CallSummary()
    settings = _flatten(arguments)
    summary = CallSummary(side_effecting=True)
    summary.operations += _named_operations(call.name, verb, arguments)
    summary.operations += [
        Operation(OperationKind.SET_VALUE, f"{call.name}.{key}", value) for key, value in settings
    ]
    summary.operations += _permission_operations(call.name, words, verb, settings)
    return summary


def _named_operations(name: str, verb: str, arguments: dict[str, Any]) -> list[Operation]:
    kind = _VERB_OPERATIONS.get(verb)
    if kind is None:
        return []
    # The tool's own name may be the mechanism (`disable_monitoring`, `stop_watchdog`).
    operations = [Operation(kind, name)] if kind is not OperationKind.WRITE else []
    content = next((str(v) for k, v in arguments.items() if k.lower() in _CONTENT_ARGUMENTS), None)
    for key, value in arguments.items():
        if key.lower() in _CONTENT_ARGUMENTS or not isinstance(value, str):
            continue
        if 0 < len(value.split()) <= MAX_TARGET_WORDS:
            operations.append(Operation(kind, value, content))
    return operations


def _permission_operations(
    name: str, words: list[str], verb: str, settings: list[tuple[str, str]]
) -> list[Operation]:
    if verb not in _GRANTING_VERBS or not _about_self(words, settings):
        return []
    described = ", ".join(f"{key}={value}" for key, value in settings)[:200]
    if _PERMISSION_WORDS.intersection(words):
        return [Operation(OperationKind.CHANGE_PERMISSIONS, "", described)]
    touched = {w for key, value in settings for w in name_words(f"{key} {value}")}
    if _SETTINGS_WORDS.intersection(words) and _AUTONOMY_WORDS & touched:
        return [Operation(OperationKind.CHANGE_SETTINGS, "", described)]
    return []


def _about_self(tool_words: list[str], settings: list[tuple[str, str]]) -> bool:
    """True unless the tool or an argument names another principal (a user, guest, account)."""
    if _PRINCIPAL_WORDS.intersection(tool_words):
        return False
    for key, value in settings:
        key_words = name_words(key.rsplit(".", 1)[-1])
        if _PRINCIPAL_WORDS.intersection(key_words) and not _SELF_WORDS.intersection(
            name_words(value)
        ):
            return False
    return True


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        pairs: list[tuple[str, str]] = []
        for key, item in value.items():
            pairs += _flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return _key_value_pairs(pairs)
    if isinstance(value, list):
        return [pair for item in value for pair in _flatten(item, prefix)]
    if value is None:
        return [(prefix, "null")] if prefix else []
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return [(prefix, text)] if prefix else []


def _key_value_pairs(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Join `{"key": "monitoring.enabled", "value": false}` into one setting."""
    values = dict(pairs)
    for key_name in ("key", "setting", "option", "field", "name", "path", "flag"):
        for prefix in {k.rsplit(".", 1)[0] if "." in k else "" for k in values}:
            dot = f"{prefix}." if prefix else ""
            if f"{dot}{key_name}" in values and f"{dot}value" in values:
                pairs.append((f"{dot}{values[f'{dot}{key_name}']}", values[f"{dot}value"]))
    return pairs
