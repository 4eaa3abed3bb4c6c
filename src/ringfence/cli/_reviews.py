"""Review commands: `review add`, `review list` and `show`."""

from __future__ import annotations

import click
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from ringfence.cli._app import main, store_option, user_errors
from ringfence.cli._releases import make_console, plain_option
from ringfence.governance.reviews import (
    Review,
    ReviewLabel,
    ReviewRequest,
    SampleReviews,
    add_review,
    list_reviews,
    sample_with_reviews,
)
from ringfence.store import EvidenceStore


@main.group("review")
def review_group() -> None:
    """Record and list reviewers' labels and comments on stored samples."""


@review_group.command("add")
@click.argument("run_id")
@click.argument("sample_id")
@click.option("--author", required=True, metavar="NAME", help="Reviewer's name.")
@click.option("--reason", required=True, metavar="TEXT", help="Why the reviewer decides so.")
@click.option(
    "--label",
    type=click.Choice([label.value for label in ReviewLabel]),
    help="Reviewer's verdict on the sample, or on the finding given with --finding.",
)
@click.option("--comment", metavar="TEXT", help="Free-text comment.")
@click.option(
    "--finding",
    "finding_position",
    type=click.IntRange(min=0),
    metavar="N",
    help="Review finding N of the run (as 'ringfence show' numbers it) instead of the sample.",
)
@store_option
def add_command(
    run_id: str,
    sample_id: str,
    author: str,
    reason: str,
    label: str | None,
    comment: str | None,
    finding_position: int | None,
    store_path: str,
) -> None:
    """Record a review of sample SAMPLE_ID of run RUN_ID; the finding itself stays unchanged."""
    try:
        request = ReviewRequest(
            run_id=run_id,
            sample_id=sample_id,
            author=author,
            reason=reason,
            label=ReviewLabel(label) if label else None,
            comment=comment,
            finding_position=finding_position,
        )
    except ValidationError as error:
        message = error.errors()[0]["msg"]
        raise click.UsageError(f"{message}: pass --label, --comment or both.") from error
    with user_errors(), EvidenceStore.open(store_path, must_exist=True) as store:
        review = add_review(store, request)
    about = (
        f"finding {review.finding_position}" if review.finding_position is not None else "sample"
    )
    click.echo(f"review {review.review_id} stored for {about} of {sample_id} in run {run_id}")


@review_group.command("list")
@click.argument("run_id")
@click.option("--sample", "sample_id", metavar="SAMPLE_ID", help="Only this sample.")
@plain_option
@store_option
def list_command(run_id: str, sample_id: str | None, plain: bool, store_path: str) -> None:
    """List the reviews of run RUN_ID, oldest first."""
    with user_errors(), EvidenceStore.open(store_path, must_exist=True) as store:
        found = list_reviews(store, run_id, sample_id)
    console = make_console(plain)
    if not found:
        console.print(
            f"No review of run {run_id}" + (f", sample {sample_id}." if sample_id else ".")
        )
        return
    console.print(_reviews_table(found, title=f"Reviews of run {run_id}"))


@main.command("show")
@click.argument("run_id")
@click.argument("sample_id")
@plain_option
@store_option
def show_command(run_id: str, sample_id: str, plain: bool, store_path: str) -> None:
    """Show a stored sample's outcome and findings, each with its reviews."""
    with user_errors(), EvidenceStore.open(store_path, must_exist=True) as store:
        view = sample_with_reviews(store, run_id, sample_id)
    _print_sample(make_console(plain), view)


def _print_sample(console: Console, view: SampleReviews) -> None:
    console.print(f"Sample {view.sample_id} of run {view.run_id}")
    outcome = view.outcome
    if outcome is None:
        console.print("  not scored")
    else:
        console.print(
            f"  model {outcome.model or '-'}, attack {outcome.attack or 'none'}, "
            f"{outcome.finding_count} findings, {outcome.unauthorized_calls} unauthorized calls"
            + (f", error: {outcome.error}" if outcome.error else "")
        )
    if not view.findings:
        console.print("  no findings")
    for item in view.findings:
        finding = item.finding
        effective = item.effective_label.value if item.effective_label else "unreviewed"
        console.print(
            f"  finding {item.position}: {finding.kind} ({finding.severity}), "
            f"message {finding.message_index}, review label: {effective}"
        )
        console.print(f"    {finding.reason}")
        for review in item.reviews:
            console.print(f"    {_review_line(review)}")
    if view.sample_reviews:
        console.print("  reviews of the sample:")
        for review in view.sample_reviews:
            console.print(f"    {_review_line(review)}")


def _review_line(review: Review) -> str:
    label = review.label.value if review.label else "comment"
    text = (
        f"[{review.review_id}] {label} by {review.author} at {review.created_at}: {review.reason}"
    )
    return text + (f" ({review.comment})" if review.comment else "")


def _reviews_table(found: list[Review], title: str) -> Table:
    table = Table(title=title)
    for column in ("id", "sample", "finding", "label", "author", "reason", "comment", "time"):
        table.add_column(column)
    for review in found:
        table.add_row(
            str(review.review_id),
            review.sample_id,
            str(review.finding_position) if review.finding_position is not None else "-",
            review.label.value if review.label else "-",
            review.author,
            review.reason,
            review.comment or "",
            review.created_at,
        )
    return table
