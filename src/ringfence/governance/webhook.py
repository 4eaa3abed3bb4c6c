"""Delivery of one JSON document to a webhook: HTTP POST with a timeout, retried with
exponential backoff.

A webhook URL often carries a secret token in its path or query, so logs and stored errors name
only the URL's scheme, host and port. Nothing here stores anything; `incidents` records each
attempt through the callback it passes in.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ringfence import __version__
from ringfence._urls import is_http_url

logger = logging.getLogger(__name__)

WEBHOOK_ENV = "RINGFENCE_INCIDENT_WEBHOOK"
"""Environment variable that sets the incident webhook URL when no option does."""

# Statuses that a later attempt can turn into a success: request timeout, too early, rate
# limited, and every server error. Other 4xx statuses repeat on every attempt.
_RETRY_STATUSES = frozenset({408, 425, 429})


class WebhookSettings(BaseModel):
    """Webhook URL, timeout and retry policy."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="http or https URL that receives the POST.")
    timeout_s: float = Field(
        default=5.0, gt=0, description="Seconds to wait for connect, send and response each."
    )
    max_attempts: int = Field(
        default=4, ge=1, le=20, description="Attempts per delivery, the first one included."
    )
    backoff_s: float = Field(
        default=0.5, ge=0, description="Seconds to wait before the second attempt."
    )
    backoff_factor: float = Field(
        default=2.0, ge=1, description="Factor by which each further wait grows."
    )
    max_backoff_s: float = Field(
        default=30.0, ge=0, description="Maximum wait between attempts, in seconds."
    )

    @field_validator("url")
    @classmethod
    def _check_url(cls, url: str) -> str:
        if not is_http_url(url):
            raise ValueError(
                f"invalid webhook URL '{redact_url(url)}': expected http:// or https:// "
                "followed by a host, such as https://HOST/PATH"
            )
        return url

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before attempt number `attempt` (2 or more)."""
        grown = self.backoff_s * self.backoff_factor ** (attempt - 2)
        return float(min(grown, self.max_backoff_s))


class AttemptFailure(BaseModel):
    """One failed attempt."""

    model_config = ConfigDict(extra="forbid")

    attempt: int = Field(description="Attempt number, from 1.")
    error: str = Field(description="What failed: the HTTP status or the transport error.")
    retryable: bool = Field(description="True when a later attempt could succeed.")


class DeliveryReport(BaseModel):
    """Outcome of one delivery."""

    model_config = ConfigDict(extra="forbid")

    delivered: bool = Field(description="True when the webhook responded with a 2xx status.")
    attempts: int = Field(description="Attempts made.")
    last_error: str | None = Field(default=None, description="Error of the last failed attempt.")


def redact_url(url: str) -> str:
    """Return only scheme, host and port of a URL, for logs and messages."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return "<unparsable URL>"
    port = f":{parts.port}" if parts.port else ""
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}{port}/..."


def post_json(
    client: httpx.Client,
    settings: WebhookSettings,
    body: bytes,
    *,
    delivery_id: str,
    on_failure: Callable[[AttemptFailure], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """POST `body` as JSON until the webhook accepts it or the attempts run out.

    `delivery_id` goes into the logs and the Idempotency-Key header, so a receiver can drop a
    repeat of a delivery whose response was lost. `on_failure` is called after each failed attempt.
    """
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"ringfence/{__version__}",
        "Idempotency-Key": delivery_id,
    }
    where = redact_url(settings.url)
    last_error: str | None = None
    for attempt in range(1, settings.max_attempts + 1):
        if attempt > 1:
            sleep(settings.delay_before(attempt))
        logger.info("Sending %s to %s, attempt %d", delivery_id, where, attempt)
        failure = _attempt(client, settings, body, headers, attempt)
        if failure is None:
            logger.info("Delivered %s to %s on attempt %d", delivery_id, where, attempt)
            return DeliveryReport(delivered=True, attempts=attempt, last_error=None)

        last_error = failure.error
        logger.warning(
            "Sending %s to %s failed on attempt %d of %d: %s",
            delivery_id,
            where,
            attempt,
            settings.max_attempts,
            failure.error,
        )
        if on_failure is not None:
            on_failure(failure)
        if not failure.retryable:
            return DeliveryReport(delivered=False, attempts=attempt, last_error=last_error)
    return DeliveryReport(delivered=False, attempts=settings.max_attempts, last_error=last_error)


def _attempt(
    client: httpx.Client,
    settings: WebhookSettings,
    body: bytes,
    headers: dict[str, str],
    attempt: int,
) -> AttemptFailure | None:
    try:
        response = client.post(
            settings.url, content=body, headers=headers, timeout=settings.timeout_s
        )
    except httpx.TimeoutException as error:
        reason = f"timed out after {settings.timeout_s:g} s ({type(error).__name__})"
        return AttemptFailure(attempt=attempt, error=reason, retryable=True)
    except httpx.TransportError as error:
        # httpx's transport errors name the failure ('Connection refused') but not the URL.
        reason = f"{type(error).__name__}: {error}"
        return AttemptFailure(attempt=attempt, error=reason, retryable=True)

    status = response.status_code
    if 200 <= status < 300:
        return None
    retryable = status >= 500 or status in _RETRY_STATUSES
    reason = f"HTTP {status} {response.reason_phrase}".strip()
    return AttemptFailure(attempt=attempt, error=reason, retryable=retryable)
