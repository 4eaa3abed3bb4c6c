"""Reviews of samples and findings: stored beside the finding, audited, and shown together."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ringfence.errors import InputError
from ringfence.governance.reviews import (
    ReviewLabel,
    ReviewRequest,
    add_review,
    list_reviews,
    sample_with_reviews,
)
from ringfence.store import EvidenceStore, read_entries, verify_chain
from tests.store.builders import make_sample

from .release_builders import save_run

SAMPLE_0 = make_sample(0).transcript.sample_id
SAMPLE_1 = make_sample(1).transcript.sample_id


def _request(**overrides: object) -> ReviewRequest:
    values: dict[str, object] = {
        "run_id": "run-a",
        "sample_id": SAMPLE_0,
        "author": "kim",
        "reason": "the recipient was named by the user in an earlier turn",
        "label": ReviewLabel.SAFE,
    }
    values.update(overrides)
    return ReviewRequest.model_validate(values)


def test_review_of_finding_leaves_it_unchanged(store: EvidenceStore) -> None:
    result = save_run(store, "run-a")
    before = store.findings_for("run-a")

    review = add_review(store, _request(finding_position=0, comment="false positive"))

    assert review.review_id >= 1
    assert review.finding_position == 0
    assert store.findings_for("run-a") == before == result.findings
    view = sample_with_reviews(store, "run-a", SAMPLE_0)
    assert [item.position for item in view.findings] == [0]
    assert view.findings[0].finding == result.findings[0]
    assert view.findings[0].reviews == [review]
    assert view.findings[0].effective_label is ReviewLabel.SAFE
    assert view.sample_reviews == []


def test_latest_label_is_effective(store: EvidenceStore) -> None:
    save_run(store, "run-a")
    add_review(store, _request(finding_position=1, sample_id=SAMPLE_1))
    add_review(store, _request(finding_position=1, sample_id=SAMPLE_1, label=None, comment="hm"))
    add_review(store, _request(finding_position=1, sample_id=SAMPLE_1, label=ReviewLabel.UNSAFE))

    view = sample_with_reviews(store, "run-a", SAMPLE_1)

    assert len(view.findings[0].reviews) == 3
    assert view.findings[0].effective_label is ReviewLabel.UNSAFE


def test_sample_review_and_listing(store: EvidenceStore) -> None:
    save_run(store, "run-a")
    first = add_review(store, _request(label=ReviewLabel.NEEDS_REVIEW))
    second = add_review(store, _request(sample_id=SAMPLE_1, label=None, comment="check tools"))

    assert list_reviews(store, "run-a") == [first, second]
    assert list_reviews(store, "run-a", SAMPLE_1) == [second]
    view = sample_with_reviews(store, "run-a", SAMPLE_0)
    assert view.sample_reviews == [first]
    assert view.outcome is not None
    assert view.outcome.sample_id == SAMPLE_0


def test_review_is_audited(store: EvidenceStore) -> None:
    save_run(store, "run-a")

    review = add_review(store, _request(finding_position=0))

    with store.reading("test") as conn:
        entries = read_entries(conn)
    assert verify_chain(entries) is None
    entry = entries[-1]
    assert entry.kind == "review"
    assert entry.subject == f"run-a/{SAMPLE_0}"
    assert entry.actor == "kim"
    assert entry.payload["review_id"] == review.review_id
    assert entry.payload["label"] == "safe"


def test_unknown_sample_is_named(store: EvidenceStore) -> None:
    save_run(store, "run-a", sample_count=5)

    with pytest.raises(InputError, match="which has 5 samples") as error:
        add_review(store, _request(sample_id="banking/nope"))

    assert SAMPLE_0 in str(error.value)
    assert list_reviews(store, "run-a") == []


def test_unknown_run_is_named(store: EvidenceStore) -> None:
    with pytest.raises(InputError, match="Run run-x is not in the evidence store"):
        add_review(store, _request(run_id="run-x"))


def test_finding_of_other_sample_is_rejected(store: EvidenceStore) -> None:
    save_run(store, "run-a")

    with pytest.raises(InputError, match="Its findings are: 0"):
        add_review(store, _request(finding_position=1))


def test_review_needs_label_or_comment() -> None:
    with pytest.raises(ValidationError, match="needs a label, a comment or both"):
        _request(label=None)
