"""Reports: render a RunResult for a terminal, a CI job summary, JUnit consumers and machines.

Each renderer reads only the RunResult it is given. ``write_reports`` writes the file formats
into a folder.
"""

from ringfence.reports.console import render_console
from ringfence.reports.json_report import (
    JSON_REPORT_FORMAT,
    JSON_REPORT_VERSION,
    load_json_report,
    render_json,
)
from ringfence.reports.junit import render_junit
from ringfence.reports.markdown import MAX_MARKDOWN_BYTES, render_markdown
from ringfence.reports.writer import (
    REPORT_FILE_NAMES,
    ReportFormat,
    parse_formats,
    write_reports,
)

__all__ = [
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
