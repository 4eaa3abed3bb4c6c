"""Audit log commands: `audit verify` and `audit list`."""

from __future__ import annotations

import sys

import click
import orjson
from rich.table import Table

from ringfence.cli._app import EXIT_AUDIT_BROKEN, main, store_option, user_errors
from ringfence.cli._releases import make_console, plain_option
from ringfence.store import AuditEntry, EvidenceStore, read_entries, verify_chain

_PAYLOAD_CHARS = 80


@main.group("audit")
def audit_group() -> None:
    """Check and read the hash-chained audit log of the evidence store."""


@audit_group.command("verify")
@click.option(
    "--expect-hash",
    metavar="HASH",
    help="An entry_hash recorded earlier (for example in a CI log); the log must still "
    "contain it, which also catches deleted newest entries.",
)
@store_option
def verify_command(expect_hash: str | None, store_path: str) -> None:
    """Recompute the hash chain and name the first edited, deleted or reordered entry.

    Exits 0 when the chain is intact and 7 when it is broken.
    """
    entries = _read_log(store_path)
    problem = verify_chain(entries)
    if problem is not None:
        click.echo(
            f"audit log broken at entry {problem.seq} ({problem.kind} {problem.subject}): "
            f"{problem.problem}. {problem.detail}",
            err=True,
        )
        sys.exit(EXIT_AUDIT_BROKEN)
    if expect_hash and all(entry.entry_hash != expect_hash for entry in entries):
        click.echo(
            f"audit log broken: no entry has the expected hash {expect_hash}, so entries "
            "recorded up to it were deleted or rewritten.",
            err=True,
        )
        sys.exit(EXIT_AUDIT_BROKEN)
    if not entries:
        click.echo("audit log OK: 0 entries")
        return
    latest = entries[-1]
    click.echo(
        f"audit log OK: {len(entries)} entries, latest entry {latest.seq} "
        f"({latest.kind} {latest.subject}) with hash {latest.entry_hash}"
    )


@audit_group.command("list")
@click.option("--kind", metavar="KIND", help="Only entries of this kind, such as promotion.")
@click.option("--last", type=click.IntRange(min=1), help="Only the latest N entries.")
@plain_option
@store_option
def list_command(kind: str | None, last: int | None, plain: bool, store_path: str) -> None:
    """List audit log entries, oldest first."""
    entries = _read_log(store_path)
    if kind is not None:
        entries = [entry for entry in entries if entry.kind == kind]
    if last is not None:
        entries = entries[-last:]
    make_console(plain).print(_entries_table(entries))


def _read_log(store_path: str) -> list[AuditEntry]:
    with (
        user_errors(),
        EvidenceStore.open(store_path, must_exist=True) as store,
        store.reading("Reading the audit log") as conn,
    ):
        return read_entries(conn)


def _entries_table(entries: list[AuditEntry]) -> Table:
    table = Table(title="Audit log")
    for column in ("seq", "time", "kind", "subject", "actor", "payload", "hash"):
        table.add_column(column)
    for entry in entries:
        payload = orjson.dumps(entry.payload, option=orjson.OPT_SORT_KEYS).decode()
        if len(payload) > _PAYLOAD_CHARS:
            payload = payload[: _PAYLOAD_CHARS - 3] + "..."
        table.add_row(
            str(entry.seq),
            entry.created_at,
            entry.kind,
            entry.subject,
            entry.actor or "-",
            payload,
            entry.entry_hash[:12],
        )
    return table
