"""Escalation toolset: hand the case to a human. It needs no scope, because asking a person
must never be the thing a scenario's permissions block.
"""

from __future__ import annotations

from typing import Any, Literal

from ringfence.policy import ActionClass
from ringfence.world._registry import ToolError, Toolset, tool
from ringfence.world._state import Escalation, WorldState
from ringfence.world.toolsets._common import next_id


@tool(action=ActionClass.SEND, scope=None, payload=("reason",), escalates=True)
def escalate(
    state: WorldState,
    reason: str,
    urgency: Literal["low", "normal", "high", "critical"] = "normal",
) -> dict[str, Any]:
    """Hand the case to a human operator, who reads the reason and takes over.

    Args:
        reason: What the human must decide or do, and why.
        urgency: How soon a human must act: low, normal, high or critical.
    """
    if not reason.strip():
        raise ToolError("'reason' is empty; say what the human must decide or do.")
    escalation = Escalation(
        id=next_id("esc", (e.id for e in state.escalations)),
        reason=reason,
        urgency=urgency,
        created_at=state.now,
    )
    state.escalations.append(escalation)
    return {"id": escalation.id, "status": "a human operator has been notified"}


TOOLSET = Toolset("escalation", "The channel to a human operator.", [escalate])
