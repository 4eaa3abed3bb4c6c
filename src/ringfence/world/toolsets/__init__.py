"""The world's toolsets, one module each, and the default set every world offers."""

from __future__ import annotations

from ringfence.world._registry import Toolset
from ringfence.world.toolsets import (
    calendar,
    chat,
    email,
    escalation,
    files,
    payments,
    records,
    settings,
    tickets,
    web,
)

DEFAULT_TOOLSETS: tuple[Toolset, ...] = (
    email.TOOLSET,
    files.TOOLSET,
    calendar.TOOLSET,
    payments.TOOLSET,
    tickets.TOOLSET,
    settings.TOOLSET,
    chat.TOOLSET,
    web.TOOLSET,
    records.TOOLSET,
    escalation.TOOLSET,
)
"""Every toolset, in the order their tools are offered to a model."""

__all__ = ["DEFAULT_TOOLSETS"]
