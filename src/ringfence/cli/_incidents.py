"""Incident commands: `incidents`, and the `--incident-webhook` option of `ringfence gate`."""

from __future__ import annotations

import sys

import click
from pydantic import ValidationError
from rich.table import Table

from ringfence.cli._app import EXIT_DELIVERY_FAILED, EXIT_USAGE, main, store_option, user_errors
from ringfence.cli._releases import make_console, plain_option
from ringfence.governance.incidents import (
    DeliveryState,
    StoredIncident,
    deliver_incidents,
    list_incidents,
)
from ringfence.governance.webhook import WEBHOOK_ENV, WebhookSettings
from ringfence.results import RunResult
from ringfence.store import EvidenceStore


def _check_url(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value:
        try:
            WebhookSettings(url=value)
        except ValidationError as error:
            raise click.BadParameter(error.errors()[0]["msg"]) from error
    return value or None


def incident_webhook_options(func: click.decorators.FC) -> click.decorators.FC:
    """Add --incident-webhook and its timeout and attempts options to a command."""
    func = click.option(
        "--incident-webhook-attempts",
        type=click.IntRange(min=1, max=20),
        default=4,
        show_default=True,
        help="Attempts per incident, the first included; waits between them start at 0.5 s "
        "and double.",
    )(func)
    func = click.option(
        "--incident-webhook-timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=5.0,
        show_default=True,
        help="Seconds to wait for the webhook on each attempt.",
    )(func)
    return click.option(
        "--incident-webhook",
        metavar="URL",
        envvar=WEBHOOK_ENV,
        show_envvar=True,
        callback=_check_url,
        help="POST each incident record (a red decision in staging, canary or production) "
        "as JSON to this URL, retrying with backoff. No URL, no sending.",
    )(func)


def deliver_run_incidents(options: dict[str, object], result: RunResult) -> None:
    """Send the incidents of a gated run when `ringfence gate` was given a webhook URL.

    A failed delivery does not change the gate's exit code; the record stays stored as failed
    and `ringfence incidents --resend` sends it again.
    """
    url = options.get("incident_webhook")
    if not url:
        return
    if options.get("no_store"):
        click.echo(
            "warning: --incident-webhook needs the evidence store, so nothing was sent; "
            "drop --no-store to record and send incidents.",
            err=True,
        )
        return
    settings = _settings(
        str(url), options["incident_webhook_timeout"], options["incident_webhook_attempts"]
    )
    with EvidenceStore.open(str(options["store_path"]), must_exist=True) as store:
        sent = deliver_incidents(store, settings, run_id=result.run_id)
    for item in sent:
        click.echo(_delivery_line(item), err=True)


@main.command("incidents")
@click.option("--resend", is_flag=True, help="Send every incident not delivered yet.")
@click.option("--all", "show_all", is_flag=True, help="List delivered incidents too.")
@incident_webhook_options
@plain_option
@store_option
def incidents_command(
    resend: bool,
    show_all: bool,
    incident_webhook: str | None,
    incident_webhook_timeout: float,
    incident_webhook_attempts: int,
    plain: bool,
    store_path: str,
) -> None:
    """List incident records that are not delivered yet (all with --all); resend them.

    With --resend, exits 8 when any record still could not be delivered.
    """
    if resend and not incident_webhook:
        click.echo(
            f"error: --resend needs a webhook URL: pass --incident-webhook URL or set "
            f"{WEBHOOK_ENV}.",
            err=True,
        )
        sys.exit(EXIT_USAGE)
    with user_errors(), EvidenceStore.open(store_path, must_exist=True) as store:
        if resend and incident_webhook:
            settings = _settings(
                incident_webhook, incident_webhook_timeout, incident_webhook_attempts
            )
            deliver_incidents(store, settings)
        listed = list_incidents(store, undelivered_only=not show_all)
    console = make_console(plain)
    if listed:
        console.print(_incidents_table(listed))
    else:
        console.print("No incident" + ("." if show_all else " waits for delivery."))
    if resend and any(item.delivery.state is not DeliveryState.DELIVERED for item in listed):
        sys.exit(EXIT_DELIVERY_FAILED)


def _settings(url: str, timeout_s: object, attempts: object) -> WebhookSettings:
    return WebhookSettings(
        url=url, timeout_s=float(str(timeout_s)), max_attempts=int(str(attempts))
    )


def _incidents_table(listed: list[StoredIncident]) -> Table:
    table = Table(title="Incidents")
    for column in ("id", "opened", "run", "ring", "target", "failing", "delivery", "attempts"):
        table.add_column(column)
    table.add_column("last error")
    for item in listed:
        incident = item.incident
        target = f"{incident.target.name} {incident.target.version}" if incident.target else "-"
        failing = ", ".join(sorted({m.metric for m in incident.failing_metrics})) or "-"
        table.add_row(
            incident.incident_id,
            incident.created_at,
            incident.run_id,
            incident.ring,
            target,
            failing,
            item.delivery.state.value,
            str(item.delivery.attempts),
            item.delivery.last_error or "",
        )
    return table


def _delivery_line(item: StoredIncident) -> str:
    delivery = item.delivery
    line = f"incident {item.incident.incident_id}: {delivery.state.value} after "
    line += f"{delivery.attempts} attempts"
    if delivery.state is not DeliveryState.DELIVERED:
        line += f" ({delivery.last_error}); 'ringfence incidents --resend' sends it again"
    return line
