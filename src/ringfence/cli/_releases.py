"""Release commands: `promote`, `rollback` and `releases`."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table

from ringfence.cli._app import EXIT_REFUSED, main, store_option, user_errors
from ringfence.gate.policy import Ring
from ringfence.governance.releases import (
    Approval,
    PromotionRefused,
    Release,
    ReleaseEvent,
    list_events,
    list_live,
    promote,
    rollback,
    rollback_success_rate,
)
from ringfence.metrics.values import MetricValue
from ringfence.store import EvidenceStore

CI_CONSOLE_WIDTH = 150

_RING_CHOICE = click.Choice([ring.value for ring in Ring])


def make_console(plain: bool) -> Console:
    """Return a console for tables; 150 columns when stdout is not a terminal (CI logs)."""
    width = None if sys.stdout.isatty() else CI_CONSOLE_WIDTH
    # Markup stays off because cells show stored text such as sample ids and reasons.
    return Console(no_color=plain, highlight=False, markup=False, width=width)


plain_option = click.option("--plain", is_flag=True, help="Plain output without colour.")
actor_option = click.option(
    "--actor", metavar="NAME", help="Who runs the command, recorded in the audit log."
)


@main.command("promote")
@click.argument("run_id")
@click.option("--to", "ring", required=True, type=_RING_CHOICE, help="Ring to promote into.")
@click.option(
    "--approve-yellow",
    is_flag=True,
    help="Promote on a yellow decision; needs --approver and --reason.",
)
@click.option("--approver", metavar="NAME", help="Who approves a yellow decision.")
@click.option("--reason", metavar="TEXT", help="Why the yellow decision is acceptable.")
@actor_option
@store_option
def promote_command(
    run_id: str,
    ring: str,
    approve_yellow: bool,
    approver: str | None,
    reason: str | None,
    actor: str | None,
    store_path: str,
) -> None:
    """Put the target version of stored run RUN_ID live in a ring.

    Needs a stored green decision of the run for that ring (or yellow with --approve-yellow),
    and, past dev, the same version live in the ring before. Exits 6 when refused.
    """
    approval = _approval(approve_yellow, approver, reason)
    with user_errors(), EvidenceStore.open(store_path, must_exist=True) as store:
        try:
            result = promote(store, run_id, Ring(ring), actor=actor, approval=approval)
        except PromotionRefused as refused:
            click.echo(f"refused: {refused}", err=True)
            sys.exit(EXIT_REFUSED)
    release = result.release
    where = f"{release.target.name} version {release.target.version} in {ring}"
    if not result.changed:
        click.echo(f"unchanged: {where} is live already (release {release.release_id})")
        return
    approved = f", yellow approved by {result.approval.approver}" if result.approval else ""
    click.echo(f"promoted: {where} (release {release.release_id}, run {run_id}{approved})")


def _approval(approve_yellow: bool, approver: str | None, reason: str | None) -> Approval | None:
    if not approve_yellow:
        if approver or reason:
            raise click.UsageError("--approver and --reason are used only with --approve-yellow.")
        return None
    if not approver or not reason:
        raise click.UsageError(
            "--approve-yellow needs --approver NAME and --reason TEXT, which are recorded in "
            "the audit log."
        )
    return Approval(approver=approver, reason=reason)


@main.command("rollback")
@click.option("--ring", required=True, type=_RING_CHOICE, help="Ring to roll back.")
@click.option("--target", "target_name", required=True, metavar="NAME", help="Target name.")
@actor_option
@store_option
def rollback_command(ring: str, target_name: str, actor: str | None, store_path: str) -> None:
    """Point a ring back at the version that was live before, and verify it.

    Exits 6 when the rollback failed (for example, when there is no previous version).
    """
    with user_errors(), EvidenceStore.open(store_path, must_exist=True) as store:
        result = rollback(store, target_name, Ring(ring), actor=actor)
    event = result.event
    if not result.succeeded:
        click.echo(f"rollback failed: {event.reason}", err=True)
        sys.exit(EXIT_REFUSED)
    click.echo(
        f"rolled back: {target_name} in {ring} is now version {event.to_version} "
        f"(release {event.to_release_id}; was version {event.from_version})"
    )


@main.command("releases")
@click.option("--target", "target_name", metavar="NAME", help="Only this target.")
@click.option("--stats", is_flag=True, help="Also show the rollback success rate.")
@click.option("--history", is_flag=True, help="Also list every promotion and rollback event.")
@plain_option
@store_option
def releases_command(
    target_name: str | None, stats: bool, history: bool, plain: bool, store_path: str
) -> None:
    """List which version of each target is live in each ring."""
    with user_errors(), EvidenceStore.open(store_path, must_exist=True) as store:
        live = list_live(store, target_name)
        events = list_events(store, target_name) if history else []
        rate = rollback_success_rate(store, target_name) if stats else None
    console = make_console(plain)
    if live:
        console.print(_live_table(live))
    else:
        console.print("No release is live" + (f" for {target_name}." if target_name else "."))
    if history:
        console.print(_events_table(events))
    if rate is not None:
        console.print(f"rollback success rate: {_rate_text(rate)}")


def _live_table(live: list[Release]) -> Table:
    table = Table(title="Live releases")
    for column in ("target", "ring", "version", "release", "run", "verdict", "promoted at"):
        table.add_column(column)
    for release in live:
        verdict = release.verdict.value
        if release.approver:
            verdict += f" (approved by {release.approver})"
        table.add_row(
            release.target.name,
            release.ring.value,
            release.target.version,
            str(release.release_id),
            release.run_id,
            verdict,
            release.promoted_at,
        )
    return table


def _events_table(events: list[ReleaseEvent]) -> Table:
    table = Table(title="Release events")
    for column in ("id", "kind", "outcome", "target", "ring", "from", "to", "actor", "reason"):
        table.add_column(column)
    for event in events:
        table.add_row(
            str(event.event_id),
            event.kind.value,
            event.outcome.value,
            event.target_name,
            event.ring.value,
            event.from_version or "-",
            event.to_version or "-",
            event.actor or "-",
            event.reason or "",
        )
    return table


def _rate_text(value: MetricValue) -> str:
    if value.estimate is None or value.ci_low is None or value.ci_high is None:
        return "no data (no rollback attempted)"
    return (
        f"{value.numerator}/{value.denominator} = {value.estimate:.1%} "
        f"(95% CI {value.ci_low:.1%}-{value.ci_high:.1%})"
    )
