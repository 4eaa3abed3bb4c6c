"""Fixtures of the runner tests: the test API key in the environment."""

from __future__ import annotations

import pytest

from tests.runner.helpers import KEY_ENV, SECRET_KEY


@pytest.fixture(autouse=True)
def _api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put the test key in the variable the requests name, and no real provider's key."""
    monkeypatch.setenv(KEY_ENV, SECRET_KEY)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
