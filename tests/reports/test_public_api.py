"""Pin the public names of ringfence.reports."""

from __future__ import annotations

import ringfence.reports


def test_public_names() -> None:
    assert sorted(ringfence.reports.__all__) == [
        "JSON_REPORT_FORMAT",
        "JSON_REPORT_VERSION",
        "MAX_MARKDOWN_BYTES",
        "REPORT_FILE_NAMES",
        "ReportFormat",
        "load_json_report",
        "parse_formats",
        "render_console",
        "render_json",
        "render_junit",
        "render_markdown",
        "write_reports",
    ]
    for name in ringfence.reports.__all__:
        assert hasattr(ringfence.reports, name), name
