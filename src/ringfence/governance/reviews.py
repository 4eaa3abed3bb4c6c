"""Reviews: a person's label or comment on a stored sample, or on one of its findings.

A review sits beside the finding it is about and never changes it, nor the run's metric values
or decisions. A finding's effective label is the label of its latest review. Every review is
appended to the audit log in the transaction that stores it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, RowMapping, func, select

from ringfence.detectors.findings import Finding
from ringfence.errors import InputError
from ringfence.results import SampleOutcome
from ringfence.store import EvidenceStore, append_entry
from ringfence.store._release_tables import reviews
from ringfence.store._schema import findings, runs, samples

logger = logging.getLogger(__name__)

_SAMPLES_NAMED = 3


class ReviewLabel(StrEnum):
    """A reviewer's verdict on a sample or finding."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    NEEDS_REVIEW = "needs_review"


class ReviewRequest(BaseModel):
    """A review to add."""

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(description="Stored run the sample belongs to.")
    sample_id: str = Field(description="Sample reviewed.")
    author: str = Field(min_length=1, description="Reviewer's name.")
    reason: str = Field(min_length=1, description="Why the reviewer labels or comments.")
    label: ReviewLabel | None = Field(default=None, description="Verdict, if the review gives one.")
    comment: str | None = Field(default=None, description="Free-text comment, if any.")
    finding_position: int | None = Field(
        default=None,
        ge=0,
        description="Index of the reviewed finding in the run's findings; None for the sample.",
    )

    @model_validator(mode="after")
    def _check_content(self) -> ReviewRequest:
        if self.label is None and not self.comment:
            raise ValueError("a review needs a label, a comment or both")
        return self


class Review(BaseModel):
    """A stored review."""

    model_config = ConfigDict(extra="forbid")

    review_id: int = Field(description="Id of the review, increasing.")
    run_id: str = Field(description="Run the sample belongs to.")
    sample_id: str = Field(description="Sample reviewed.")
    finding_position: int | None = Field(description="Finding reviewed; None for the sample.")
    label: ReviewLabel | None = Field(description="Verdict, if given.")
    comment: str | None = Field(description="Comment, if given.")
    reason: str = Field(description="Why the reviewer labels or comments.")
    author: str = Field(description="Reviewer's name.")
    created_at: str = Field(description="ISO 8601 time (UTC) the review was stored.")


class ReviewedFinding(BaseModel):
    """A finding as the detector reported it, with its reviews."""

    model_config = ConfigDict(extra="forbid")

    position: int = Field(description="Index of the finding in the run's findings.")
    finding: Finding = Field(description="The finding, unchanged.")
    reviews: list[Review] = Field(description="Reviews of this finding, oldest first.")

    @property
    def effective_label(self) -> ReviewLabel | None:
        """Label of the latest review that gives one; None when no review labels it."""
        labels = [review.label for review in self.reviews if review.label is not None]
        return labels[-1] if labels else None


class SampleReviews(BaseModel):
    """One sample's outcome, findings and reviews."""

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(description="Run the sample belongs to.")
    sample_id: str = Field(description="Sample id.")
    outcome: SampleOutcome | None = Field(description="ringfence's outcome; None if not scored.")
    findings: list[ReviewedFinding] = Field(description="The sample's findings with reviews.")
    sample_reviews: list[Review] = Field(description="Reviews of the whole sample.")


def add_review(store: EvidenceStore, request: ReviewRequest) -> Review:
    """Store a review and its audit entry. Raises `InputError` for an unknown sample or finding."""
    operation = f"Adding a review of sample {request.sample_id} of run {request.run_id}"
    with store.writing(operation) as conn:
        _require_sample(conn, store.location, request.run_id, request.sample_id)
        if request.finding_position is not None:
            _require_finding(conn, request)
        review = _insert(conn, request)
        append_entry(
            conn,
            kind="review",
            subject=f"{request.run_id}/{request.sample_id}",
            payload=review.model_dump(mode="json"),
            actor=request.author,
        )
    logger.info(
        "Stored review %d of sample %s of run %s by %s",
        review.review_id,
        review.sample_id,
        review.run_id,
        review.author,
    )
    return review


def list_reviews(store: EvidenceStore, run_id: str, sample_id: str | None = None) -> list[Review]:
    """Return the reviews of a run, or of one of its samples, oldest first."""
    with store.reading(f"Reading the reviews of run {run_id}") as conn:
        return _reviews(conn, run_id, sample_id)


def sample_with_reviews(store: EvidenceStore, run_id: str, sample_id: str) -> SampleReviews:
    """Return a sample's outcome and findings, each finding with its reviews."""
    with store.reading(f"Reading sample {sample_id} of run {run_id}") as conn:
        outcome = _require_sample(conn, store.location, run_id, sample_id)
        found = _sample_findings(conn, run_id, sample_id)
        all_reviews = _reviews(conn, run_id, sample_id)
    by_position: dict[int, list[Review]] = {}
    for review in all_reviews:
        if review.finding_position is not None:
            by_position.setdefault(review.finding_position, []).append(review)
    return SampleReviews(
        run_id=run_id,
        sample_id=sample_id,
        outcome=outcome,
        findings=[
            ReviewedFinding(
                position=position, finding=finding, reviews=by_position.get(position, [])
            )
            for position, finding in found
        ],
        sample_reviews=[r for r in all_reviews if r.finding_position is None],
    )


def _require_sample(
    conn: Connection, location: str, run_id: str, sample_id: str
) -> SampleOutcome | None:
    """Return the sample's outcome (None when it was not scored), or raise when it is missing."""
    query = select(samples).where(samples.c.run_id == run_id, samples.c.sample_id == sample_id)
    row = conn.execute(query).mappings().first()
    if row is not None:
        return _outcome(row) if row["scored"] else None

    if conn.execute(select(runs.c.run_id).where(runs.c.run_id == run_id)).first() is None:
        raise InputError(
            f"Run {run_id} is not in the evidence store at {location}. "
            "List the stored runs with 'ringfence runs'."
        )
    count = conn.execute(
        select(func.count()).select_from(samples).where(samples.c.run_id == run_id)
    ).scalar_one()
    first = conn.scalars(
        select(samples.c.sample_id)
        .where(samples.c.run_id == run_id)
        .order_by(samples.c.position)
        .limit(_SAMPLES_NAMED)
    )
    raise InputError(
        f"Sample '{sample_id}' is not in run {run_id}, which has {count} samples "
        f"(the first: {', '.join(first)}). Check the sample id in the run's report."
    )


def _require_finding(conn: Connection, request: ReviewRequest) -> None:
    positions = [
        position for position, _ in _sample_findings(conn, request.run_id, request.sample_id)
    ]
    if request.finding_position in positions:
        return
    listed = ", ".join(str(p) for p in positions) if positions else "none"
    raise InputError(
        f"Finding {request.finding_position} is not a finding of sample '{request.sample_id}' "
        f"in run {request.run_id}. Its findings are: {listed}. "
        f"'ringfence show {request.run_id} {request.sample_id}' lists them."
    )


def _sample_findings(conn: Connection, run_id: str, sample_id: str) -> list[tuple[int, Finding]]:
    query = (
        select(findings)
        .where(findings.c.run_id == run_id, findings.c.sample_id == sample_id)
        .order_by(findings.c.position)
    )
    return [
        (
            row["position"],
            Finding.model_validate({name: row[name] for name in Finding.model_fields}),
        )
        for row in conn.execute(query).mappings()
    ]


def _reviews(conn: Connection, run_id: str, sample_id: str | None) -> list[Review]:
    query = select(reviews).where(reviews.c.run_id == run_id).order_by(reviews.c.review_id)
    if sample_id is not None:
        query = query.where(reviews.c.sample_id == sample_id)
    return [Review.model_validate(dict(row)) for row in conn.execute(query).mappings()]


def _insert(conn: Connection, request: ReviewRequest) -> Review:
    values: dict[str, Any] = {
        **request.model_dump(mode="json"),
        "created_at": datetime.now(UTC).isoformat(timespec="microseconds"),
    }
    key = conn.execute(reviews.insert().values(values)).inserted_primary_key
    if key is None or key[0] is None:
        raise RuntimeError("the database returned no key for the inserted review")
    return Review.model_validate({**values, "review_id": int(key[0])})


def _outcome(row: RowMapping) -> SampleOutcome:
    return SampleOutcome.model_validate({name: row[name] for name in SampleOutcome.model_fields})
