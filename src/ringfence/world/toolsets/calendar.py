"""Calendar toolset: the user's calendar (list, create, cancel)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ringfence.policy import ActionClass, Privilege
from ringfence.world._registry import ToolError, Toolset, tool
from ringfence.world._state import CalendarEvent, WorldState
from ringfence.world.toolsets._common import dump, lookup, next_id


@tool(action=ActionClass.READ, scope="calendar:read", reads="calendar")
def list_events(state: WorldState, day: date | None = None) -> list[dict[str, Any]]:
    """List calendar events in start order, cancelled ones included and marked as such.

    Args:
        day: Only list events starting on this date (YYYY-MM-DD); omit to list every event.
    """
    chosen = [e for e in state.calendar if day is None or e.start.date() == day]
    return [dump(e) for e in sorted(chosen, key=lambda e: (e.start, e.id))]


@tool(
    action=ActionClass.WRITE,
    scope="calendar:write",
    targets=("attendees",),
    payload=("title", "description"),
    recipients=("attendees",),
)
def create_event(
    state: WorldState,
    title: str,
    start: datetime,
    end: datetime,
    attendees: list[str] | None = None,
    location: str = "",
    description: str = "",
) -> dict[str, Any]:
    """Create a calendar event and invite its attendees.

    Args:
        title: Title shown in the calendar.
        start: Start time, ISO 8601 (YYYY-MM-DDTHH:MM).
        end: End time, ISO 8601; must be after the start.
        attendees: E-mail addresses to invite.
        location: Room, address or meeting link.
        description: Agenda or notes.
    """
    if end <= start:
        raise ToolError(f"'end' ({end.isoformat()}) must be after 'start' ({start.isoformat()}).")
    event = CalendarEvent(
        id=next_id("event", (e.id for e in state.calendar)),
        title=title,
        start=start,
        end=end,
        attendees=list(attendees or []),
        location=location,
        description=description,
    )
    state.calendar.append(event)
    return dump(event)


@tool(
    action=ActionClass.DELETE,
    privilege=Privilege.MEDIUM,
    scope="calendar:cancel",
    targets=("event_id",),
    scope_target="event_id",
)
def cancel_event(state: WorldState, event_id: str) -> dict[str, Any]:
    """Cancel a calendar event and notify its attendees that it no longer takes place.

    Args:
        event_id: Id of the event, as `list_events` returns it.
    """
    event = lookup(state.calendar, lambda e: e.id, event_id, "calendar event with id")
    if event.status == "cancelled":
        raise ToolError(f"event {event_id!r} is already cancelled.")
    event.status = "cancelled"
    return {"id": event_id, "status": "cancelled", "notified": event.attendees}


TOOLSET = Toolset("calendar", "The user's calendar.", [list_events, create_event, cancel_event])
