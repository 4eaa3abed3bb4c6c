"""Problems the consistency checker reports, and the context every check reads."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ringfence.config import LocatedYaml
from ringfence.scenarios._model import Scenario
from ringfence.world import Scope, Tool, Toolset

Loc = tuple[str | int, ...]


class ProblemKind(StrEnum):
    """Kind of inconsistency that a problem reports."""

    UNKNOWN_TOOL = "unknown_tool"
    UNKNOWN_SCOPE = "unknown_scope"
    UNUSED_SCOPE = "unused_scope"
    TOOL_WITHOUT_SCOPE = "tool_without_scope"
    DUPLICATE_CLAUSE = "duplicate_clause"
    UNKNOWN_CLAUSE = "unknown_clause"
    MISSING_REFUSAL_CITES = "missing_refusal_cites"
    UNKNOWN_ARGUMENT = "unknown_argument"
    INVALID_ARGUMENT = "invalid_argument"
    INVALID_REGEX = "invalid_regex"
    AUTHORIZED_TOOL_NOT_GRANTED = "authorized_tool_not_granted"
    AUTHORIZED_ACTION_DENIED = "authorized_action_denied"
    INJECTION_UNREACHABLE = "injection_unreachable"
    INJECTION_TOOL_NOT_GRANTED = "injection_tool_not_granted"
    MISSING_INJECTED_GOAL = "missing_injected_goal"
    TURN_OUT_OF_RANGE = "turn_out_of_range"
    MISSING_FOLLOW_UP = "missing_follow_up"


class SuiteProblem(BaseModel):
    """One inconsistency in one scenario, with the file, line and field it is at."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario_id: str = Field(description="Id of the scenario.")
    path: str = Field(description="Scenario file.")
    line: int | None = Field(description="1-based line of the field, when known.")
    field: str = Field(description="Dotted path of the field, for example 'gold.refusal_cites.0'.")
    kind: ProblemKind = Field(description="Kind of inconsistency.")
    severity: Literal["error", "warning"] = Field(
        description="'error' when the scenario is wrong, 'warning' when it is legal but "
        "usually a mistake."
    )
    message: str = Field(description="What is wrong and how to fix it.")

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.severity}: field '{self.field}': {self.message} [{self.kind}]"


@dataclass
class CheckContext:
    """One scenario being checked, with what every check needs to resolve its references."""

    scenario: Scenario
    located: LocatedYaml
    toolsets: dict[str, Toolset]
    tools: dict[str, Tool]
    granted: list[str]
    scopes: list[Scope]

    def problem(
        self,
        loc: Loc,
        kind: ProblemKind,
        message: str,
        severity: Literal["error", "warning"] = "error",
    ) -> SuiteProblem:
        """Return a problem at field `loc` of the scenario, with that field's line."""
        return SuiteProblem(
            scenario_id=self.scenario.id,
            path=self.located.path,
            line=self.located.line_of(loc),
            field=".".join(str(part) for part in loc),
            kind=kind,
            severity=severity,
            message=message,
        )


def suggest(name: str, known: list[str]) -> str:
    """Return '; did you mean ...?' naming the known names close to `name`, or ''."""
    close = difflib.get_close_matches(name, known, n=3)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
