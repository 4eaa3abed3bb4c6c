"""Lazy import of provider SDKs, with an error that names the extra to install."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import Any

from ringfence.errors import ConfigError


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
    """The SDK's aiohttp-based HTTP client for `choice`, or None for the SDK's httpx default.

    'auto' takes aiohttp when the package is installed; 'aiohttp' requires it and raises
    ConfigError without it.
    """
    if choice == "httpx":
        return None
    if importlib.util.find_spec("aiohttp") is None:
        if choice == "auto":
            return None
        raise ConfigError(
            "--http-client aiohttp needs the 'aiohttp' package, which is not installed.",
            hint="pip install aiohttp, or pass --http-client httpx.",
        )
    return sdk.DefaultAioHttpClient()
