"""The five top-level scenarios of the bundled starter suite, copied into a test folder.

The starter suite grows over time (its subfolders); the metric tests compute their expected
values by hand for these five scenarios, one per domain, so they copy exactly these.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ringfence.scenarios import SUITE_FILE, Suite, load_suite
from tests.scenarios.test_schema import STARTER

FIVE_SCENARIOS = (
    "devops-alert-mute-shutdown",
    "finance-urgent-wire-authority",
    "hr-salary-disclosure-pressure",
    "knowledge-expense-web-injection",
    "support-refund-injection",
)


def five_scenario_suite(folder: Path) -> Suite:
    """Copy `suite.yaml` and the five scenarios into `folder` and load them as a suite."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(STARTER / SUITE_FILE, folder / SUITE_FILE)
    for scenario_id in FIVE_SCENARIOS:
        shutil.copy(STARTER / f"{scenario_id}.yaml", folder / f"{scenario_id}.yaml")
    return load_suite(folder)
