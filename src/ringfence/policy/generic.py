"""A tool policy guessed from tool and argument names, for tool sets that have no policy file.

Datasets such as R-Judge and ToolEmu use hundreds of tools that no one wrote a policy for. This
module classifies each tool by the verbs in its name (`GmailSendEmail` -> send, `get_balance`
-> read) and marks arguments as targets or payload by their names. It is a guess, never a
substitute for a written policy, because a name can mislead (`IndoorRobotGoToRoom` moves a
robot). A tool whose name has no known verb is left out of the policy, so its calls stay
unknown tools and are never authorized.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from ringfence.policy.tool_policy import ActionClass, Privilege, ToolPolicy, ToolRule
from ringfence.transcript import ToolCall

GENERIC_POLICY_NAME = "generic-by-name"


def _classed(action: ActionClass, words: str) -> dict[str, ActionClass]:
    return dict.fromkeys(words.split(), action)


# Verbs that name an action and are rarely a noun in a tool name. The first one in the name
# decides the class.
STRONG_VERBS: dict[str, ActionClass] = {
    **_classed(
        ActionClass.READ,
        "get read list view search find query lookup look retrieve show check verify analyze "
        "estimate calculate count inspect fetch describe think",
    ),
    **_classed(
        ActionClass.SEND,
        "send transfer pay share forward publish reply notify withdraw deposit tweet consult "
        "invite upload email sms",
    ),
    **_classed(ActionClass.DELETE, "delete remove cancel erase clear purge uninstall destroy"),
    **_classed(
        ActionClass.WRITE,
        "create update add set edit modify write book schedule manage move make apply place "
        "generate fill give hand redirect leave go download save rename append reserve assign "
        "mint sell buy trade submit change replace",
    ),
    **_classed(ActionClass.EXECUTE, "execute run deploy install launch call bash sh shell"),
    **_classed(ActionClass.ADMIN, "grant revoke disable enable unlock unblock block reset"),
    **_classed(ActionClass.EXTERNAL, "navigate browse visit click open"),
}
# Words that are verbs but often part of a toolkit's name, such as `TrafficControl`,
# `FedExShip` or `EmergencyDispatch`. They decide the class only when no strong verb does.
WEAK_VERBS: dict[str, ActionClass] = {
    "control": ActionClass.WRITE,
    "post": ActionClass.SEND,
    "message": ActionClass.SEND,
    "dispatch": ActionClass.SEND,
    "ship": ActionClass.SEND,
    "lock": ActionClass.ADMIN,
    "command": ActionClass.EXECUTE,
    "access": ActionClass.READ,
    "terminal": ActionClass.EXECUTE,
}
PRIVILEGE_BY_ACTION: dict[ActionClass, Privilege] = {
    ActionClass.READ: Privilege.LOW,
    ActionClass.EXTERNAL: Privilege.LOW,
    ActionClass.WRITE: Privilege.MEDIUM,
    ActionClass.SEND: Privilege.HIGH,
    ActionClass.DELETE: Privilege.HIGH,
    ActionClass.EXECUTE: Privilege.HIGH,
    ActionClass.ADMIN: Privilege.CRITICAL,
}
_TARGET_ARGUMENT = re.compile(
    r"^(?:to|cc|bcc|recipients?|command|\w*email(?:_address)?|\w*emails|\w*address|url|website|"
    r"\w*path|(?:\w*_)?file(?:name|_path)?|(?:\w*_)?ids?|\w*account\w*|\w*username|\w*phone\w*|"
    r"\w*channel\w*|destination\w*|domains?|payee\w*|repo\w*|\w*_?user)$"
)
_PAYLOAD_ARGUMENT = re.compile(
    r"^(?:body|subject|message|content|text|note|notes|description|comment|summary|caption|"
    r"title|\w*_description|\w*_message|\w*_content)$"
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def tool_name_words(name: str) -> list[str]:
    """Split a tool name into lowercase words: CamelCase, snake_case, digits."""
    return [word.lower() for word in _WORD.findall(name)]


def classify_tool_name(name: str) -> ActionClass | None:
    """Guess a tool's action class from the verbs in its name; None when no verb is known."""
    words = tool_name_words(name)
    for word in words:
        if word in STRONG_VERBS:
            return STRONG_VERBS[word]
    for word in words:
        if word in WEAK_VERBS:
            return WEAK_VERBS[word]
    return None


def guess_tool_rule(name: str, argument_names: Iterable[str] = ()) -> ToolRule | None:
    """Build a rule for one tool from its name and the argument names seen in its calls."""
    action = classify_tool_name(name)
    if action is None:
        return None
    arguments = sorted(set(argument_names))
    payload = [a for a in arguments if _PAYLOAD_ARGUMENT.match(a.lower())]
    targets = [a for a in arguments if a not in payload and _TARGET_ARGUMENT.match(a.lower())]
    return ToolRule(
        action=action,
        privilege=PRIVILEGE_BY_ACTION[action],
        targets=targets,
        payload=payload,
        description="guessed from the tool name",
    )


def build_generic_policy(
    calls: Iterable[ToolCall], *, suites: list[str] | None = None
) -> ToolPolicy:
    """Build a policy for every classifiable tool among `calls`.

    Tools whose names carry no known verb are left out, so their calls are reported as
    unknown tools, which are never authorized. `classify_tool_name` returns None for them.
    """
    arguments: dict[str, set[str]] = defaultdict(set)
    for call in calls:
        arguments[call.name].update(call.arguments or {})
    tools: dict[str, ToolRule] = {}
    for name in sorted(arguments):
        rule = guess_tool_rule(name, arguments[name])
        if rule is not None:
            tools[name] = rule
    return ToolPolicy(version=1, name=GENERIC_POLICY_NAME, suites=suites or [], tools=tools)


COMMON_TARGET_ARGUMENTS = (
    "to",
    "recipient",
    "recipients",
    "cc",
    "bcc",
    "email",
    "address",
    "url",
    "link",
    "path",
    "file",
    "file_path",
    "filename",
    "account",
    "account_id",
    "iban",
    "user",
    "user_id",
    "username",
    "channel",
    "phone",
    "number",
    "destination",
    "target",
    "id",
)
"""Argument names that usually name an action's target, for rules guessed without calls."""


def guess_tool_rule_by_name(name: str) -> ToolRule | None:
    """Guess a rule from the tool name alone, taking the usual target argument names."""
    return guess_tool_rule(name, COMMON_TARGET_ARGUMENTS)
