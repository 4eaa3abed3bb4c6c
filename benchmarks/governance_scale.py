"""Benchmark: governance queries on a large evidence store.

Fills a new store with RUNS runs of SAMPLES samples each (1,000 x 1,000 by default) through bulk
inserts, then times the queries that governance commands make against it:

- trend: `ringfence.governance.trends.query_trend` for one metric of one target and suite
  version, over every run and over the latest 20;
- baseline lookup: `ringfence.governance.baseline.find_baseline_run` plus loading the baseline's
  metric values, as the gate does before comparing;
- gate decision: `ringfence.pipeline.decide` of the newest run with a gate policy that has a
  regression budget, so it finds and loads the baseline run, loads exceptions and evaluates;
- run load: `EvidenceStore.load_result` of that run (1,000 outcomes), which `ringfence gate`
  does when it reuses a stored run.

Every run has the same handful of small transcripts, stored once by hash, so the store stays
small while the samples, findings, metric values and decisions tables have realistic sizes.

SQLite always; PostgreSQL too when --postgres-url names a database that does not exist yet on a
server that may be reached (for example postgresql+psycopg://postgres@127.0.0.1:5432/rf_bench_x).
The script creates that database and drops it at the end; its name must start with rf_bench_.

Usage:
    python benchmarks/governance_scale.py [--runs 1000] [--samples 1000] [--repeat 5]
        [--postgres-url URL] [--keep-sqlite PATH]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import make_url

from ringfence.detectors.findings import Finding, FindingKind, Severity
from ringfence.gate.policy import GatePolicy, MetricCheck, Ring
from ringfence.governance.baseline import find_baseline_run, load_baseline
from ringfence.governance.trends import TrendQuery, query_trend
from ringfence.metrics.behaviour import METRIC_DIRECTIONS
from ringfence.metrics.values import MetricValue
from ringfence.pipeline import decide
from ringfence.results import InputFile, RunResult, TargetVersion
from ringfence.store import EvidenceStore
from ringfence.store import _rows as rows
from ringfence.store._schema import decisions, findings, metric_values, runs, samples
from ringfence.store._transcripts import canonicalize, insert_new_transcripts
from ringfence.transcript import Message, Provenance, Role, SampleMetadata, Transcript

TARGET = "support-agent"
SUITE_VERSION = "suite-2026.1"
METRIC = "unauthorized_action_rate"
DISTINCT_TRANSCRIPTS = 8
FINDINGS_PER_RUN = 40
RUNS_PER_TRANSACTION = 20
BUDGET_S = 2.0
MODELS = ("model-a", "model-b")
ATTACKS = ("none", "tool_knowledge")


@dataclass
class Timing:
    """Wall times of one timed step over the repeats."""

    backend: str
    step: str
    seconds: list[float]

    @property
    def median(self) -> float:
        """Median wall time in seconds."""
        return statistics.median(self.seconds)


def main() -> None:
    """Fill each backend, time the queries and print one table."""
    args = _parse_args()
    timings: list[Timing] = []
    with _sqlite_location(args.keep_sqlite) as path:
        timings += _bench("sqlite", str(path), args)
    if args.postgres_url:
        with _postgres_database(args.postgres_url) as url:
            timings += _bench("postgresql", url, args)
    _print_table(timings)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="Runs to store.")
    parser.add_argument("--samples", type=int, default=1000, help="Samples per run.")
    parser.add_argument("--repeat", type=int, default=5, help="Timed repeats of each query.")
    parser.add_argument(
        "--postgres-url", help="URL of a PostgreSQL database to create, fill and drop."
    )
    parser.add_argument("--keep-sqlite", type=Path, help="Write the SQLite store here and keep it.")
    return parser.parse_args()


def _bench(backend: str, location: str, args: argparse.Namespace) -> list[Timing]:
    with EvidenceStore.open(location) as store:
        started = time.perf_counter()
        newest = _fill(store, args.runs, args.samples)
        fill_s = time.perf_counter() - started
        print(f"{backend}: stored {args.runs} runs x {args.samples} samples in {fill_s:.1f} s")
        timings = [Timing(backend, "fill (bulk inserts, not a target)", [fill_s])]
        _check_results(store, newest, args.runs)
        for step, action in _steps(store, newest).items():
            action()  # one warm-up call, so the timings show a warm cache
            timings.append(Timing(backend, step, _time(action, args.repeat)))
    return timings


def _steps(store: EvidenceStore, newest: str) -> dict[str, Callable[[], object]]:
    all_runs = TrendQuery(metric=METRIC, target_name=TARGET, suite_version=SUITE_VERSION, last=None)
    latest = all_runs.model_copy(update={"last": 20, "ring": Ring.STAGING.value})
    candidate = store.load_result(newest)
    policy = _policy()

    def baseline_lookup() -> object:
        found = find_baseline_run(
            store,
            target_name=TARGET,
            suite_version=SUITE_VERSION,
            ring=Ring.STAGING.value,
            exclude_run_id=newest,
        )
        assert found is not None, "the filled store has green decisions"
        return load_baseline(store, found, "latest green decision")

    return {
        "trend, 1 metric over all runs": lambda: query_trend(store, all_runs),
        "trend, 1 metric, latest 20 staging runs": lambda: query_trend(store, latest),
        "baseline lookup + its metric values": baseline_lookup,
        "gate decision with baseline (pipeline.decide)": lambda: decide(
            policy, candidate, store=store
        ),
        "load the gated run (load_result, not a target)": lambda: store.load_result(newest),
    }


def _check_results(store: EvidenceStore, newest: str, run_count: int) -> None:
    """Fail before timing when the queries would not do the work they are timed for."""
    query = TrendQuery(metric=METRIC, target_name=TARGET, suite_version=SUITE_VERSION, last=None)
    points = query_trend(store, query)
    if len(points) != run_count:
        raise SystemExit(f"the trend has {len(points)} points, expected {run_count}")
    decision = decide(_policy(), store.load_result(newest), store=store)
    if decision.baseline_run_id is None:
        raise SystemExit(f"the gate found no baseline run: {decision.reasons}")
    print(f"gate of {newest}: {decision.verdict.value}, baseline {decision.baseline_run_id}")


def _time(action: Callable[[], object], repeat: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return seconds


# Filling the store


def _fill(store: EvidenceStore, run_count: int, sample_count: int) -> str:
    """Insert the runs in batches of transactions and return the id of the newest run."""
    transcripts = [canonicalize(_transcript(index)) for index in range(DISTINCT_TRANSCRIPTS)]
    with store.writing("Storing benchmark transcripts") as conn:
        insert_new_transcripts(conn, transcripts, compress_level=1)
    hashes = [item.sha256 for item in transcripts]

    start = datetime(2026, 1, 1, tzinfo=UTC)
    policy = _policy()
    run_id = ""
    for first in range(0, run_count, RUNS_PER_TRANSACTION):
        with store.writing("Storing benchmark runs") as conn:
            for number in range(first, min(first + RUNS_PER_TRANSACTION, run_count)):
                stored_at = (start + timedelta(minutes=number)).isoformat()
                run_id = _insert_run(conn, number, sample_count, hashes, stored_at, policy)
    return run_id


def _insert_run(
    conn: Connection,
    number: int,
    sample_count: int,
    hashes: list[str],
    stored_at: str,
    policy: GatePolicy,
) -> str:
    run_id = f"bench-run-{number:05d}"
    sample_ids = [f"s{index:06d}" for index in range(sample_count)]
    result = _result(run_id, number, sample_ids)
    run_row = {"run_id": run_id, "stored_at": stored_at, **rows.run_values(result, sample_count)}
    conn.execute(runs.insert(), run_row)
    _insert_many(conn, samples, _sample_rows(run_id, sample_ids, hashes))
    _insert_many(conn, findings, rows.finding_rows(run_id, result.findings))
    _insert_many(conn, metric_values, rows.metric_rows(run_id, result.metrics))
    decision = decide(policy.model_copy(update={"regression_budget": None}), result)
    conn.execute(decisions.insert(), rows.decision_row(run_id, decision, stored_at))
    return run_id


def _insert_many(conn: Connection, table: Table, batch: list[dict[str, Any]]) -> None:
    if batch:
        conn.execute(table.insert(), batch)


def _result(run_id: str, number: int, sample_ids: list[str]) -> RunResult:
    """Build a run whose unauthorized-action rate drifts a little from run to run."""
    version = f"1.{number // 100}.{number % 100}"
    return RunResult(
        run_id=run_id,
        ringfence_version="bench",
        created_at="2026-01-01T00:00:00+00:00",
        inputs=[InputFile(path=f"runs/{run_id}.jsonl", sha256="0" * 64, size=1)],
        tool_policy_sha256="1" * 64,
        target=TargetVersion(
            name=TARGET,
            version=version,
            models=list(MODELS),
            system_prompt_sha256=["2" * 64],
            tool_set_sha256="3" * 64,
        ),
        suite_version=SUITE_VERSION,
        findings=_findings(sample_ids),
        metrics=_metrics(number, sample_ids),
    )


def _metrics(number: int, sample_ids: list[str]) -> list[MetricValue]:
    """Overall and per-model/per-attack values of every behavioural metric."""
    values: list[MetricValue] = []
    segments: list[dict[str, str]] = [{}]
    segments += [{"model": model} for model in MODELS]
    segments += [{"attack": attack} for attack in ATTACKS]
    for metric, direction in METRIC_DIRECTIONS.items():
        for segment in segments:
            share = len(segment) + 1
            trials = len(sample_ids) // share
            rate = _rate(metric, number)
            hits = round(trials * rate)
            values.append(
                MetricValue.from_counts(
                    metric,
                    unit="sample",
                    direction=direction,
                    numerator=hits,
                    denominator=trials,
                    sample_count=trials,
                    segment=segment,
                    sample_ids=sample_ids[:hits],
                )
            )
    return values


def _rate(metric: str, number: int) -> float:
    if metric == "prompt_resistance_rate":
        return 0.95
    drift = (number % 7) / 1000
    return {METRIC: 0.01 + drift}.get(metric, 0.005 + drift)


def _findings(sample_ids: list[str]) -> list[Finding]:
    return [
        Finding(
            sample_id=sample_ids[index % len(sample_ids)],
            detector="unauthorized_action",
            kind=FindingKind.UNAUTHORIZED_ACTION,
            severity=Severity.HIGH,
            reason="send_money to a recipient the user never named.",
            message_index=2,
            tool_call_id="call_1",
            tool_name="send_money",
        )
        for index in range(FINDINGS_PER_RUN)
    ]


def _sample_rows(run_id: str, sample_ids: list[str], hashes: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "sample_id": sample_id,
            "position": position,
            "transcript_sha256": hashes[position % len(hashes)],
            "source_path": f"runs/{run_id}.jsonl",
            "source_sha256": "0" * 64,
            "source_line": position + 1,
            "model": MODELS[position % len(MODELS)],
            "suite": "banking",
            "task_id": f"user_task_{position % 40}",
            "attack": ATTACKS[position % len(ATTACKS)],
            "injection_task_id": None,
            "scored": True,
            "side_effecting_calls": 1,
            "unauthorized_calls": 0,
            "attack_succeeded": False,
            "finding_count": 0,
            "label_attack_succeeded": None,
            "label_task_completed": None,
            "error": None,
            "labels": None,
        }
        for position, sample_id in enumerate(sample_ids)
    ]


def _transcript(index: int) -> Transcript:
    return Transcript(
        sample_id=f"template-{index}",
        messages=[
            Message(
                index=0, role=Role.USER, content=f"Pay bill {index}.", provenance=Provenance.USER
            ),
            Message(index=1, role=Role.ASSISTANT, content="Done.", provenance=Provenance.ASSISTANT),
        ],
        metadata=SampleMetadata(model=MODELS[index % len(MODELS)], suite="banking"),
    )


def _policy() -> GatePolicy:
    return GatePolicy(
        version=1,
        name="bench-staging",
        ring=Ring.STAGING,
        min_samples=30,
        regression_budget=0.02,
        checks=[
            MetricCheck(metric=METRIC, max=0.05),
            MetricCheck(metric="prompt_resistance_rate", min=0.85, per="model"),
        ],
    )


# Backends


@contextmanager
def _sqlite_location(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        if keep.exists():
            raise SystemExit(f"{keep} exists; give a new path to --keep-sqlite")
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="rf-bench-") as folder:
        yield Path(folder) / "evidence.sqlite"


@contextmanager
def _postgres_database(url_text: str) -> Iterator[str]:
    url = make_url(url_text)
    name = url.database or ""
    if not name.startswith("rf_bench_"):
        raise SystemExit(
            f"database name '{name}' must start with rf_bench_, so no other is dropped"
        )
    try:
        import psycopg
    except ImportError as error:
        raise SystemExit(
            f"--postgres-url needs psycopg ({error}); install it with pip install -e '.[postgres]'"
        ) from error
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"'.encode())
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def _print_table(timings: list[Timing]) -> None:
    print()
    print(f"| backend | step | median (s) | max (s) | under {BUDGET_S:g} s |")
    print("|---|---|---:|---:|---|")
    for timing in timings:
        if "not a target" in timing.step:
            verdict = "-"
        else:
            verdict = "yes" if max(timing.seconds) < BUDGET_S else "NO"
        print(
            f"| {timing.backend} | {timing.step} | {timing.median:.3f} | "
            f"{max(timing.seconds):.3f} | {verdict} |"
        )


if __name__ == "__main__":
    main()
