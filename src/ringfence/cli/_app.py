"""The root command group, exit codes and the error handling every command shares."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from ringfence import __version__
from ringfence.cli._gc import freeze_at_exit
from ringfence.errors import RingfenceError

EXIT_GREEN = 0
EXIT_USAGE = 2
EXIT_YELLOW = 3
EXIT_RED = 4
EXIT_CANNOT_EVALUATE = 5
EXIT_REFUSED = 6
"""A promotion the release rules do not allow, or a rollback that could not be done."""
EXIT_AUDIT_BROKEN = 7
"""The audit log's hash chain is broken: an entry was edited, deleted or reordered."""
EXIT_DELIVERY_FAILED = 8
"""At least one incident record could not be delivered to the webhook; it stays stored."""
EXIT_INTERRUPTED = 130
"""`run` was interrupted (Ctrl-C); finished samples stay staged for resume. 128 + SIGINT."""

DEFAULT_STORE = ".ringfence/evidence.sqlite"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ringfence")
@click.option("-v", "--verbose", count=True, help="Log more: -v for INFO, -vv for DEBUG.")
def main(verbose: int) -> None:
    """Measure the safety behaviour of LLM agents and gate releases on it."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    freeze_at_exit()


store_option = click.option(
    "--store",
    "store_path",
    default=DEFAULT_STORE,
    show_default=True,
    help="Evidence store: a SQLite file path or an SQLAlchemy URL.",
)


@contextmanager
def user_errors() -> Iterator[None]:
    """Print a RingfenceError as one line without a traceback and exit with its code."""
    try:
        yield
    except RingfenceError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_CANNOT_EVALUATE if exc.exit_code == EXIT_CANNOT_EVALUATE else EXIT_USAGE)


DEFAULT_OUT = "ringfence-out"

out_option = click.option(
    "--out",
    "out_dir",
    default=DEFAULT_OUT,
    show_default=True,
    type=click.Path(path_type=Path),
    help="Folder for report files.",
)

report_option = click.option(
    "--report",
    "report_formats",
    multiple=True,
    default=("markdown", "json", "junit"),
    show_default=True,
    help="Report file formats to write: markdown, json, junit.",
)
