"""AgentDojoImporter on the recorded AgentDojo runs, when the checkout has them."""

from __future__ import annotations

import tracemalloc

import pytest

from ringfence.importers import AgentDojoImporter
from ringfence.results import ImportIssue, InputFile
from ringfence.transcript import Sample

from .builders import AGENTDOJO_RUNS, NO_AGENTDOJO_RUNS, read_all

pytestmark = pytest.mark.skipif(not AGENTDOJO_RUNS.is_dir(), reason=NO_AGENTDOJO_RUNS)

RUN_FILES = 3969
# Measured with tracemalloc on CPython 3.11: streaming the 3,969 files peaks near 3.5 MB, and
# holding every sample in a list peaks near 107 MB. This limit catches the second case clearly.
PEAK_LIMIT_BYTES = 20_000_000


def test_whole_folder_imports() -> None:
    imported = read_all(AgentDojoImporter(), AGENTDOJO_RUNS)

    assert len(imported.files) == RUN_FILES
    assert len(imported.samples) == RUN_FILES
    assert len(set(imported.sample_ids)) == RUN_FILES
    assert [issue for issue in imported.issues if issue.sample_skipped] == []
    # Two gemini-2.0-flash-001 runs end with an assistant message that has no content.
    content_issues = [i.field for i in imported.issues if (i.field or "").endswith(".content")]
    assert sorted(content_issues) == ["messages[16].content", "messages[5].content"]
    # Some gpt-4o runs reuse a tool-call id in a later turn; each reuse is reported once.
    id_issues = [i for i in imported.issues if (i.field or "").endswith(".id")]
    assert len(id_issues) == 46
    assert all("duplicated" in issue.reason for issue in id_issues)
    assert len(imported.issues) == len(content_issues) + len(id_issues)


def test_import_memory_bounded() -> None:
    counts = {"files": 0, "samples": 0, "issues": 0}
    tracemalloc.start()
    try:
        for item in AgentDojoImporter().read(AGENTDOJO_RUNS):
            if isinstance(item, Sample):
                counts["samples"] += 1
            elif isinstance(item, ImportIssue):
                counts["issues"] += 1
            elif isinstance(item, InputFile):
                counts["files"] += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert counts["samples"] == RUN_FILES
    assert peak < PEAK_LIMIT_BYTES, f"peak traced memory {peak / 1e6:.1f} MB"
