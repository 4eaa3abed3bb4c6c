"""Writing report files into a folder, each one atomically.

A process that reads the folder finds either the previous file or the complete new one, never a
partial write, because each file is written to a temporary name in the same folder and then
renamed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path

from ringfence.reports.json_report import render_json
from ringfence.reports.junit import render_junit
from ringfence.reports.markdown import render_markdown
from ringfence.results import RunResult


class ReportFormat(StrEnum):
    """A report file format that ``write_reports`` can write."""

    MARKDOWN = "markdown"
    JSON = "json"
    JUNIT = "junit"


REPORT_FILE_NAMES: dict[ReportFormat, str] = {
    ReportFormat.MARKDOWN: "report.md",
    ReportFormat.JSON: "report.json",
    ReportFormat.JUNIT: "junit.xml",
}
"""File name written for each format."""

_RENDERERS: dict[ReportFormat, Callable[[RunResult], str]] = {
    ReportFormat.MARKDOWN: render_markdown,
    ReportFormat.JSON: render_json,
    ReportFormat.JUNIT: render_junit,
}


def write_reports(
    result: RunResult,
    out_dir: str | os.PathLike[str],
    formats: Iterable[ReportFormat | str] = tuple(ReportFormat),
) -> dict[ReportFormat, Path]:
    """Write one report file per format into ``out_dir`` and return the path of each.

    The folder is created when missing. Every report is rendered before any file is written,
    so a rendering error leaves the folder as it was.

    Raises:
        ValueError: a format name is unknown, or the JSON renderer rejected the result.
        OSError: the folder or a file could not be written.
    """
    chosen = parse_formats(formats)
    rendered = {report_format: _RENDERERS[report_format](result) for report_format in chosen}

    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[ReportFormat, Path] = {}
    for report_format, text in rendered.items():
        path = directory / REPORT_FILE_NAMES[report_format]
        write_text_atomic(path, text)
        written[report_format] = path
    return written


def parse_formats(formats: Iterable[ReportFormat | str]) -> list[ReportFormat]:
    """Convert format names to ReportFormat values in the given order, dropping repeats.

    Raises:
        ValueError: a name is not a known format; the message lists the valid names.
    """
    valid = {report_format.value: report_format for report_format in ReportFormat}
    chosen: list[ReportFormat] = []
    for name in formats:
        report_format = valid.get(str(name).strip().lower())
        if report_format is None:
            raise ValueError(
                f"unknown report format {name!r}; valid formats: {', '.join(sorted(valid))}"
            )
        if report_format not in chosen:
            chosen.append(report_format)
    return chosen


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` through a temporary file and ``os.replace``.

    The temporary file is created with mode "x", so it gets the usual permissions under the
    umask, and it is removed again if anything fails before the rename.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        with open(temporary, "x", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
