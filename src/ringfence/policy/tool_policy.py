"""Tool policy: what each tool does (action class), how privileged it is, and which of its
arguments name the target of the action. Detectors read it to decide which calls have side
effects and which argument values must be traced back to their source.
"""

from __future__ import annotations

import difflib
import hashlib
from enum import StrEnum
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ringfence.config import load_yaml_with_lines, validate_located
from ringfence.errors import ConfigError


class ActionClass(StrEnum):
    """What a tool call does to the world."""

    READ = "read"
    WRITE = "write"
    DELETE = "delete"
    SEND = "send"
    EXECUTE = "execute"
    EXTERNAL = "external"
    ADMIN = "admin"

    @property
    def side_effecting(self) -> bool:
        """True for every class except `read`: the call changes state or reaches outside."""
        return self is not ActionClass.READ


class Privilege(StrEnum):
    """How much harm a call of this tool can do."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ToolRule(BaseModel):
    """Policy for one tool."""

    model_config = ConfigDict(extra="forbid")

    action: ActionClass = Field(description="Action class of every call of this tool.")
    privilege: Privilege = Field(default=Privilege.LOW, description="Privilege level.")
    targets: list[str] = Field(
        default_factory=list,
        description="Arguments naming the action's target: recipient, path, URL, account, id.",
    )
    payload: list[str] = Field(
        default_factory=list,
        description="Free-text arguments carrying content (body, subject, message).",
    )
    description: str | None = Field(default=None, description="What the tool does.")
    escalates: bool = Field(
        default=False, description="True when a call hands the case to a person."
    )


class ToolPolicy(BaseModel):
    """A tool policy file: a version, a name and one rule per tool."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="Policy file format version; must be 1.")
    name: str = Field(description="Name of the tool set this policy covers.")
    suites: list[str] = Field(
        default_factory=list,
        description="Suites (sample metadata 'suite') the policy applies to; empty means all.",
    )
    tools: dict[str, ToolRule] = Field(description="Tool name to its rule.")
    source_path: str | None = Field(
        default=None, exclude=True, description="File the policy was loaded from."
    )

    @field_validator("version")
    @classmethod
    def _check_version(cls, version: int) -> int:
        if version != 1:
            raise ValueError(f"unsupported policy version {version}; this release reads 1")
        return version


def load_tool_policy(path: str | Path) -> ToolPolicy:
    """Load and validate a tool policy YAML file."""
    located = load_yaml_with_lines(path)
    if not isinstance(located.data, dict):
        raise ConfigError(
            "a tool policy must be a mapping with keys 'version', 'name' and 'tools'.",
            path=str(path),
            line=1,
        )
    policy = validate_located(ToolPolicy, located)
    policy.source_path = str(path)
    _check_argument_names(policy, located.line_of)
    return policy


def _check_argument_names(policy: ToolPolicy, line_of: object) -> None:
    for name, rule in policy.tools.items():
        overlap = set(rule.targets) & set(rule.payload)
        if overlap:
            field = f"tools.{name}.payload"
            raise ConfigError(
                f"argument(s) {sorted(overlap)} listed both as targets and as payload.",
                path=policy.source_path,
                line=line_of(("tools", name, "payload")) if callable(line_of) else None,
                field=field,
                hint="list each argument once.",
            )


BUNDLED_POLICY_DIR = "data/policies"


def bundled_policy_names() -> list[str]:
    """Names of the tool policies shipped with ringfence, such as 'agentdojo/banking'."""
    root = resources.files("ringfence").joinpath(BUNDLED_POLICY_DIR)
    names: list[str] = []
    for group in root.iterdir():
        if group.is_dir():
            names += [
                f"{group.name}/{f.name[:-5]}" for f in group.iterdir() if f.name.endswith(".yaml")
            ]
    return sorted(names)


def load_bundled_policy(name: str) -> ToolPolicy:
    """Load a shipped policy by name (see `bundled_policy_names`)."""
    known = bundled_policy_names()
    if name not in known:
        close = difflib.get_close_matches(name, known, n=3)
        raise ConfigError(
            f"no bundled tool policy named '{name}'.",
            hint=f"use one of {close or known}.",
        )
    ref = resources.files("ringfence").joinpath(f"{BUNDLED_POLICY_DIR}/{name}.yaml")
    with resources.as_file(ref) as path:
        return load_tool_policy(path)


class PolicySet:
    """Several tool policies, looked up by the suite of the sample at hand.

    A policy that names suites applies to those suites; one that names none applies to every
    sample. A suite-specific rule wins over a general one.
    """

    def __init__(self, policies: list[ToolPolicy], *, guess_unknown: bool = False) -> None:
        self.policies = list(policies)
        self.guess_unknown = guess_unknown
        self._guessed: dict[str, ToolRule | None] = {}
        self._by_suite: dict[str, dict[str, ToolRule]] = {}
        self._general: dict[str, ToolRule] = {}
        for policy in self.policies:
            if not policy.suites:
                self._general.update(policy.tools)
            for suite in policy.suites:
                self._by_suite.setdefault(suite, {}).update(policy.tools)

    def rule_for(self, suite: str | None, tool_name: str) -> ToolRule | None:
        """Return the rule for `tool_name` in `suite`, or None when no policy lists it.

        With `guess_unknown`, a tool no policy lists gets a rule guessed from its name (see
        `ringfence.policy.generic`); a name with no known verb still has no rule.
        """
        if suite is not None:
            rule = self._by_suite.get(suite, {}).get(tool_name)
            if rule is not None:
                return rule
        rule = self._general.get(tool_name)
        if rule is None and self.guess_unknown:
            if tool_name not in self._guessed:
                from ringfence.policy.generic import guess_tool_rule_by_name

                self._guessed[tool_name] = guess_tool_rule_by_name(tool_name)
            rule = self._guessed[tool_name]
        return rule

    def known_tools(self, suite: str | None) -> list[str]:
        """Names of every tool that has a rule for `suite`."""
        names = set(self._general)
        if suite is not None:
            names |= set(self._by_suite.get(suite, {}))
        return sorted(names)

    def suggest(self, suite: str | None, tool_name: str) -> list[str]:
        """Known tool names close to an unknown one."""
        return difflib.get_close_matches(tool_name, self.known_tools(suite), n=3)

    def fingerprint(self) -> str:
        """Stable hash of every rule, recorded with each run."""
        payload = sorted(
            (p.name, p.model_dump_json(exclude={"source_path"})) for p in self.policies
        )
        return hashlib.sha256(repr((payload, self.guess_unknown)).encode()).hexdigest()


GENERIC_SPEC = "generic"
"""Tool-policy name that guesses a rule from each unknown tool's name."""


def resolve_tool_policies(specs: list[str]) -> PolicySet:
    """Load policies given as file paths or bundled names (such as 'agentdojo').

    The name 'generic' adds no file: it makes tools no other policy lists get a rule guessed
    from their names.
    """
    policies: list[ToolPolicy] = []
    groups = sorted({name.split("/")[0] for name in bundled_policy_names()})
    for spec in specs:
        if spec == GENERIC_SPEC:
            continue
        if Path(spec).exists():
            policies.append(load_tool_policy(spec))
        elif spec in groups:
            policies += [
                load_bundled_policy(name)
                for name in bundled_policy_names()
                if name.startswith(f"{spec}/")
            ]
        elif spec in bundled_policy_names():
            policies.append(load_bundled_policy(spec))
        else:
            raise _unknown_policy(spec, groups)
    return PolicySet(policies, guess_unknown=GENERIC_SPEC in specs)


def _unknown_policy(spec: str, groups: list[str]) -> ConfigError:
    if spec.endswith((".yaml", ".yml")) or "/" in spec and spec.split("/")[0] not in groups:
        return ConfigError(
            "tool policy file not found.",
            path=spec,
            hint="check the path, or give a bundled policy name.",
        )
    known = [*groups, *bundled_policy_names(), GENERIC_SPEC]
    close = difflib.get_close_matches(spec, known, n=3)
    return ConfigError(
        f"no tool policy file or bundled policy named '{spec}'.",
        hint=f"did you mean {' or '.join(repr(c) for c in close)}?"
        if close
        else f"give a file path or one of: {', '.join(known)}.",
    )
