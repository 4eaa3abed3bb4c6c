"""`EvidenceStore`: the public entry point that opens a store, saves runs and reads them back."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy import URL, Connection, Engine, select
from sqlalchemy.exc import IntegrityError, OperationalError

from ringfence.detectors.findings import Finding
from ringfence.errors import StoreError
from ringfence.gate.decision import Decision
from ringfence.metrics.values import MetricValue
from ringfence.results import RunResult, SampleOutcome
from ringfence.store import _load
from ringfence.store._audit import append_entry
from ringfence.store._connect import create_store_engine, display_location, resolve_url
from ringfence.store._errors import describe_error, store_errors
from ringfence.store._records import StoredRun
from ringfence.store._rows import decision_audit_payload, decision_row
from ringfence.store._run_writer import AlreadyStored, RunWriter, WriteOptions, WriteSummary
from ringfence.store._schema import SCHEMA_VERSION, SCHEMA_VERSION_KEY, decisions, metadata
from ringfence.store._schema import schema_info as schema_info_table
from ringfence.transcript import Sample, Transcript

logger = logging.getLogger(__name__)

DEFAULT_BUSY_TIMEOUT_S = 30.0
"""Seconds a SQLite connection waits for another process's write lock before failing."""

DEFAULT_SAMPLE_BATCH_SIZE = 256
"""Samples buffered, serialized and inserted together by `open_run` and `save_run`."""

DEFAULT_COMPRESS_LEVEL = 1
"""zlib level for transcripts. Level 1 is the fastest level, and it still shrinks the canonical
JSON of the AgentDojo runs (31 MB) to about a third."""

_OPEN_HINT = "Check that the path is writable, or pass another path or SQLAlchemy URL."
_WRITE_HINT = (
    "Nothing of this call was saved. Check free disk space and that no other process holds "
    "the store locked, then rerun."
)
_READ_HINT = "Check that the store exists and is readable."


class EvidenceStore:
    """Runs, samples, transcripts, findings, metric values and decisions in one database.

    Open it with `EvidenceStore.open`. All writes of one run, or of one decision, happen in
    one transaction, so a crash leaves either all of them or none.
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
    ) -> EvidenceStore:
        """Open a store and create its tables when they are missing.

        `url_or_path` is a SQLite file path (its folder is created), ':memory:', or an
        SQLAlchemy URL. Raises `StoreError` when the store cannot be opened or has another
        schema version.
        """
        url = resolve_url(url_or_path)
        location = display_location(url)
        with store_errors("Opening", location, _OPEN_HINT):
            engine = _create_engine_or_explain(url, location, busy_timeout_s)
            try:
                _prepare_schema_once_more_on_race(engine, location)
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
        """Open one transaction for writing a run, and yield its `RunWriter`.

        Add samples while scoring, then call `finish` with the result. The transaction
        commits when the block ends after `finish`. It rolls back when the block raises or
        ends without `finish`, and the latter also raises RuntimeError. When the run is
        already stored, the writer's `already_stored` is True and it writes nothing.
        """
        options = _write_options(batch_size, compress_level)
        if self._run_exists(run_id):
            logger.info(
                "Run %s is already stored in %s, so nothing is written", run_id, self._location
            )
            yield RunWriter(run_id, None, options)
            return

        started = False
        try:
            with self._writing(f"Saving run {run_id}") as conn:
                writer = RunWriter.start(conn, run_id, options)
                started = True
                yield writer
                if writer.summary is None:
                    raise RuntimeError(
                        f"The block that wrote run {run_id} ended without calling finish(), "
                        "so the run was rolled back."
                    )
        except AlreadyStored:
            if started:
                raise
        else:
            self._log_stored_run(run_id, writer.summary)
            return

        # The yield sits outside the except block, so an error in the caller's block is not
        # chained to AlreadyStored.
        logger.info("Run %s was stored by another writer, so nothing is written", run_id)
        yield RunWriter(run_id, None, options)

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

        A decision is identified by the run and `decision.gate_policy_sha256`, so a second
        decision for the same pair returns False and writes nothing. Raises `StoreError` when
        the run is not stored.
        """
        try:
            with self._writing(f"Saving the decision for run {run_id}") as conn:
                self._insert_decision(conn, run_id, decision)
        except AlreadyStored:
            logger.info(
                "Decision for run %s and gate policy %s is already stored, so nothing was written",
                run_id,
                decision.gate_policy_sha256,
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
        if _load.load_decision(conn, run_id, decision.gate_policy_sha256) is not None:
            raise AlreadyStored(run_id)
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
        `append_entry` inside the block commit together with the event they record.
        """
        with self._writing(operation) as conn:
            yield conn

    @contextmanager
    def _reading(self, operation: str) -> Iterator[Connection]:
        with store_errors(operation, self._location, _READ_HINT), self._engine.connect() as conn:
            yield conn

    @contextmanager
    def _writing(self, operation: str) -> Iterator[Connection]:
        errors = store_errors(operation, self._location, _WRITE_HINT)
        with errors, self._engine.begin() as conn:
            yield conn

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
            "for example psycopg2 for PostgreSQL, or use a SQLite file path."
        ) from error


def _prepare_schema_once_more_on_race(engine: Engine, location: str) -> None:
    try:
        _prepare_schema(engine, location)
    except (OperationalError, IntegrityError) as error:
        # A second process opening a new store can create a table or the version row between
        # our check and our insert. The retry then finds both, and any other cause fails again.
        logger.info("Retrying schema setup of %s after: %s", location, describe_error(error))
        _prepare_schema(engine, location)


def _prepare_schema(engine: Engine, location: str) -> None:
    """Create missing tables and record or check the schema version."""
    metadata.create_all(engine)
    with engine.begin() as conn:
        query = select(schema_info_table.c.value).where(
            schema_info_table.c.key == SCHEMA_VERSION_KEY
        )
        stored = conn.execute(query).scalar_one_or_none()
        if stored is None:
            row = {"key": SCHEMA_VERSION_KEY, "value": str(SCHEMA_VERSION)}
            conn.execute(schema_info_table.insert(), row)
            return

    if stored != str(SCHEMA_VERSION):
        raise StoreError(
            f"The evidence store at {location} has schema version {stored}, but this version "
            f"of ringfence reads schema version {SCHEMA_VERSION}. Use a ringfence version "
            "that matches the store, or open a new store file."
        )


def _write_options(batch_size: int, compress_level: int) -> WriteOptions:
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if not 0 <= compress_level <= 9:
        raise ValueError(f"compress_level must be between 0 and 9, got {compress_level}")
    return WriteOptions(_utc_now(), batch_size, compress_level)


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
