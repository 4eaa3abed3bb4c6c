"""Import order: the gate imports governance only when it evaluates, because governance reads
the evidence store and the store imports the gate's Decision model."""

from __future__ import annotations

import subprocess
import sys

import pytest

FIRST_IMPORTS = [
    "ringfence.store",
    "ringfence.gate",
    "ringfence.governance",
    "ringfence.pipeline",
    "ringfence.cli",
]


@pytest.mark.parametrize("module", FIRST_IMPORTS)
def test_module_imports_first(module: str) -> None:
    # A fresh interpreter, so nothing is imported before `module`.
    completed = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
