"""HTTP details shared by the SDK targets: Retry-After parsing and status classification."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUS = frozenset({408, 409, 429})
"""Statuses worth retrying below 500: request timeout, conflict, rate limit."""


def is_retryable_status(status: int) -> bool:
    """True for 408, 409, 429 and every 5xx status."""
    return status in RETRYABLE_STATUS or status >= 500


def parse_retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds to wait from `Retry-After` (delay-seconds or HTTP-date) or `retry-after-ms`.

    Returns None when no header is present or it cannot be read. A date in the past gives 0.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    milliseconds = _seconds(lowered.get("retry-after-ms"))
    if milliseconds is not None:
        return milliseconds / 1000.0
    value = lowered.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    seconds = _seconds(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


_DELAY = re.compile(r"\d+(?:\.\d+)?")


def _seconds(value: str | None) -> float | None:
    """Read a plain non-negative number ('120', '1.5'); None for anything else (NaN, '1_000')."""
    if value is None or not _DELAY.fullmatch(value.strip()):
        return None
    return float(value)
