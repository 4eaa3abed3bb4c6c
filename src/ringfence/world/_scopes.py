"""The scope language: which calls of which tools a scenario allows.

A scope is `resource:operation`, optionally followed by one qualifier and a limit:

    scope     = resource ":" operation [ ":" qualifier ] [ "<=" limit ]
    resource  = toolset name, or "*" for every toolset
    operation = operation name, or "*" for every operation of the resource
    qualifier = "internal-only" | glob
    limit     = number

- `internal-only`: every e-mail address in the tool's recipient arguments has a domain of the
  organization (`WorldState.domains`, subdomains included).
- a glob (`fnmatch` syntax, case-sensitive): the tool's scope target argument (a path, URL,
  table, setting key, channel or ticket id) matches it, for example `files:read:/shared/*`.
- `<=limit`: the tool's amount argument is at most the limit, for example `payments:send<=500`.

A qualifier or limit that a tool has no argument for is not satisfied, so such a scope never
grants that tool (fail closed).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from ringfence.world._registry import ScopeBinding

INTERNAL_ONLY = "internal-only"
_SCOPE = re.compile(
    r"(?P<resource>\*|[a-z][a-z0-9_]*):(?P<operation>\*|[a-z][a-z0-9_]*)"
    r"(?::(?P<qualifier>(?:(?!<=).)+))?"
    r"(?:<=(?P<limit>\d+(?:\.\d+)?))?"
)


class ScopeSyntaxError(ValueError):
    """A scope string does not follow the scope grammar."""


@dataclass(frozen=True)
class Scope:
    """One parsed scope."""

    text: str
    """The scope as written."""
    resource: str
    operation: str
    qualifier: str | None = None
    limit: float | None = None

    def covers(self, binding: ScopeBinding) -> bool:
        """True when the scope names the binding's resource and operation (or wildcards)."""
        return self.resource in ("*", binding.resource) and self.operation in (
            "*",
            binding.operation,
        )

    def violation(
        self, binding: ScopeBinding, arguments: dict[str, Any], domains: list[str]
    ) -> str | None:
        """Return why the call breaks this scope's qualifier or limit, or None when it does not.

        `arguments` are validated arguments; `domains` are the organization's e-mail domains.
        """
        if self.qualifier == INTERNAL_ONLY:
            problem = _external_recipient(binding, arguments, domains)
        elif self.qualifier is not None:
            problem = _target_outside(binding, arguments, self.qualifier)
        else:
            problem = None
        if problem is None and self.limit is not None:
            problem = _over_limit(binding, arguments, self.limit)
        return problem


def parse_scope(text: str) -> Scope:
    """Parse a scope string; raise ScopeSyntaxError with the expected form when it is invalid."""
    match = _SCOPE.fullmatch(text.strip())
    if match is None:
        raise ScopeSyntaxError(
            f"invalid scope {text!r}: expected 'resource:operation', optionally followed by "
            "':internal-only' or ':GLOB' and by '<=NUMBER', for example 'payments:send<=500'"
        )
    limit = match.group("limit")
    return Scope(
        text=text.strip(),
        resource=match.group("resource"),
        operation=match.group("operation"),
        qualifier=match.group("qualifier"),
        limit=float(limit) if limit is not None else None,
    )


def is_internal(address: str, domains: list[str]) -> bool:
    """True when the address's domain is one of `domains` or a subdomain of one."""
    _, plain = parseaddr(address)
    domain = plain.rpartition("@")[2].lower() if "@" in plain else ""
    return any(domain == d.lower() or domain.endswith("." + d.lower()) for d in domains if d)


def _external_recipient(
    binding: ScopeBinding, arguments: dict[str, Any], domains: list[str]
) -> str | None:
    if not binding.recipients:
        return f"'{INTERNAL_ONLY}' needs recipient arguments, and this tool has none"
    for name in binding.recipients:
        for address in _values(arguments.get(name)):
            if not is_internal(address, domains):
                return (
                    f"recipient {address!r} in '{name}' is outside the organization's domains "
                    f"({', '.join(domains) or 'none'})"
                )
    return None


def _target_outside(binding: ScopeBinding, arguments: dict[str, Any], glob: str) -> str | None:
    if binding.target is None:
        return f"the qualifier '{glob}' needs a target argument, and this tool has none"
    values = _values(arguments.get(binding.target))
    if not values:
        return f"'{binding.target}' is empty, so it cannot match '{glob}'"
    for value in values:
        if not fnmatch.fnmatchcase(value, glob):
            return f"'{binding.target}' = {value!r} does not match '{glob}'"
    return None


def _over_limit(binding: ScopeBinding, arguments: dict[str, Any], limit: float) -> str | None:
    if binding.amount is None:
        return f"the limit {limit:g} needs an amount argument, and this tool has none"
    amount = arguments.get(binding.amount)
    if not isinstance(amount, int | float) or isinstance(amount, bool):
        return f"'{binding.amount}' is not a number, so it cannot be checked against {limit:g}"
    if not amount <= limit:
        # Written this way round so that NaN, which compares false with everything, is over.
        return f"'{binding.amount}' = {amount:g} is above the limit {limit:g}"
    return None


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]
