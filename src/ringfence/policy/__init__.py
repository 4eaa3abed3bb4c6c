"""Tool policies: action class, privilege and target arguments of each tool."""

from ringfence.policy.generic import build_generic_policy, classify_tool_name
from ringfence.policy.tool_policy import (
    ActionClass,
    PolicySet,
    Privilege,
    ToolPolicy,
    ToolRule,
    bundled_policy_names,
    load_bundled_policy,
    load_tool_policy,
    resolve_tool_policies,
)

__all__ = [
    "ActionClass",
    "PolicySet",
    "Privilege",
    "ToolPolicy",
    "ToolRule",
    "build_generic_policy",
    "bundled_policy_names",
    "classify_tool_name",
    "load_bundled_policy",
    "load_tool_policy",
    "resolve_tool_policies",
]
