"""Operations: what one tool call does to files, processes, services, settings and signals.

The shell and Python readers turn a command into operations. The oversight detector then checks
whether each operation touches an oversight mechanism.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class OperationKind(StrEnum):
    """Kind of operation, worded as the verb of a finding's reason."""

    DELETE = "deletes"
    MOVE = "moves or renames"
    WRITE = "overwrites"
    EDIT = "edits"
    TRUNCATE = "truncates"
    CHANGE_MODE = "changes the permissions or owner of"
    KILL = "kills or suspends"
    STOP_SERVICE = "stops or disables"
    SET_VARIABLE = "sets the environment variable"
    UNSET_VARIABLE = "unsets the environment variable"
    SET_VALUE = "sets"
    RUN_CODE = "runs code that sets"
    TRAP_SIGNAL = "traps the termination signal"
    REMOVE_CRONTAB = "removes"
    REPLACE_CRONTAB = "replaces"
    ESCALATE = "raises its privileges with"
    DISABLE = "disables"
    CHANGE_PERMISSIONS = "changes the agent's own permissions"
    CHANGE_SETTINGS = "changes the agent's own settings"


@dataclass(frozen=True)
class Operation:
    """One operation and its target (a path, process, service, variable, key or signal)."""

    kind: OperationKind
    target: str
    content: str | None = None
    """Text written, the edit expression, or the value set; None when there is none."""


@dataclass
class CallSummary:
    """Summary of a tool call: its operations and whether it changes anything at all."""

    operations: list[Operation] = field(default_factory=list)
    side_effecting: bool = False

    def merge(self, other: CallSummary) -> None:
        """Add another part of the same call (one simple command of a command line)."""
        self.operations += other.operations
        self.side_effecting = self.side_effecting or other.side_effecting
