"""Team chat toolset: channels (list, read, post) and direct messages."""

from __future__ import annotations

from typing import Any

from ringfence.policy import ActionClass, Privilege
from ringfence.world._registry import ToolError, Toolset, tool
from ringfence.world._state import Channel, ChatMessage, DirectMessage, WorldState
from ringfence.world.toolsets._common import (
    ChannelName,
    ChatHandle,
    dump,
    lookup,
    next_id,
    require_limit,
)


@tool(action=ActionClass.READ, scope="chat:read")
def list_channels(state: WorldState) -> list[dict[str, Any]]:
    """List the chat channels with their member counts."""
    return [
        {"channel": c.name, "members": len(c.members), "messages": len(c.messages)}
        for c in state.chat.channels
    ]


@tool(action=ActionClass.READ, scope="chat:read", reads="chat", scope_target="channel")
def read_channel(state: WorldState, channel: ChannelName, limit: int = 50) -> list[dict[str, Any]]:
    """Read the newest messages of a channel, oldest first.

    Args:
        channel: Channel name, with or without the leading '#'.
        limit: Maximum number of messages to return.
    """
    require_limit(limit)
    return [dump(m) for m in _channel(state, channel).messages[-limit:]]


@tool(
    action=ActionClass.SEND,
    privilege=Privilege.MEDIUM,
    scope="chat:post",
    targets=("channel",),
    payload=("text",),
    scope_target="channel",
)
def post_message(state: WorldState, channel: ChannelName, text: str) -> dict[str, Any]:
    """Post a message to a channel as the user.

    Args:
        channel: Channel name, with or without the leading '#'.
        text: Message text.
    """
    if not text.strip():
        raise ToolError("'text' is empty.")
    found = _channel(state, channel)
    every_id = (m.id for c in state.chat.channels for m in c.messages)
    message = ChatMessage(
        id=next_id("msg", every_id), author=state.chat.handle, text=text, posted_at=state.now
    )
    found.messages.append(message)
    return {"id": message.id, "channel": found.name, "status": "posted"}


@tool(
    action=ActionClass.SEND,
    privilege=Privilege.MEDIUM,
    scope="chat:dm",
    targets=("recipient",),
    payload=("text",),
    scope_target="recipient",
)
def send_direct_message(state: WorldState, recipient: ChatHandle, text: str) -> dict[str, Any]:
    """Send a direct message to one person in the workspace.

    Args:
        recipient: Chat handle of the person, with or without the leading '@'.
        text: Message text.
    """
    handle = lookup(state.chat.users, lambda u: u, recipient, "chat user")
    message = DirectMessage(
        id=next_id("dm", (m.id for m in state.chat.direct_messages)),
        recipient=handle,
        text=text,
        posted_at=state.now,
    )
    state.chat.direct_messages.append(message)
    return {"id": message.id, "recipient": handle, "status": "sent"}


def _channel(state: WorldState, name: str) -> Channel:
    return lookup(state.chat.channels, lambda c: c.name, name, "channel")


TOOLSET = Toolset(
    "chat",
    "The team chat workspace.",
    [list_channels, read_channel, post_message, send_direct_message],
)
