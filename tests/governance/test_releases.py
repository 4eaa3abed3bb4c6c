"""The release registry: promotion rules, rollback with read-back, events and audit entries."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ringfence.errors import InputError
from ringfence.gate.decision import ExceptionUse, Verdict
from ringfence.gate.policy import Ring
from ringfence.governance.exceptions import (
    ExceptionKind,
    ExceptionRequest,
    add_exception,
    revoke_exception,
)
from ringfence.governance.releases import (
    Approval,
    PromotionRefused,
    ReleaseEventKind,
    ReleaseOutcome,
    list_events,
    list_live,
    promote,
    rollback,
    rollback_success_rate,
)
from ringfence.metrics.values import MetricStatus
from ringfence.store import EvidenceStore, read_entries, verify_chain

from .release_builders import TARGET, decision, gated_run, save_run

ALL_RINGS = ("dev", "staging", "canary", "production")


def _qualify(store: EvidenceStore, run_id: str, version: str, rings: tuple[str, ...]) -> None:
    """Store a run of `version` that is green in every ring of `rings`."""
    save_run(store, run_id, version=version)
    for ring in rings:
        assert store.save_decision(run_id, decision(ring, Verdict.GREEN))


def _release_through(store: EvidenceStore, run_id: str, rings: tuple[str, ...]) -> None:
    for ring in rings:
        promote(store, run_id, Ring(ring), actor="ci")


def _audit_kinds(store: EvidenceStore) -> list[str]:
    with store.reading("test") as conn:
        return [entry.kind for entry in read_entries(conn)]


def test_green_run_goes_live_in_dev(store: EvidenceStore) -> None:
    gated_run(store, "run-a", "dev", Verdict.GREEN)

    result = promote(store, "run-a", Ring.DEV, actor="ana")

    assert result.changed
    assert result.release.ring is Ring.DEV
    assert result.release.target.version == "1.0.0"
    assert result.release.run_id == "run-a"
    assert result.release.previous_release_id is None
    assert result.release.actor == "ana"
    assert [r.release_id for r in list_live(store)] == [result.release.release_id]


def test_promotion_walks_every_ring(store: EvidenceStore) -> None:
    _qualify(store, "run-a", "1.0.0", ALL_RINGS)

    _release_through(store, "run-a", ALL_RINGS)

    live = list_live(store, TARGET)
    assert [r.ring.value for r in live] == list(ALL_RINGS)
    assert {r.target.version for r in live} == {"1.0.0"}


def test_staging_needs_version_live_in_dev(store: EvidenceStore) -> None:
    gated_run(store, "run-a", "staging", Verdict.GREEN)

    with pytest.raises(PromotionRefused, match="not live in ring 'dev'") as refused:
        promote(store, "run-a", Ring.STAGING)

    assert refused.value.exit_code == 6
    assert "nothing is live there" in str(refused.value)
    assert list_live(store) == []


def test_other_version_in_ring_before_is_refused(store: EvidenceStore) -> None:
    _qualify(store, "run-old", "1.0.0", ("dev",))
    _release_through(store, "run-old", ("dev",))
    _qualify(store, "run-new", "2.0.0", ("staging",))

    with pytest.raises(PromotionRefused, match="version 1.0.0 is live there"):
        promote(store, "run-new", Ring.STAGING)


def test_yellow_refused_without_approval(store: EvidenceStore) -> None:
    gated_run(store, "run-a", "dev", Verdict.YELLOW)

    with pytest.raises(PromotionRefused, match="--approve-yellow"):
        promote(store, "run-a", Ring.DEV)

    events = list_events(store)
    assert [e.outcome for e in events] == [ReleaseOutcome.REFUSED]
    assert events[0].reason is not None
    assert "yellow" in events[0].reason


def test_yellow_approval_is_stored_and_audited(store: EvidenceStore) -> None:
    gated_run(store, "run-a", "dev", Verdict.YELLOW)
    approval = Approval(approver="lee", reason="only 6 trials; accepted for dev")

    result = promote(store, "run-a", Ring.DEV, actor="ci", approval=approval)

    assert result.approval == approval
    assert result.release.verdict is Verdict.YELLOW
    assert result.release.approver == "lee"
    assert result.release.approval_reason == "only 6 trials; accepted for dev"
    with store.reading("test") as conn:
        entries = read_entries(conn)
    approval_entry = next(e for e in entries if e.kind == "approval")
    assert approval_entry.actor == "lee"
    assert approval_entry.payload["reason"] == "only 6 trials; accepted for dev"
    assert approval_entry.payload["run_id"] == "run-a"
    assert entries[-1].kind == "promotion"
    assert entries[-1].actor == "ci"


def test_approval_is_unused_on_green(store: EvidenceStore) -> None:
    gated_run(store, "run-a", "dev", Verdict.GREEN)

    result = promote(store, "run-a", Ring.DEV, approval=Approval(approver="lee", reason="x"))

    assert result.approval is None
    assert result.release.approver is None
    assert "approval" not in _audit_kinds(store)


@pytest.mark.parametrize("verdict", [Verdict.RED, Verdict.ERROR])
def test_red_or_unevaluated_is_refused(store: EvidenceStore, verdict: Verdict) -> None:
    gated_run(store, "run-a", "dev", verdict)

    with pytest.raises(PromotionRefused, match=verdict.value):
        promote(store, "run-a", Ring.DEV, approval=Approval(approver="lee", reason="please"))

    assert list_live(store) == []
    assert _audit_kinds(store)[-1] == "promotion"
    assert list_events(store)[0].outcome is ReleaseOutcome.REFUSED


def test_decision_of_other_ring_does_not_count(store: EvidenceStore) -> None:
    gated_run(store, "run-a", "staging", Verdict.GREEN)

    with pytest.raises(PromotionRefused, match="no stored decision for ring 'dev'"):
        promote(store, "run-a", Ring.DEV)


def test_worst_decision_for_ring_counts(store: EvidenceStore) -> None:
    gated_run(store, "run-a", "dev", Verdict.GREEN)
    assert store.save_decision("run-a", decision("dev", Verdict.RED, policy="security"))

    with pytest.raises(PromotionRefused, match="is red"):
        promote(store, "run-a", Ring.DEV)


def test_same_version_again_is_unchanged(store: EvidenceStore) -> None:
    gated_run(store, "run-a", "dev", Verdict.GREEN)
    first = promote(store, "run-a", Ring.DEV)

    again = promote(store, "run-a", Ring.DEV)

    assert not again.changed
    assert again.release.release_id == first.release.release_id
    assert len(list_events(store)) == 1


def test_unknown_run_is_input_error(store: EvidenceStore) -> None:
    with pytest.raises(InputError, match="Run nope is not in the evidence store"):
        promote(store, "nope", Ring.DEV)
    assert list_events(store) == []


def test_new_release_points_to_previous(store: EvidenceStore) -> None:
    _qualify(store, "run-1", "1.0.0", ("dev",))
    _qualify(store, "run-2", "2.0.0", ("dev",))
    first = promote(store, "run-1", Ring.DEV).release

    second = promote(store, "run-2", Ring.DEV).release

    assert second.previous_release_id == first.release_id
    assert [r.target.version for r in list_live(store)] == ["2.0.0"]


def test_rollback_returns_to_previous_version(store: EvidenceStore) -> None:
    _qualify(store, "run-1", "1.0.0", ("dev",))
    _qualify(store, "run-2", "2.0.0", ("dev",))
    first = promote(store, "run-1", Ring.DEV).release
    promote(store, "run-2", Ring.DEV)

    result = rollback(store, TARGET, Ring.DEV, actor="oncall")

    assert result.succeeded
    assert result.live is not None
    assert result.live.release_id == first.release_id
    assert result.event.from_version == "2.0.0"
    assert result.event.to_version == "1.0.0"
    assert result.event.actor == "oncall"
    assert [r.target.version for r in list_live(store)] == ["1.0.0"]
    assert _audit_kinds(store)[-1] == "rollback"


def test_repeated_rollback_walks_back_then_fails(store: EvidenceStore) -> None:
    for number in (1, 2, 3):
        _qualify(store, f"run-{number}", f"{number}.0.0", ("dev",))
        promote(store, f"run-{number}", Ring.DEV)

    versions = []
    for _ in range(3):
        result = rollback(store, TARGET, Ring.DEV)
        versions.append(result.live.target.version if result.live else None)

    assert versions == ["2.0.0", "1.0.0", "1.0.0"]
    outcomes = [e.outcome for e in list_events(store, kind=ReleaseEventKind.ROLLBACK)]
    assert outcomes == [ReleaseOutcome.SUCCEEDED, ReleaseOutcome.SUCCEEDED, ReleaseOutcome.FAILED]


def test_rollback_without_previous_fails(store: EvidenceStore) -> None:
    gated_run(store, "run-a", "dev", Verdict.GREEN)
    promote(store, "run-a", Ring.DEV)

    result = rollback(store, TARGET, Ring.DEV)

    assert not result.succeeded
    assert result.event.reason is not None
    assert "no previous version" in result.event.reason
    assert result.live is not None
    assert result.live.target.version == "1.0.0"


def test_rollback_of_empty_ring_fails(store: EvidenceStore) -> None:
    gated_run(store, "run-a", "dev", Verdict.GREEN)
    promote(store, "run-a", Ring.DEV)

    result = rollback(store, TARGET, Ring.PRODUCTION)

    assert not result.succeeded
    assert result.event.reason is not None
    assert "nothing is live" in result.event.reason


def test_rollback_of_unknown_target_is_input_error(store: EvidenceStore) -> None:
    gated_run(store, "run-a", "dev", Verdict.GREEN)
    promote(store, "run-a", Ring.DEV)

    with pytest.raises(InputError, match=f"Released targets: {TARGET}"):
        rollback(store, "suport-agent", Ring.DEV)
    assert list_events(store, kind=ReleaseEventKind.ROLLBACK) == []


def test_rollback_success_rate(store: EvidenceStore) -> None:
    empty = rollback_success_rate(store)
    assert empty.status is MetricStatus.NO_DATA
    assert empty.estimate is None

    _qualify(store, "run-1", "1.0.0", ("dev",))
    _qualify(store, "run-2", "2.0.0", ("dev",))
    promote(store, "run-1", Ring.DEV)
    promote(store, "run-2", Ring.DEV)
    rollback(store, TARGET, Ring.DEV)
    rollback(store, TARGET, Ring.DEV)

    rate = rollback_success_rate(store)
    assert (rate.numerator, rate.denominator) == (1, 2)
    assert rate.estimate == 0.5
    assert rate.ci_low is not None
    assert rate.ci_high is not None
    assert rate.ci_low < 0.5 < rate.ci_high
    assert len(rate.sample_ids) == 1
    assert rollback_success_rate(store, "other").status is MetricStatus.NO_DATA


def test_every_event_is_in_an_intact_chain(store: EvidenceStore) -> None:
    _qualify(store, "run-1", "1.0.0", ALL_RINGS)
    _release_through(store, "run-1", ALL_RINGS)
    rollback(store, TARGET, Ring.PRODUCTION)

    with store.reading("test") as conn:
        entries = read_entries(conn)
    assert verify_chain(entries) is None
    release_entries = [e for e in entries if e.kind in ("promotion", "rollback")]
    assert len(release_entries) == len(list_events(store)) == 5
    assert release_entries[-1].subject == f"{TARGET}@production"
    assert release_entries[-1].payload["outcome"] == "failed"


def test_read_back_mismatch_undoes_rollback(sqlite_store: EvidenceStore, sqlite_path: Path) -> None:
    _qualify(sqlite_store, "run-1", "1.0.0", ("dev",))
    _qualify(sqlite_store, "run-2", "2.0.0", ("dev",))
    promote(sqlite_store, "run-1", Ring.DEV)
    second = promote(sqlite_store, "run-2", Ring.DEV).release
    # Something outside ringfence puts every changed pointer back at once.
    with closing(sqlite3.connect(sqlite_path)) as db:
        db.execute(
            "CREATE TRIGGER keep_pointer AFTER UPDATE ON live_releases BEGIN "
            "UPDATE live_releases SET release_id = OLD.release_id "
            "WHERE target_name = NEW.target_name AND ring = NEW.ring; END"
        )
        db.commit()

    result = rollback(sqlite_store, TARGET, Ring.DEV)

    assert not result.succeeded
    assert result.event.reason is not None
    assert "read back" in result.event.reason
    assert f"release {second.release_id} (version 2.0.0)" in result.event.reason
    assert [r.target.version for r in list_live(sqlite_store)] == ["2.0.0"]
    assert rollback_success_rate(sqlite_store).numerator == 0


def _waived_green(store: EvidenceStore, run_id: str, exception_id: int) -> None:
    waived = decision("dev", Verdict.GREEN, policy="waived")
    waived.exceptions_used = [
        ExceptionUse(
            id=exception_id,
            kind="metric",
            metric="unauthorized_action_rate",
            approver="eve",
            reason="known issue",
            expires_at="2030-01-01T00:00:00Z",
            checks=["unauthorized_action_rate"],
        )
    ]
    assert store.save_decision(run_id, waived)


def _exception(store: EvidenceStore, expires: datetime) -> int:
    request = ExceptionRequest(
        kind=ExceptionKind.METRIC,
        metric="unauthorized_action_rate",
        approver="eve",
        reason="known issue",
        expires_at=expires,
    )
    created = add_exception(store, request, now=expires - timedelta(days=1))
    return created.id


def test_revoked_exception_blocks_promotion(store: EvidenceStore) -> None:
    save_run(store, "run-w", version="2.0")
    exception_id = _exception(store, datetime(2030, 1, 1, tzinfo=UTC))
    _waived_green(store, "run-w", exception_id)
    revoke_exception(store, exception_id, revoked_by="mgr", reason="not acceptable")

    with pytest.raises(PromotionRefused, match=f"exception {exception_id}, which is revoked"):
        promote(store, "run-w", Ring.DEV, actor="ci")


def test_expired_exception_blocks_promotion(store: EvidenceStore) -> None:
    save_run(store, "run-x", version="2.0")
    exception_id = _exception(store, datetime(2020, 1, 1, tzinfo=UTC))
    _waived_green(store, "run-x", exception_id)

    with pytest.raises(PromotionRefused, match=f"exception {exception_id}, which is expired"):
        promote(store, "run-x", Ring.DEV, actor="ci")


def test_red_in_ring_before_blocks_promotion(store: EvidenceStore) -> None:
    _qualify(store, "run-r", "3.0", ("dev", "staging"))
    _release_through(store, "run-r", ("dev",))
    assert store.save_decision("run-r", decision("dev", Verdict.RED, policy="later"))

    with pytest.raises(PromotionRefused, match="latest decision in ring 'dev' is red"):
        promote(store, "run-r", Ring.STAGING, actor="ci")


def test_repeated_decision_becomes_latest(store: EvidenceStore) -> None:
    save_run(store, "run-s", version="4.0")
    red = decision("dev", Verdict.RED, policy="waived")
    assert store.save_decision("run-s", red)
    _waived_green(store, "run-s", _exception(store, datetime(2030, 1, 1, tzinfo=UTC)))
    # Gating again gives the same red decision: it is the newest word and blocks promotion.
    assert store.save_decision("run-s", red) is False

    with pytest.raises(PromotionRefused, match="is red"):
        promote(store, "run-s", Ring.DEV, actor="ci")
