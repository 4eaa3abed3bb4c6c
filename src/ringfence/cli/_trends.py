"""The `trend` command: metric values over the stored runs."""

from __future__ import annotations

import sys

import click
import orjson
from rich.table import Table

from ringfence.cli._app import EXIT_USAGE, main, store_option, user_errors
from ringfence.cli._releases import make_console, plain_option
from ringfence.gate.policy import Ring, unknown_metric_message
from ringfence.governance.trends import DEFAULT_LAST_RUNS, TrendPoint, TrendQuery, query_trend
from ringfence.metrics.registry import METRIC_DIRECTIONS
from ringfence.store import EvidenceStore


def _parse_segment(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    segment: dict[str, str] = {}
    for value in values:
        key, separator, item = value.partition("=")
        if not separator or not key:
            raise click.BadParameter(f"'{value}' is not KEY=VALUE, for example model=gpt-4o.")
        segment[key] = item
    return segment


@main.command("trend")
@click.option("--metric", metavar="NAME", help="Only this metric; default: every metric.")
@click.option("--target", "target_name", metavar="NAME", help="Only runs of this target.")
@click.option(
    "--ring",
    type=click.Choice([ring.value for ring in Ring]),
    help="Only runs with a stored decision for this ring.",
)
@click.option("--suite-version", metavar="VERSION", help="Only runs of this suite version.")
@click.option(
    "--segment",
    multiple=True,
    metavar="KEY=VALUE",
    callback=_parse_segment,
    help="Values of exactly this segment (repeat for a segment of several keys); "
    "default: the overall values.",
)
@click.option(
    "--last",
    type=click.IntRange(min=0),
    default=DEFAULT_LAST_RUNS,
    show_default=True,
    help="Latest matching runs to show; 0 for all.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the points as a JSON array.")
@plain_option
@store_option
def trend_command(
    metric: str | None,
    target_name: str | None,
    ring: str | None,
    suite_version: str | None,
    segment: dict[str, str],
    last: int,
    as_json: bool,
    plain: bool,
    store_path: str,
) -> None:
    """Show each metric over the stored runs, oldest first, with its interval and n."""
    if metric is not None and metric not in METRIC_DIRECTIONS:
        click.echo(f"error: {unknown_metric_message(metric)}", err=True)
        sys.exit(EXIT_USAGE)
    query = TrendQuery(
        metric=metric,
        target_name=target_name,
        ring=ring,
        suite_version=suite_version,
        segment=segment,
        last=last or None,
    )
    with user_errors(), EvidenceStore.open(store_path, must_exist=True) as store:
        points = query_trend(store, query)
    if as_json:
        dumped = [point.model_dump(mode="json") for point in points]
        click.echo(orjson.dumps(dumped, option=orjson.OPT_INDENT_2).decode())
        return
    console = make_console(plain)
    if not points:
        console.print("No stored metric value matches these filters.")
        return
    console.print(_trend_table(points))


def _trend_table(points: list[TrendPoint]) -> Table:
    table = Table(title="Metric trend (oldest run first)")
    for column in ("stored at", "run", "target", "version", "ring", "suite", "metric"):
        table.add_column(column)
    for column in ("estimate", "95% CI", "n"):
        table.add_column(column, justify="right")
    for point in points:
        table.add_row(
            point.stored_at[:19],
            point.run_id,
            point.target_name or "-",
            point.target_version or "-",
            ", ".join(point.rings) or "-",
            point.suite_version or "-",
            point.metric,
            *_value_cells(point),
        )
    return table


def _value_cells(point: TrendPoint) -> tuple[str, str, str]:
    n = f"{point.numerator}/{point.denominator}"
    if point.estimate is None or point.ci_low is None or point.ci_high is None:
        return ("no data", "-", n)
    return (f"{point.estimate:.1%}", f"{point.ci_low:.1%}-{point.ci_high:.1%}", n)
