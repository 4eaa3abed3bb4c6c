"""`EvidenceStore`: the public entry point that opens a store, saves runs and reads them back."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy import URL, Connection, Engine, inspect, update
from sqlalchemy.exc import IntegrityError

from ringfence.detectors.findings import Finding
from ringfence.errors import StoreError
from ringfence.gate.decision import Decision
from ringfence.metrics.values import MetricValue
from ringfence.results import RunResult, SampleOutcome
from ringfence.store import _load
from ringfence.store._audit import append_entry
from ringfence.store._connect import (
    create_store_engine,
    display_location,
    is_sqlite_file,
    resolve_url,
    write_transaction,
)
from ringfence.store._errors import store_errors
from ringfence.store._migrate import upgrade_to_head
from ringfence.store._records import StoredRun
from ringfence.store._rows import decision_audit_payload, decision_row
from ringfence.store._run_writer import AlreadyStored, RunWriter, WriteOptions, WriteSummary
from ringfence.store._schema import decisions
from ringfence.transcript import Sample, Transcript

logger = logging.getLogger(__name__)

DEFAULT_BUSY_TIMEOUT_S = 30.0
"""Seconds a SQLite connection waits for another process's write lock before failing.

Writers hold the lock only while they write rows, never while they score, so the wait is
for other processes' writes alone."""

DEFAULT_SAMPLE_BATCH_SIZE = 256
"""Samples buffered, serialized and inserted together by `open_run` and `save_run`."""

DEFAULT_COMPRESS_LEVEL = 1
"""zlib level for transcripts. Level 1 is the fastest level, and it still shrinks the canonical
JSON of the AgentDojo runs (31 MB) to about a third."""

_OPEN_HINT = (
    "For a file, check that its folder is writable; for a database URL, check the host, port, "
    "database name and user. Or pass another --store."
)
_WRITE_HINT = (
    "Nothing of this call was saved. Check free disk space and that no other process holds "
    "the store locked, then rerun."
)
_RUN_WRITE_HINT = (
    "The run was not saved, but transcripts of its earlier batches may stay stored for a "
    "rerun to reuse. Check free disk space and that no other process holds the store locked, "
    "then rerun."
)
_READ_HINT = "Check that the store exists and is readable."


class _Repeated(Exception):
    """Internal signal: an identical decision was found and its time moved to now."""


class EvidenceStore:
    """Runs, samples, transcripts, findings, metric values and decisions in one database.

    Open it with `EvidenceStore.open`. The rows of one run, or of one decision, are written in
    one transaction, so a crash leaves either all of them or none. Transcripts are the
    exception: they are shared between runs and written in batches while a run is scored.
    """

    def __init__(self, engine: Engine, location: str) -> None:
        """Wrap an engine whose tables exist. Use `EvidenceStore.open` instead."""
        self._engine = engine
        self._location = location

    @classmethod
    def open(
        cls,
        url_or_path: str | os.PathLike[str],
        *,
        busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
        must_exist: bool = False,
    ) -> EvidenceStore:
        """Open a store, and migrate it to the newest schema revision or create its tables.

        `url_or_path` is a SQLite file path (its folder is created), ':memory:', or an
        SQLAlchemy URL; `postgresql://` URLs use the psycopg driver. With `must_exist`, a
        SQLite file that does not exist, or a database without ringfence's tables, raises
        instead of being set up, so commands that only read never leave an empty store
        behind a mistyped path. Raises `StoreError` when
        the store cannot be opened or was written by a newer ringfence.
        """
        url = resolve_url(url_or_path)
        location = display_location(url)
        if must_exist and is_sqlite_file(url) and not os.path.exists(url.database or ""):
            raise StoreError(
                f"no evidence store at {location}. Check --store, or score a run first to "
                "create one."
            )
        with store_errors("Opening", location, _OPEN_HINT):
            engine = _create_engine_or_explain(url, location, busy_timeout_s)
            if must_exist and not inspect(engine).has_table("alembic_version"):
                engine.dispose()
                raise StoreError(
                    f"no evidence store in {location}: the database has no ringfence tables. "
                    "Check --store, or score a run first to create them."
                )
            try:
                upgrade_to_head(engine, location)
            except BaseException:
                engine.dispose()
                raise
        logger.info("Opened evidence store %s", location)
        return cls(engine, location)

    @property
    def location(self) -> str:
        """File path or URL of the store, with any password masked."""
        return self._location

    def close(self) -> None:
        """Close every pooled connection. The store must not be used afterwards."""
        self._engine.dispose()

    def __enter__(self) -> EvidenceStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def open_run(
        self,
        run_id: str,
        *,
        batch_size: int = DEFAULT_SAMPLE_BATCH_SIZE,
        compress_level: int = DEFAULT_COMPRESS_LEVEL,
    ) -> Iterator[RunWriter]:
        """Yield a `RunWriter` for a run, to add samples to while scoring.

        Add samples while scoring, then call `finish` with the result: it writes the run in one
        transaction. No transaction is open while the block runs, except short ones that write
        each full batch of transcripts. When the block raises, or ends without `finish`, the
        run is not stored, and the latter raises RuntimeError. When the run is already stored,
        the writer's `already_stored` is True and it writes nothing. When another writer
        stores the same run during the block, `finish` returns False and writes nothing.
        """
        options = _write_options(batch_size, compress_level)
        if self._run_exists(run_id):
            logger.info(
                "Run %s is already stored in %s, so nothing is written", run_id, self._location
            )
            yield RunWriter(run_id, options, None)
            return

        writer = RunWriter(run_id, options, self._run_transaction)
        yield writer
        if writer.summary is not None:
            self._log_stored_run(run_id, writer.summary)
        elif writer.already_stored:
            logger.info("Run %s was stored by another writer, so nothing is written", run_id)
        else:
            raise RuntimeError(
                f"The block that wrote run {run_id} ended without calling finish(), so the "
                "run was not stored."
            )

    def save_run(
        self,
        result: RunResult,
        samples: Iterable[Sample],
        *,
        batch_size: int = DEFAULT_SAMPLE_BATCH_SIZE,
        compress_level: int = DEFAULT_COMPRESS_LEVEL,
    ) -> bool:
        """Store a run with its samples in one transaction, and return whether it was new.

        When a run with `result.run_id` exists, this returns False without writing anything
        or consuming `samples`. Samples are read and written in batches of `batch_size`, and
        each is stored with its outcome from `result.outcomes`. Outcomes without a matching
        sample are stored without a transcript. A decision inside `result` is stored as well.
        An exception raised by the `samples` iterable propagates unchanged after the
        transaction rolls back.
        """
        outcomes = _outcomes_by_sample_id(result)
        with self.open_run(
            result.run_id, batch_size=batch_size, compress_level=compress_level
        ) as writer:
            if writer.already_stored:
                return False
            for sample in samples:
                writer.add_sample(sample, outcomes.get(sample.transcript.sample_id))
            return writer.finish(result)

    def save_decision(self, run_id: str, decision: Decision) -> bool:
        """Store a gate decision for a stored run, and return whether it was new.

        A decision is identified by the run, `decision.gate_policy_sha256` and
        `decision.inputs_sha256()`, which covers its baseline run and the exceptions it used.
        Saving an identical decision again returns False and adds no row, but moves the stored
        decision's time to now and audits the repeat, so it counts as the latest. A re-gate with
        another baseline or other exceptions is stored beside the earlier one. Raises
        `StoreError` when the run is not stored.
        """
        try:
            with self._writing(f"Saving the decision for run {run_id}") as conn:
                try:
                    self._insert_decision(conn, run_id, decision)
                except _Repeated:
                    # Commit the moved time and its audit entry, then report no new row.
                    return False
        except AlreadyStored:
            logger.info(
                "Decision for run %s, gate policy %s and inputs %s is already stored, so "
                "nothing was written",
                run_id,
                decision.gate_policy_sha256,
                decision.inputs_sha256(),
            )
            return False

        logger.info("Stored %s decision for run %s", decision.verdict.value, run_id)
        return True

    def get_run(self, run_id: str) -> StoredRun | None:
        """Return the summary of a stored run, or None when there is none with that id."""
        with self._reading(f"Reading run {run_id}") as conn:
            return _load.load_stored_run(conn, run_id)

    def list_runs(self) -> list[StoredRun]:
        """Return summaries of every stored run, in the order they were stored."""
        with self._reading("Listing runs") as conn:
            return _load.list_stored_runs(conn)

    def load_result(self, run_id: str) -> RunResult:
        """Rebuild the full `RunResult` of a stored run. Raises `StoreError` when it is missing."""
        with self._reading(f"Reading run {run_id}") as conn:
            result = _load.load_result(conn, run_id)
        if result is None:
            raise self._run_not_found(run_id)
        return result

    def iter_samples(self, run_id: str) -> Iterator[Sample]:
        """Yield the stored samples of a run in order, one fetch batch in memory at a time.

        Outcomes that were saved without a sample are not yielded, but `outcomes_for` lists them.
        """
        with self._reading(f"Reading the samples of run {run_id}") as conn:
            yield from _load.iter_samples(conn, run_id)

    def load_transcript(self, sha256: str) -> Transcript:
        """Return the transcript stored under its SHA-256. Raises `StoreError` when missing."""
        with self._reading(f"Reading transcript {sha256}") as conn:
            transcript = _load.load_transcript(conn, sha256)
        if transcript is None:
            raise StoreError(
                f"Transcript {sha256} is not in the evidence store at {self._location}. "
                "Check the hash, or save the run that contains the transcript."
            )
        return transcript

    def outcomes_for(self, run_id: str) -> list[SampleOutcome]:
        """Return the outcomes of the scored samples of a run, in their original order."""
        with self._reading(f"Reading the outcomes of run {run_id}") as conn:
            return _load.load_outcomes(conn, run_id)

    def findings_for(self, run_id: str, sample_id: str | None = None) -> list[Finding]:
        """Return the findings of a run, or of one of its samples, in their original order."""
        with self._reading(f"Reading the findings of run {run_id}") as conn:
            return _load.load_findings(conn, run_id, sample_id)

    def metrics_for(self, run_id: str) -> list[MetricValue]:
        """Return the metric values of a run, in their original order."""
        with self._reading(f"Reading the metric values of run {run_id}") as conn:
            return _load.load_metrics(conn, run_id)

    def decisions_for(self, run_id: str) -> list[Decision]:
        """Return every gate decision stored for a run, oldest first."""
        with self._reading(f"Reading the decisions of run {run_id}") as conn:
            return _load.load_decisions(conn, run_id)

    def _run_exists(self, run_id: str) -> bool:
        with self._reading(f"Looking up run {run_id}") as conn:
            return _load.run_exists(conn, run_id)

    def _insert_decision(self, conn: Connection, run_id: str, decision: Decision) -> None:
        if not _load.run_exists(conn, run_id):
            raise self._run_not_found(run_id)
        stored = _load.load_decision(
            conn, run_id, decision.gate_policy_sha256, decision.inputs_sha256()
        )
        if stored is not None:
            # The same decision reached again is the newest word on the run, so it moves to
            # now: promotion reads the latest decision, which must not be an older, greener one.
            conn.execute(
                update(decisions)
                .where(
                    decisions.c.run_id == run_id,
                    decisions.c.gate_policy_sha256 == decision.gate_policy_sha256,
                    decisions.c.inputs_sha256 == decision.inputs_sha256(),
                )
                .values(created_at=_utc_now())
            )
            append_entry(
                conn,
                kind="decision_repeated",
                subject=run_id,
                payload=decision_audit_payload(decision),
            )
            raise _Repeated(run_id)
        try:
            conn.execute(decisions.insert(), decision_row(run_id, decision, _utc_now()))
        except IntegrityError as error:
            # Another writer stored the same decision after the check above.
            raise AlreadyStored(run_id) from error
        append_entry(
            conn, kind="decision", subject=run_id, payload=decision_audit_payload(decision)
        )

    @contextmanager
    def reading(self, operation: str) -> Iterator[Connection]:
        """Open a connection for reads; database errors become StoreError naming `operation`.

        For modules that keep their own tables in this store (governance records).
        """
        with self._reading(operation) as conn:
            yield conn

    @contextmanager
    def writing(self, operation: str) -> Iterator[Connection]:
        """Open one transaction that commits when the block ends and rolls back on error.

        Database errors become StoreError naming `operation`. Audit entries appended with
        `append_entry` inside the block commit together with the event they record. On SQLite
        the transaction takes the write lock when it begins, so reading before writing inside
        the block cannot fail on a write that another process committed in between.
        """
        with self._writing(operation) as conn:
            yield conn

    @contextmanager
    def _reading(self, operation: str) -> Iterator[Connection]:
        with store_errors(operation, self._location, _READ_HINT), self._engine.connect() as conn:
            yield conn

    @contextmanager
    def _writing(self, operation: str, hint: str = _WRITE_HINT) -> Iterator[Connection]:
        errors = store_errors(operation, self._location, hint)
        with errors, write_transaction(self._engine) as conn:
            yield conn

    def _run_transaction(self, operation: str) -> AbstractContextManager[Connection]:
        return self._writing(operation, _RUN_WRITE_HINT)

    def _log_stored_run(self, run_id: str, summary: WriteSummary | None) -> None:
        if summary is None:
            return
        logger.info(
            "Stored run %s in %s: %d samples (%d new transcripts), %d findings, %d metric values",
            run_id,
            self._location,
            summary.sample_count,
            summary.new_transcript_count,
            summary.finding_count,
            summary.metric_count,
        )

    def _run_not_found(self, run_id: str) -> StoreError:
        return StoreError(
            f"Run {run_id} is not in the evidence store at {self._location}. "
            "Check the run id with list_runs(), or save the run first."
        )


def _create_engine_or_explain(url: URL, location: str, busy_timeout_s: float) -> Engine:
    try:
        return create_store_engine(url, busy_timeout_s)
    except ImportError as error:
        raise StoreError(
            f"Opening the evidence store at {location} failed because the database driver "
            f"for '{url.drivername}' is not installed ({error}). Install the driver package, "
            "for PostgreSQL with pip install 'ringfence[postgres]', or use a SQLite file path."
        ) from error


def _write_options(batch_size: int, compress_level: int) -> WriteOptions:
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if not 0 <= compress_level <= 9:
        raise ValueError(f"compress_level must be between 0 and 9, got {compress_level}")
    return WriteOptions(batch_size, compress_level)


def _outcomes_by_sample_id(result: RunResult) -> dict[str, SampleOutcome]:
    outcomes: dict[str, SampleOutcome] = {}
    for outcome in result.outcomes:
        if outcome.sample_id in outcomes:
            raise StoreError(
                f"Run {result.run_id} has two outcomes for sample '{outcome.sample_id}'. "
                "Sample ids must be unique within a run, so fix the importer or the input."
            )
        outcomes[outcome.sample_id] = outcome
    return outcomes


def _utc_now() -> str:
    return datetime.now(UTC).isoformat()
