"""Gate policy: thresholds per metric for one rollout ring, read from YAML.

Example::

    version: 1
    name: staging-default
    ring: staging
    min_samples: 30
    max_skipped_samples: 0
    checks:
      - metric: unauthorized_action_rate
        max: 0.02
      - metric: prompt_resistance_rate
        min: 0.90
        per: model
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ringfence.config import load_yaml_with_lines, validate_located
from ringfence.errors import ConfigError
from ringfence.metrics.behaviour import METRIC_DIRECTIONS


class Ring(StrEnum):
    """Rollout rings, from least to most exposed."""

    DEV = "dev"
    STAGING = "staging"
    CANARY = "canary"
    PRODUCTION = "production"


class MetricCheck(BaseModel):
    """A threshold on one metric, overall or for each value of one segment key."""

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(description="Metric name, for example 'unauthorized_action_rate'.")
    max: float | None = Field(
        default=None, ge=0, le=1, description="Highest acceptable rate, as a proportion 0-1."
    )
    min: float | None = Field(
        default=None, ge=0, le=1, description="Lowest acceptable rate, as a proportion 0-1."
    )
    per: str | None = Field(
        default=None,
        description="Segment key to check each value of (model, suite, action_class, ...); "
        "omit to check the overall value.",
    )
    min_samples: int | None = Field(
        default=None, ge=1, description="Trials needed for green; overrides the policy default."
    )

    @model_validator(mode="after")
    def _check_bounds(self) -> MetricCheck:
        if self.metric not in METRIC_DIRECTIONS:
            known = ", ".join(sorted(METRIC_DIRECTIONS))
            raise ValueError(f"unknown metric '{self.metric}'; known metrics: {known}")
        if (self.max is None) == (self.min is None):
            raise ValueError("give exactly one of 'max' or 'min'")
        return self


class GatePolicy(BaseModel):
    """Thresholds and evidence requirements for one ring."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="Gate policy format version; must be 1.")
    name: str = Field(description="Name shown in decisions and reports.")
    ring: Ring | None = Field(default=None, description="Ring the policy is for.")
    min_samples: int = Field(
        default=30, ge=1, description="Trials a check needs for green, unless it sets its own."
    )
    max_skipped_samples: int = Field(
        default=0,
        ge=0,
        description="Input samples that may fail to import before the gate cannot evaluate.",
    )
    checks: list[MetricCheck] = Field(min_length=1, description="Threshold checks.")

    @field_validator("version")
    @classmethod
    def _check_version(cls, version: int) -> int:
        if version != 1:
            raise ValueError(f"unsupported gate policy version {version}; this release reads 1")
        return version

    def sha256(self) -> str:
        """Fingerprint of the settings, stored with each decision."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


def load_gate_policy(path: str | Path) -> GatePolicy:
    """Load and validate a gate policy YAML file."""
    located = load_yaml_with_lines(path)
    if not isinstance(located.data, dict):
        raise ConfigError(
            "a gate policy must be a mapping with keys 'version', 'name' and 'checks'.",
            path=str(path),
            line=1,
        )
    return validate_located(GatePolicy, located)
