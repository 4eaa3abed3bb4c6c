"""The target registry: target kinds by name, and `create_target` for a configuration."""

from __future__ import annotations

from collections.abc import Callable

from ringfence.errors import ConfigError
from ringfence.targets._base import Target
from ringfence.targets._config import TargetConfig

TargetFactory = Callable[[TargetConfig], Target]


def _openai(config: TargetConfig) -> Target:
    from ringfence.targets._openai import OpenAITarget

    return OpenAITarget(config)


def _anthropic(config: TargetConfig) -> Target:
    from ringfence.targets._anthropic import AnthropicTarget

    return AnthropicTarget(config)


def _callable(config: TargetConfig) -> Target:
    from ringfence.targets._callable import CallableTarget

    return CallableTarget.from_config(config)


def _scripted(config: TargetConfig) -> Target:
    from ringfence.targets._scripted import ScriptedTarget

    return ScriptedTarget.from_config(config)


_FACTORIES: dict[str, TargetFactory] = {
    "openai": _openai,
    "anthropic": _anthropic,
    "callable": _callable,
    "scripted": _scripted,
}


def register_target(kind: str, factory: TargetFactory) -> None:
    """Add a target kind; raise ValueError when the name is taken."""
    if kind in _FACTORIES:
        raise ValueError(f"a target kind named {kind!r} is already registered")
    _FACTORIES[kind] = factory


def target_names() -> list[str]:
    """Names of the registered target kinds, sorted."""
    return sorted(_FACTORIES)


def create_target(config: TargetConfig) -> Target:
    """Create the target a configuration describes; raise ConfigError for an unknown kind."""
    factory = _FACTORIES.get(config.kind)
    if factory is None:
        raise ConfigError(
            f"unknown target {config.kind!r}.", hint=f"use one of: {', '.join(target_names())}."
        )
    return factory(config)
