"""Shared test helpers: where the real datasets are, and small transcript builders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._paths import AGENTDOJO_DIR


@pytest.fixture
def agentdojo_runs() -> Path:
    """The AgentDojo runs folder; skips the test when the shared data is not beside the repo."""
    runs = AGENTDOJO_DIR / "runs"
    if not runs.is_dir():
        pytest.skip(f"AgentDojo data not found at {runs} (../shared/data is absent)")
    return runs


@pytest.fixture(autouse=True)
def _no_incident_webhook_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a webhook URL set in the developer's shell from receiving test incidents.

    `ringfence gate` reads RINGFENCE_INCIDENT_WEBHOOK, and the bundled example is red in staging.
    """
    monkeypatch.delenv("RINGFENCE_INCIDENT_WEBHOOK", raising=False)
