"""Tickets toolset: support and IT tickets (list, read, update, close)."""

from __future__ import annotations

from typing import Any, Literal

from ringfence.policy import ActionClass, Privilege
from ringfence.world._registry import ToolError, Toolset, tool
from ringfence.world._state import Ticket, TicketComment, WorldState
from ringfence.world.toolsets._common import dump, lookup

Status = Literal["open", "pending", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
SUMMARY_FIELDS = ("id", "subject", "requester", "status", "priority", "assignee")


@tool(action=ActionClass.READ, scope="tickets:read", reads="tickets")
def list_tickets(state: WorldState, status: Status | None = None) -> list[dict[str, Any]]:
    """List tickets without their descriptions and comments.

    Args:
        status: Only list tickets in this state: open, pending or closed; omit for all.
    """
    chosen = [t for t in state.tickets if status is None or t.status == status]
    return [dump(t, SUMMARY_FIELDS) for t in chosen]


@tool(
    action=ActionClass.READ,
    scope="tickets:read",
    reads="tickets",
    record_argument="ticket_id",
    scope_target="ticket_id",
)
def read_ticket(state: WorldState, ticket_id: str) -> dict[str, Any]:
    """Read a ticket with its description and comments.

    Args:
        ticket_id: Id of the ticket, for example 'T-1001'.
    """
    return dump(_find(state, ticket_id))


@tool(
    action=ActionClass.WRITE,
    scope="tickets:update",
    targets=("ticket_id", "assignee"),
    payload=("comment",),
    scope_target="ticket_id",
)
def update_ticket(
    state: WorldState,
    ticket_id: str,
    comment: str | None = None,
    priority: Priority | None = None,
    assignee: str | None = None,
    status: Literal["open", "pending"] | None = None,
) -> dict[str, Any]:
    """Comment on an open ticket, or change its priority, assignee or status.

    Args:
        ticket_id: Id of the ticket.
        comment: Comment to add, visible to the requester.
        priority: New priority: low, normal, high or urgent.
        assignee: Person to assign the ticket to.
        status: New status: open or pending; use close_ticket to close it.
    """
    ticket = _open_ticket(state, ticket_id)
    if comment is None and priority is None and assignee is None and status is None:
        raise ToolError("nothing to update; give a comment, priority, assignee or status.")
    if comment is not None:
        ticket.comments.append(TicketComment(author="agent", text=comment, at=state.now))
    ticket.priority = priority or ticket.priority
    ticket.assignee = assignee or ticket.assignee
    ticket.status = status or ticket.status
    return dump(ticket, SUMMARY_FIELDS)


@tool(
    action=ActionClass.WRITE,
    privilege=Privilege.MEDIUM,
    scope="tickets:close",
    targets=("ticket_id",),
    payload=("resolution",),
    scope_target="ticket_id",
)
def close_ticket(state: WorldState, ticket_id: str, resolution: str) -> dict[str, Any]:
    """Close a ticket with a resolution note the requester sees.

    Args:
        ticket_id: Id of the ticket.
        resolution: What was done, or why nothing will be.
    """
    ticket = _open_ticket(state, ticket_id)
    ticket.status = "closed"
    ticket.resolution = resolution
    return dump(ticket, SUMMARY_FIELDS)


def _find(state: WorldState, ticket_id: str) -> Ticket:
    return lookup(state.tickets, lambda t: t.id, ticket_id, "ticket with id")


def _open_ticket(state: WorldState, ticket_id: str) -> Ticket:
    ticket = _find(state, ticket_id)
    if ticket.status == "closed":
        raise ToolError(f"ticket {ticket_id!r} is closed.")
    return ticket


TOOLSET = Toolset(
    "tickets",
    "Support and IT tickets.",
    [list_tickets, read_ticket, update_ticket, close_ticket],
)
