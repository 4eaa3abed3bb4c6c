"""Helpers shared by the SDK targets: lazy import of the SDK, its HTTP client, its errors.

`import_sdk` names the extra to install when an SDK is missing, and `sdk_failure` turns the
errors of the openai and anthropic SDKs (the same class names in both) into `TargetError`.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import Any

from ringfence.errors import ConfigError
from ringfence.targets._base import TargetError
from ringfence.targets._http import is_retryable_status, parse_retry_after


def import_sdk(module: str, extra: str) -> ModuleType:
    """Import a provider SDK; raise ConfigError naming the ringfence extra when it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(
            f"the '{extra}' target needs the '{module}' package, which is not installed.",
            hint=f"pip install 'ringfence[{extra}]'.",
        ) from exc


def status_error_message(provider: str, status: int, body: object) -> str:
    """Describe a failed HTTP call by status and the provider's error type or code.

    The provider's error text is left out, because some providers echo part of the request or
    of the API key in it.
    """
    kind = None
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            kind = error.get("type") or error.get("code")
    suffix = f" ({kind})" if isinstance(kind, str) and kind else ""
    return f"{provider} API returned HTTP {status}{suffix}"


def sdk_http_client(sdk: ModuleType, choice: str) -> Any:
    """Build the SDK's HTTP client for `choice` (auto, aiohttp or httpx), redirects turned off.

    'auto' takes aiohttp when the package is installed; 'aiohttp' requires it and raises
    ConfigError without it. A model API does not redirect. Following a redirect would post the
    whole conversation to another address, or turn the POST into a GET whose reply reads as
    the model's. So a redirect is a failed call that names its status.
    """
    if choice == "httpx" or (choice == "auto" and importlib.util.find_spec("aiohttp") is None):
        return sdk.DefaultAsyncHttpxClient(follow_redirects=False)
    if importlib.util.find_spec("aiohttp") is None:
        raise ConfigError(
            "--http-client aiohttp needs the 'aiohttp' package, which is not installed.",
            hint="pip install aiohttp, or pass --http-client httpx.",
        )
    return sdk.DefaultAioHttpClient(follow_redirects=False)


def connection_problem(exc: BaseException) -> str | None:
    """Name the connection failure among a failed call's causes, or return None.

    The SDK's aiohttp transport reports a refused connection as a connect timeout, so the
    targets look at the causes before they call a failure a timeout.
    """
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return None
        if isinstance(seen, ConnectionRefusedError):
            return "the connection was refused"
        if isinstance(seen, ConnectionResetError):
            return "the connection was reset"
        if isinstance(seen, ConnectionError):
            return "the connection failed"
        seen = seen.__cause__ or seen.__context__
    return None


def sdk_failure(sdk: ModuleType, provider: str, exc: Exception) -> TargetError:
    """Describe a failed SDK call as a TargetError: status, timeout or connection."""
    if isinstance(exc, sdk.APIStatusError):
        return TargetError(
            status_error_message(provider, exc.status_code, exc.body),
            retryable=is_retryable_status(exc.status_code),
            status_code=exc.status_code,
            retry_after_s=parse_retry_after(exc.response.headers),
        )
    problem = connection_problem(exc)
    if isinstance(exc, sdk.APITimeoutError) and problem is None:
        return TargetError(f"{provider} API call timed out", retryable=True)
    if isinstance(exc, sdk.APIConnectionError):
        reason = problem or type(exc).__name__
        return TargetError(f"cannot connect to the {provider} API: {reason}", retryable=True)
    return TargetError(f"{provider} API call failed: {type(exc).__name__}")
