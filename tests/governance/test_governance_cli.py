"""The governance commands end to end: gate, promote, rollback, incidents, audit, review, trend.

Every test works on a real SQLite file; the webhook tests POST to a real server on 127.0.0.1.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ringfence.cli import (
    EXIT_AUDIT_BROKEN,
    EXIT_DELIVERY_FAILED,
    EXIT_GREEN,
    EXIT_RED,
    EXIT_REFUSED,
    EXIT_USAGE,
    main,
)
from ringfence.gate.decision import Verdict
from ringfence.governance.webhook import WEBHOOK_ENV
from ringfence.store import EvidenceStore
from tests.store.builders import make_sample
from tests.test_cli import RESISTANCE_CHECK, _write_inputs

from ._receiver import Receiver
from .release_builders import TARGET, gated_run

SAMPLE_0 = make_sample(0).transcript.sample_id


def _cli(store: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, [*args, "--store", str(store)], env=env)


def _gate(tmp_path: Path, ring: str, obeyed: int, *extra: str) -> Result:
    """Gate 60 attacked samples, `obeyed` of which obey the injection, for one ring."""
    runs, tools = _write_inputs(tmp_path, 60, obeyed=obeyed)
    policy = tmp_path / f"gate-{ring}.yaml"
    policy.write_text(
        f"version: 1\nname: {ring}-policy\nring: {ring}\nmin_samples: 30\nchecks:\n"
        + RESISTANCE_CHECK,
        encoding="utf-8",
    )
    arguments = ["gate", str(runs), "--format", "jsonl", "--tool-policy", str(tools)]
    arguments += ["--gate-policy", str(policy), "--target", TARGET, "--out", str(tmp_path)]
    return CliRunner().invoke(main, [*arguments, "--store", str(tmp_path / "store.sqlite"), *extra])


def _run_id(store: Path) -> str:
    listing = CliRunner().invoke(main, ["runs", "--store", str(store)])
    return listing.output.split()[0]


def _sql(store: Path, statement: str) -> None:
    with closing(sqlite3.connect(store)) as db:
        db.execute(statement)
        db.commit()


@pytest.fixture
def released(tmp_path: Path) -> Path:
    """A store where version 1.0.0 and then 2.0.0 of the target went live in dev."""
    store_path = tmp_path / "store.sqlite"
    with EvidenceStore.open(store_path) as store:
        gated_run(store, "run-1", "dev", Verdict.GREEN, version="1.0.0")
        gated_run(store, "run-2", "dev", Verdict.GREEN, version="2.0.0")
    for run_id in ("run-1", "run-2"):
        assert _cli(store_path, "promote", run_id, "--to", "dev").exit_code == EXIT_GREEN
    return store_path


def test_gate_then_promote_through_rings(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    assert _gate(tmp_path, "dev", obeyed=0).exit_code == EXIT_GREEN
    run_id = _run_id(store)

    early = _cli(store, "promote", run_id, "--to", "staging")
    assert early.exit_code == EXIT_REFUSED, early.output
    assert "no stored decision for ring 'staging'" in early.output

    promoted = _cli(store, "promote", run_id, "--to", "dev", "--actor", "ci")
    assert promoted.exit_code == EXIT_GREEN, promoted.output
    assert f"promoted: {TARGET} version" in promoted.output

    assert _gate(tmp_path, "staging", obeyed=0).exit_code == EXIT_GREEN
    assert _cli(store, "promote", run_id, "--to", "staging").exit_code == EXIT_GREEN
    listing = _cli(store, "releases", "--plain")
    assert listing.exit_code == EXIT_GREEN
    assert "dev" in listing.output
    assert "staging" in listing.output


def test_yellow_needs_approver_and_reason(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    with EvidenceStore.open(store) as opened:
        gated_run(opened, "run-y", "dev", Verdict.YELLOW)

    missing = _cli(store, "promote", "run-y", "--to", "dev", "--approve-yellow")
    refused = _cli(store, "promote", "run-y", "--to", "dev")
    approved = _cli(
        store,
        "promote",
        "run-y",
        "--to",
        "dev",
        "--approve-yellow",
        "--approver",
        "lee",
        "--reason",
        "interval too wide at this size",
    )

    assert missing.exit_code == EXIT_USAGE
    assert "--approver NAME and --reason TEXT" in missing.output
    assert refused.exit_code == EXIT_REFUSED
    assert "is yellow" in refused.output
    assert approved.exit_code == EXIT_GREEN, approved.output
    assert "yellow approved by lee" in approved.output
    audit = _cli(store, "audit", "list", "--kind", "approval", "--plain")
    assert "lee" in audit.output


def test_rollback_and_stats(released: Path) -> None:
    first = _cli(released, "rollback", "--ring", "dev", "--target", TARGET, "--actor", "oncall")
    second = _cli(released, "rollback", "--ring", "dev", "--target", TARGET)
    unknown = _cli(released, "rollback", "--ring", "dev", "--target", "nobody")
    stats = _cli(released, "releases", "--stats", "--history", "--plain")

    assert first.exit_code == EXIT_GREEN, first.output
    assert "now version 1.0.0" in first.output
    assert second.exit_code == EXIT_REFUSED
    assert "no previous version" in second.output
    assert unknown.exit_code == EXIT_USAGE
    assert "has never been released" in unknown.output
    assert "rollback success rate: 1/2 = 50.0%" in stats.output
    assert "oncall" in stats.output


def test_stats_without_rollbacks_is_no_data(released: Path) -> None:
    result = _cli(released, "releases", "--stats", "--plain")

    assert "rollback success rate: no data" in result.output


def test_audit_verify_intact(released: Path) -> None:
    result = _cli(released, "audit", "verify")

    assert result.exit_code == EXIT_GREEN, result.output
    assert "audit log OK: 4 entries" in result.output
    with closing(sqlite3.connect(released)) as db:
        latest = db.execute("select entry_hash from audit_log order by seq desc").fetchone()[0]
    assert latest in result.output


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        (
            "update audit_log set actor = 'mallory' where seq = 3",
            f"entry 3 (promotion {TARGET}@dev): edited",
        ),
        ("delete from audit_log where seq = 2", "entry 3 (promotion"),
        (
            "update audit_log set created_at = '2020-01-01T00:00:00+00:00' where seq = 4",
            "entry 4 (promotion",
        ),
    ],
)
def test_audit_verify_names_tampering(released: Path, statement: str, named: str) -> None:
    _sql(released, statement)

    result = _cli(released, "audit", "verify")

    assert result.exit_code == EXIT_AUDIT_BROKEN
    assert named in result.output


def test_audit_verify_names_reordering(released: Path) -> None:
    _sql(released, "update audit_log set seq = 100 where seq = 3")
    _sql(released, "update audit_log set seq = 3 where seq = 4")
    _sql(released, "update audit_log set seq = 4 where seq = 100")

    result = _cli(released, "audit", "verify")

    assert result.exit_code == EXIT_AUDIT_BROKEN
    assert "entry 3 (promotion" in result.output


def test_expected_hash_catches_deleted_newest(released: Path) -> None:
    verified = _cli(released, "audit", "verify")
    latest = verified.output.strip().split()[-1]
    _sql(released, "delete from audit_log where seq = 4")

    plain = _cli(released, "audit", "verify")
    expected = _cli(released, "audit", "verify", "--expect-hash", latest)

    assert plain.exit_code == EXIT_GREEN
    assert expected.exit_code == EXIT_AUDIT_BROKEN
    assert latest in expected.output


def test_audit_list_by_kind(released: Path) -> None:
    result = _cli(released, "audit", "list", "--kind", "promotion", "--plain")

    assert result.exit_code == EXIT_GREEN
    assert result.output.count(f"{TARGET}@dev") == 2
    assert "decision" not in result.output.replace("Audit log", "")


def test_review_add_list_show(released: Path) -> None:
    added = _cli(
        released,
        "review",
        "add",
        "run-1",
        SAMPLE_0,
        "--author",
        "kim",
        "--reason",
        "user named this recipient",
        "--label",
        "safe",
        "--finding",
        "0",
    )
    missing = _cli(released, "review", "add", "run-1", SAMPLE_0, "--author", "a", "--reason", "r")
    wrong = _cli(
        released,
        "review",
        "add",
        "run-1",
        "nope",
        "--author",
        "a",
        "--reason",
        "r",
        "--label",
        "safe",
    )
    listed = _cli(released, "review", "list", "run-1", "--plain")
    shown = _cli(released, "show", "run-1", SAMPLE_0, "--plain")

    assert added.exit_code == EXIT_GREEN, added.output
    assert "stored for finding 0" in added.output
    assert missing.exit_code == EXIT_USAGE
    assert "pass --label, --comment or both" in missing.output
    assert wrong.exit_code == EXIT_USAGE
    assert "Sample 'nope' is not in run run-1" in wrong.output
    assert "kim" in listed.output
    assert "finding 0: unauthorized_action (high)" in shown.output
    assert "review label: safe" in shown.output
    assert "safe by kim" in shown.output


def test_trend_json(released: Path) -> None:
    result = _cli(released, "trend", "--metric", "unauthorized_action_rate", "--json")

    assert result.exit_code == EXIT_GREEN, result.output
    points = json.loads(result.output)
    assert [p["run_id"] for p in points] == ["run-1", "run-2"]
    assert [p["rings"] for p in points] == [["dev"], ["dev"]]
    assert points[0]["denominator"] == 6


def test_trend_table_and_bad_segment(released: Path) -> None:
    table = _cli(released, "trend", "--target", TARGET, "--ring", "dev", "--plain")
    bad = _cli(released, "trend", "--segment", "model")

    assert table.exit_code == EXIT_GREEN
    assert "2.0.0" in table.output
    assert bad.exit_code == EXIT_USAGE
    assert "is not KEY=VALUE" in bad.output


def test_red_gate_sends_incident(tmp_path: Path) -> None:
    with Receiver(fail_first=1) as receiver:
        result = _gate(tmp_path, "production", 20, "--incident-webhook", receiver.url)

    assert result.exit_code == EXIT_RED, result.output
    assert len(receiver.requests) == 2
    incident = receiver.requests[-1].body["incident"]
    assert incident["ring"] == "production"
    assert incident["failing_metrics"][0]["metric"] == "prompt_resistance_rate"
    assert "delivered after 2 attempts" in result.output
    assert "T0KEN" not in result.output


def test_webhook_from_environment(tmp_path: Path) -> None:
    with Receiver() as receiver:
        runs_env = {WEBHOOK_ENV: receiver.url}
        runs, tools = _write_inputs(tmp_path, 60, obeyed=20)
        policy = tmp_path / "gate.yaml"
        policy.write_text(
            "version: 1\nname: c\nring: canary\nchecks:\n" + RESISTANCE_CHECK, encoding="utf-8"
        )
        result = CliRunner().invoke(
            main,
            ["gate", str(runs), "--format", "jsonl", "--tool-policy", str(tools)]
            + ["--gate-policy", str(policy), "--out", str(tmp_path)]
            + ["--store", str(tmp_path / "store.sqlite")],
            env=runs_env,
        )

    assert result.exit_code == EXIT_RED, result.output
    assert len(receiver.requests) == 1


def test_failed_delivery_then_resend(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    with Receiver(fail_first=None) as receiver:
        gated = _gate(
            tmp_path,
            "staging",
            20,
            "--incident-webhook",
            receiver.url,
            "--incident-webhook-attempts",
            "2",
        )
        failed = _cli(
            store,
            "incidents",
            "--resend",
            "--incident-webhook",
            receiver.url,
            "--incident-webhook-attempts",
            "1",
        )

    assert gated.exit_code == EXIT_RED
    assert "failed after 2 attempts" in gated.output
    assert failed.exit_code == EXIT_DELIVERY_FAILED
    assert "HTTP 500" in failed.output

    with Receiver() as receiver:
        resent = _cli(store, "incidents", "--resend", env={WEBHOOK_ENV: receiver.url})
        assert len(receiver.requests) == 1
    listed = _cli(store, "incidents", "--all", "--plain")

    assert resent.exit_code == EXIT_GREEN, resent.output
    assert "No incident waits for delivery." in resent.output
    assert "delivered" in listed.output


def test_resend_needs_url(tmp_path: Path) -> None:
    result = _cli(tmp_path / "store.sqlite", "incidents", "--resend")

    assert result.exit_code == EXIT_USAGE
    assert WEBHOOK_ENV in result.output


def test_invalid_webhook_url_is_usage_error(tmp_path: Path) -> None:
    result = _gate(tmp_path, "staging", 0, "--incident-webhook", "ftp://127.0.0.1/x")

    assert result.exit_code == EXIT_USAGE
    assert "invalid webhook URL" in result.output
