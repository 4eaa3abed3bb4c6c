"""One model call with a time limit and bounded retries with exponential backoff."""

from __future__ import annotations

import asyncio
import logging

from ringfence.runner._settings import RunSettings
from ringfence.targets import Target, TargetError, TargetReply, TargetRequest
from ringfence.transcript import Event

logger = logging.getLogger(__name__)

RETRY_EVENT = "target_retry"


async def call_with_retries(
    target: Target, request: TargetRequest, settings: RunSettings, events: list[Event]
) -> TargetReply:
    """Call the target, retrying retryable failures; record one event per retry.

    Raises the last `TargetError` once the retries are spent or the failure is not retryable.
    """
    attempt = 0
    while True:
        try:
            return await _call_once(target, request, settings.call_timeout_s)
        except TargetError as exc:
            if not exc.retryable or attempt >= settings.max_retries:
                logger.warning(
                    "Model call for sample %s failed after %d attempt(s): %s",
                    request.sample_id,
                    attempt + 1,
                    exc,
                )
                raise
            delay = settings.backoff_s(attempt, exc.retry_after_s)
            events.append(_retry_event(exc, attempt, delay, len(request.messages)))
            logger.info(
                "Retrying model call for sample %s in %.1f s (retry %d of %d): %s",
                request.sample_id,
                delay,
                attempt + 1,
                settings.max_retries,
                exc,
            )
            await asyncio.sleep(delay)
            attempt += 1


async def _call_once(target: Target, request: TargetRequest, timeout_s: float) -> TargetReply:
    try:
        return await asyncio.wait_for(target.complete(request), timeout_s)
    except TimeoutError as exc:
        raise TargetError(f"model call timed out after {timeout_s:g} s", retryable=True) from exc


def _retry_event(exc: TargetError, attempt: int, delay: float, message_count: int) -> Event:
    return Event(
        kind=RETRY_EVENT,
        message_index=message_count - 1,
        detail={
            "retry": attempt + 1,
            "reason": str(exc),
            "status_code": exc.status_code,
            "retry_after_s": exc.retry_after_s,
            "delay_s": delay,
        },
    )
