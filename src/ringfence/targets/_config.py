"""`TargetConfig`: how to reach a target, as the command line or a caller gives it.

The configuration contains the NAME of the environment variable with the API key, never the key,
so it can be hashed into the run id and logged without exposing a credential.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ringfence._urls import is_http_url
from ringfence.errors import ConfigError

DEFAULT_CALL_TIMEOUT_S = 60.0

SDK_BASE_URLS = {
    "openai": ("OPENAI_BASE_URL", "https://api.openai.com/v1"),
    "anthropic": ("ANTHROPIC_BASE_URL", "https://api.anthropic.com"),
}
"""Per SDK target: the variable its SDK reads the base URL from, and the SDK's default."""


class TargetConfig(BaseModel):
    """Settings of one target; which fields apply depends on `kind`."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="Target kind: openai, anthropic, callable or scripted.")
    model: str | None = Field(
        default=None, description="Model name sent to the provider and recorded with samples."
    )
    base_url: str | None = Field(
        default=None,
        description="API base URL (openai, anthropic); None uses the SDK's default.",
    )
    api_key_env: str | None = Field(
        default=None,
        description="Name of the environment variable that contains the API key (openai, "
        "anthropic); None uses the SDK's usual variable.",
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Extra request parameters sent with every call, for example temperature.",
    )
    script: Path | None = Field(
        default=None, description="YAML or JSON file of fixed replies (scripted)."
    )
    function: str | None = Field(
        default=None, description="'module:function' to call for each reply (callable)."
    )
    timeout_s: float = Field(
        default=DEFAULT_CALL_TIMEOUT_S, gt=0, description="Time limit of one call, in seconds."
    )
    http_client: Literal["auto", "aiohttp", "httpx"] = Field(
        default="auto",
        description="HTTP transport of the SDK (openai, anthropic): aiohttp is faster under "
        "many concurrent calls; auto uses it when the 'aiohttp' package is installed.",
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not is_http_url(value):
            raise ValueError(
                f"base URL {value!r} is not an http:// or https:// address with a host, such "
                "as http://127.0.0.1:8000/v1"
            )
        return value

    def resolved_base_url(self) -> str | None:
        """The base URL the SDK will use: the configured one, else its variable or default.

        None for targets that are not reached over HTTP.
        """
        if self.base_url is not None or self.kind not in SDK_BASE_URLS:
            return self.base_url
        variable, default = SDK_BASE_URLS[self.kind]
        return os.environ.get(variable) or default

    def identity(self) -> dict[str, Any]:
        """Fields that decide what the target is, for the run id; no key, no timeout."""
        identity: dict[str, Any] = {
            "kind": self.kind,
            "model": self.model,
            "base_url": self.resolved_base_url(),
            "params": self.params,
            "function": self.function,
        }
        if self.script is not None:
            identity["script_sha256"] = _file_sha256(self.script)
        return identity

    def require_model(self) -> str:
        """Return the model name; raise ConfigError when none is configured."""
        if not self.model:
            raise ConfigError(f"the {self.kind} target needs a model name.", hint="pass --model.")
        return self.model

    def read_api_key(self, default_env: str) -> str:
        """Read the API key from the configured variable, or from `default_env`.

        Raises ConfigError naming the variable (never a value) when it is unset or empty.
        """
        name = self.api_key_env or default_env
        value = os.environ.get(name, "")
        if not value:
            raise ConfigError(
                f"environment variable {name} is not set or empty, so the {self.kind} target "
                "has no API key.",
                hint=f"export {name}=..., or name another variable with --api-key-env.",
            )
        return value


def _file_sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror}.", path=str(path)) from exc
