"""Exception commands: `exception add`, `exception list` and `exception revoke`.

An exception waives failing gate checks of one metric (in one segment), or removes one sample's
hits from the metric numerators, until it expires. See docs/governance.md.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from pydantic import ValidationError

from ringfence.cli._app import main, store_option, user_errors
from ringfence.errors import InputError
from ringfence.gate.policy import Ring
from ringfence.governance.exceptions import (
    ExceptionKind,
    ExceptionRequest,
    ExceptionStatus,
    GateException,
    add_exception,
    format_time,
    list_exceptions,
    parse_expiry,
    revoke_exception,
)
from ringfence.store import EvidenceStore


@main.group("exception")
def exception_group() -> None:
    """Add, list and revoke exceptions that waive failing gate checks."""


@exception_group.command("add")
@click.option("--metric", metavar="NAME", help="Metric whose failing checks to waive.")
@click.option(
    "--segment",
    metavar="KEY=VALUE",
    help="With --metric: the segment to waive, such as model=gpt-4o; default: the overall value.",
)
@click.option(
    "--scenario",
    "scenario_id",
    metavar="SAMPLE_ID",
    help="Sample whose hits to remove from the metric numerators (instead of --metric).",
)
@click.option("--approver", required=True, metavar="NAME", help="Who approves the exception.")
@click.option("--reason", required=True, metavar="TEXT", help="Why the exception is acceptable.")
@click.option(
    "--expires",
    required=True,
    metavar="YYYY-MM-DD[THH:MM]",
    help="Time in UTC from which the exception no longer applies; a date alone means 00:00.",
)
@click.option(
    "--ring",
    type=click.Choice([ring.value for ring in Ring]),
    help="Ring the exception applies in; default: every ring.",
)
@click.option("--target", metavar="NAME", help="Target it applies to; default: every target.")
@store_option
def add_command(
    metric: str | None,
    segment: str | None,
    scenario_id: str | None,
    approver: str,
    reason: str,
    expires: str,
    ring: str | None,
    target: str | None,
    store_path: str,
) -> None:
    """Approve an exception and record it in the evidence store and its audit log."""
    with user_errors():
        request = _request(metric, segment, scenario_id, approver, reason, expires, ring, target)
        with EvidenceStore.open(store_path) as store:
            added = add_exception(store, request)
    click.echo(
        f"Added exception {added.id}: waives {added.describe()} in "
        f"{_scope(added)} until {format_time(added.expires_at)}, approved by {added.approver}."
    )


@exception_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also list expired and revoked exceptions.")
@click.option(
    "--expired",
    "show_expired",
    is_flag=True,
    help="List only expired exceptions: the list to audit after a release.",
)
@store_option
def list_command(show_all: bool, show_expired: bool, store_path: str) -> None:
    """List active exceptions, or with --all or --expired the others too."""
    statuses = [ExceptionStatus.ACTIVE]
    if show_all:
        statuses = list(ExceptionStatus)
    elif show_expired:
        statuses = [ExceptionStatus.EXPIRED]
    now = datetime.now(UTC)
    with user_errors(), EvidenceStore.open(store_path, must_exist=True) as store:
        found = list_exceptions(store, statuses=statuses, now=now)
    if not found:
        click.echo("No exceptions.")
    for exception in found:
        click.echo(_line(exception, now))


@exception_group.command("revoke")
@click.argument("exception_id", type=int)
@click.option("--by", "revoked_by", required=True, metavar="NAME", help="Who revokes it.")
@click.option("--reason", required=True, metavar="TEXT", help="Why it is revoked.")
@store_option
def revoke_command(exception_id: int, revoked_by: str, reason: str, store_path: str) -> None:
    """Revoke an exception so that it no longer applies; the audit log records it."""
    with user_errors(), EvidenceStore.open(store_path, must_exist=True) as store:
        revoked = revoke_exception(store, exception_id, revoked_by=revoked_by, reason=reason)
    click.echo(f"Revoked exception {revoked.id} ({revoked.describe()}).")


def _request(
    metric: str | None,
    segment: str | None,
    scenario_id: str | None,
    approver: str,
    reason: str,
    expires: str,
    ring: str | None,
    target: str | None,
) -> ExceptionRequest:
    if (metric is None) == (scenario_id is None):
        raise InputError("give exactly one of --metric NAME or --scenario SAMPLE_ID.")
    if segment is not None and metric is None:
        raise InputError("--segment applies to a metric exception; add --metric NAME.")
    try:
        return ExceptionRequest(
            kind=ExceptionKind.METRIC if metric is not None else ExceptionKind.SCENARIO,
            metric=metric,
            segment=_segment(segment),
            scenario_id=scenario_id,
            ring=Ring(ring) if ring else None,
            target=target,
            approver=approver.strip(),
            reason=reason.strip(),
            expires_at=parse_expiry(expires),
        )
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "exception"
        raise InputError(f"invalid exception ({field}): {first['msg']}.") from error


def _segment(text: str | None) -> dict[str, str]:
    if text is None:
        return {}
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise InputError(
            f"invalid --segment '{text}': expected KEY=VALUE, for example privilege=high."
        )
    return {key.strip(): value.strip()}


def _scope(exception: GateException) -> str:
    ring = f"ring {exception.ring.value}" if exception.ring else "every ring"
    target = f"target {exception.target}" if exception.target else "every target"
    return f"{ring} for {target}"


def _line(exception: GateException, now: datetime) -> str:
    return (
        f"{exception.id:>4}  {exception.status(now).value:<7}  {exception.describe()}  "
        f"{_scope(exception)}  expires {format_time(exception.expires_at)}  "
        f'approved by {exception.approver}: "{exception.reason}"'
    )
