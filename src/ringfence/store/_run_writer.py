"""`RunWriter`: writes one run into the store as its samples arrive.

Samples are buffered and handled in batches. The transcripts of each full batch are written in
a short transaction of their own, so memory contains one batch of transcripts at a time, however
many samples the run has, plus one small row per sample. `finish` writes the run's own rows
(the run, its samples, input files, findings, metric values, import issues and decision) in one
transaction once scoring is done, so a run is stored whole or not at all.

No transaction stays open while the caller scores, so other processes that write to the same
store wait only for these short writes. On SQLite one write lock covers the whole database. A
transaction held during scoring would make every other writer wait for the whole scoring, and
fail with 'database is locked' once that takes longer than the busy timeout.

Transcripts are content-addressed and shared between runs. Those written before a crash stay
stored without a run that uses them, and a rerun finds them and does not write them again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Table
from sqlalchemy.exc import IntegrityError

from ringfence.errors import StoreError
from ringfence.results import RunResult, SampleOutcome
from ringfence.store import _rows
from ringfence.store._audit import append_entry
from ringfence.store._schema import (
    decisions,
    findings,
    import_issues,
    input_files,
    metric_values,
    runs,
    samples,
)
from ringfence.store._transcripts import (
    CanonicalTranscript,
    canonicalize,
    insert_new_transcripts,
)
from ringfence.transcript import Sample

# Findings and metric values are already in memory. Slicing them only keeps each
# executemany call, and the driver's parameter buffer, at a moderate size.
_ROW_BATCH_SIZE = 5000

Transaction = Callable[[str], AbstractContextManager[Connection]]
"""Factory of write transactions, given the operation ("Saving run ...") for error messages."""


class AlreadyStored(Exception):
    """Internal signal: the row to insert exists, so the transaction must roll back."""


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """Batch size and compression level for a `RunWriter`."""

    sample_batch_size: int
    compress_level: int


@dataclass(frozen=True, slots=True)
class WriteSummary:
    """Row counts of a finished run, for the log line."""

    sample_count: int
    new_transcript_count: int
    finding_count: int
    metric_count: int


class RunWriter:
    """Writer of one run's rows. Its `add_sample` matches the pipeline's `SampleSink` protocol.

    Get one from `EvidenceStore.open_run`. When the run was stored before, `already_stored`
    is True, `add_sample` ignores its input and `finish` returns False.
    """

    def __init__(self, run_id: str, options: WriteOptions, transaction: Transaction | None) -> None:
        """Write through `transaction`, or write nothing when it is None (a stored run)."""
        self._run_id = run_id
        self._options = options
        self._transaction = transaction
        self._already_stored = transaction is None
        self._batch: list[tuple[Sample, SampleOutcome | None]] = []
        # Ids of every sample added, kept to reject duplicates with a clear message and to
        # find the outcomes in `finish` that came without a sample.
        self._sample_ids: set[str] = set()
        # Rows of the samples whose transcripts are written. They reference the run, so they
        # wait for `finish`, which inserts the run first.
        self._sample_rows: list[_rows.Row] = []
        self._new_transcript_count = 0
        self._summary: WriteSummary | None = None

    @property
    def run_id(self) -> str:
        """Id of the run being written."""
        return self._run_id

    @property
    def already_stored(self) -> bool:
        """True when the run was stored before this writer could store it.

        It is True from the start when the run was stored before `open_run`, and becomes True
        in `finish` when another writer stored the same run during scoring.
        """
        return self._already_stored

    @property
    def summary(self) -> WriteSummary | None:
        """Row counts after a `finish` that stored the run, or None."""
        return self._summary

    def add_sample(self, sample: Sample, outcome: SampleOutcome | None = None) -> None:
        """Queue a sample with ringfence's outcome for it, or with None when it was not scored.

        Every `batch_size` samples, the batch's transcripts are written and committed.
        Raises `StoreError` when the run already has a sample with the same id, or when
        writing the batch fails.
        """
        if self._already_stored:
            return
        self._require_unfinished("add_sample")

        sample_id = sample.transcript.sample_id
        if sample_id in self._sample_ids:
            raise StoreError(
                f"Run {self._run_id} contains sample '{sample_id}' more than once. "
                "Sample ids must be unique within a run, so fix the importer or the input."
            )
        self._sample_ids.add(sample_id)

        self._batch.append((sample, outcome))
        if len(self._batch) >= self._options.sample_batch_size:
            canonical = self._canonical_batch()
            with self._open_transaction(f"Saving the transcripts of run {self._run_id}") as conn:
                self._flush(conn, canonical)

    def finish(self, result: RunResult) -> bool:
        """Write the rest of `result` in one transaction, and return whether the run was new.

        Returns False, writing no run rows, when the run was stored before `open_run` or by
        another writer since. Outcomes in `result` whose sample was never added are stored
        without a transcript, so no outcome is lost. A decision inside `result` is stored too.
        """
        if self._already_stored:
            return False
        self._require_unfinished("finish")
        if result.run_id != self._run_id:
            raise ValueError(
                f"finish() got the result of run {result.run_id}, but this writer writes run "
                f"{self._run_id}"
            )

        outcome_rows = self._outcome_only_rows(result)
        sample_count = len(self._sample_ids) + len(outcome_rows)
        canonical = self._canonical_batch()
        stored_at = _utc_now()
        try:
            with self._open_transaction(f"Saving run {self._run_id}") as conn:
                _insert_run(conn, result, sample_count, stored_at)
                self._flush(conn, canonical)
                _insert_rows(conn, samples, self._sample_rows + outcome_rows)
                _write_run_records(conn, result, stored_at)
        except AlreadyStored:
            self._already_stored = True
            return False

        self._summary = WriteSummary(
            sample_count=sample_count,
            new_transcript_count=self._new_transcript_count,
            finding_count=len(result.findings),
            metric_count=len(result.metrics),
        )
        return True

    def _open_transaction(self, operation: str) -> AbstractContextManager[Connection]:
        if self._transaction is None:
            raise RuntimeError(f"Run {self._run_id} is already stored, so nothing is written.")
        return self._transaction(operation)

    def _require_unfinished(self, method: str) -> None:
        if self._summary is not None:
            raise RuntimeError(f"{method}() was called after finish() for run {self._run_id}")

    def _canonical_batch(self) -> list[CanonicalTranscript]:
        # Serializing and hashing happen before the write transaction, so that it holds the
        # write lock for the inserts alone.
        return [canonicalize(sample.transcript) for sample, _ in self._batch]

    def _flush(self, conn: Connection, canonical: list[CanonicalTranscript]) -> None:
        if not self._batch:
            return

        self._new_transcript_count += insert_new_transcripts(
            conn, canonical, self._options.compress_level
        )

        # Positions continue from the samples of earlier batches.
        first_position = len(self._sample_rows)
        self._sample_rows += [
            _rows.sample_row(self._run_id, first_position + offset, sample, outcome, item.sha256)
            for offset, ((sample, outcome), item) in enumerate(
                zip(self._batch, canonical, strict=True)
            )
        ]
        self._batch = []

    def _outcome_only_rows(self, result: RunResult) -> list[_rows.Row]:
        first_position = len(self._sample_ids)
        rows: list[_rows.Row] = []
        seen: set[str] = set()
        for outcome in result.outcomes:
            if outcome.sample_id in self._sample_ids:
                continue
            if outcome.sample_id in seen:
                raise StoreError(
                    f"Run {self._run_id} has two outcomes for sample '{outcome.sample_id}'. "
                    "Sample ids must be unique within a run, so fix the importer or the input."
                )
            seen.add(outcome.sample_id)
            rows.append(_rows.outcome_only_row(self._run_id, first_position + len(rows), outcome))
        return rows


def _insert_run(conn: Connection, result: RunResult, sample_count: int, stored_at: str) -> None:
    """Insert the `runs` row first, so that a run stored by another writer is found at once."""
    row = {"run_id": result.run_id, "stored_at": stored_at}
    row.update(_rows.run_values(result, sample_count))
    try:
        conn.execute(runs.insert(), row)
    except IntegrityError as error:
        # Another writer stored the same run after `open_run` checked for it. On PostgreSQL
        # this insert waited until that writer committed.
        raise AlreadyStored(result.run_id) from error


def _write_run_records(conn: Connection, result: RunResult, stored_at: str) -> None:
    run_id = result.run_id
    _insert_rows(conn, input_files, _rows.input_file_rows(run_id, result.inputs))
    _insert_rows(conn, findings, _rows.finding_rows(run_id, result.findings))
    _insert_rows(conn, metric_values, _rows.metric_rows(run_id, result.metrics))
    _insert_rows(conn, import_issues, _rows.import_issue_rows(run_id, result.import_issues))
    if result.decision is None:
        return

    conn.execute(decisions.insert(), _rows.decision_row(run_id, result.decision, stored_at))
    # The audit entry comes last: on PostgreSQL it takes a lock that serializes every append,
    # and holding it for the shortest time keeps other writers from waiting on it.
    append_entry(
        conn,
        kind="decision",
        subject=run_id,
        payload=_rows.decision_audit_payload(result.decision),
    )


def _insert_rows(conn: Connection, table: Table, rows: Sequence[_rows.Row]) -> None:
    for batch in _rows.batched(rows, _ROW_BATCH_SIZE):
        conn.execute(table.insert(), batch)


def _utc_now() -> str:
    return datetime.now(UTC).isoformat()
