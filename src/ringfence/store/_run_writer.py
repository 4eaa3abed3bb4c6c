"""`RunWriter`: writes one run into the store as its samples arrive, inside one transaction.

Samples are buffered and written in batches, so memory contains one batch of transcripts at
a time, however many samples the run has. The run's findings, metric values and summary are
written by `finish`, once scoring is done. The transaction belongs to
`EvidenceStore.open_run`, which commits it only after `finish`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Table, update
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
from ringfence.store._transcripts import canonicalize, insert_new_transcripts
from ringfence.transcript import Sample

# Findings and metric values are already in memory. Slicing them only keeps each
# executemany call, and the driver's parameter buffer, at a moderate size.
_ROW_BATCH_SIZE = 5000


class AlreadyStored(Exception):
    """Internal signal: the row to insert exists, so the transaction must roll back."""


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """Batch size, compression level and row time stamp for a `RunWriter`."""

    stored_at: str
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

    def __init__(self, run_id: str, conn: Connection | None, options: WriteOptions) -> None:
        """Wrap an open transaction, or None for a run that is already stored."""
        self._run_id = run_id
        self._conn = conn
        self._options = options
        self._batch: list[tuple[Sample, SampleOutcome | None]] = []
        # Ids of every sample added, kept to reject duplicates with a clear message and to
        # find the outcomes in `finish` that came without a sample.
        self._sample_ids: set[str] = set()
        self._new_transcript_count = 0
        self._summary: WriteSummary | None = None

    @classmethod
    def start(cls, conn: Connection, run_id: str, options: WriteOptions) -> RunWriter:
        """Insert the run's placeholder row. Raise `AlreadyStored` when the id is taken."""
        try:
            conn.execute(runs.insert(), _rows.placeholder_run_row(run_id, options.stored_at))
        except IntegrityError as error:
            # Another writer stored the same run after the caller checked for it.
            raise AlreadyStored(run_id) from error
        return cls(run_id, conn, options)

    @property
    def run_id(self) -> str:
        """Id of the run being written."""
        return self._run_id

    @property
    def already_stored(self) -> bool:
        """True when the run was in the store before, so this writer writes nothing."""
        return self._conn is None

    @property
    def summary(self) -> WriteSummary | None:
        """Row counts after `finish`, or None before it."""
        return self._summary

    def add_sample(self, sample: Sample, outcome: SampleOutcome | None = None) -> None:
        """Queue a sample with ringfence's outcome for it, or with None when it was not scored.

        Raises `StoreError` when the run already has a sample with the same id.
        """
        if self._conn is None:
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
            self._flush(self._conn)

    def finish(self, result: RunResult) -> bool:
        """Write the rest of `result`, and return False when the run was stored before.

        Outcomes in `result` whose sample was never added are stored without a transcript,
        so no outcome is lost. A decision inside `result` is stored as well.
        """
        if self._conn is None:
            return False
        self._require_unfinished("finish")
        if result.run_id != self._run_id:
            raise ValueError(
                f"finish() got the result of run {result.run_id}, but this writer writes run "
                f"{self._run_id}"
            )

        conn = self._conn
        self._flush(conn)
        sample_count = len(self._sample_ids)
        sample_count += self._write_outcomes_without_sample(conn, result, sample_count)
        self._write_run_records(conn, result, sample_count)

        self._summary = WriteSummary(
            sample_count=sample_count,
            new_transcript_count=self._new_transcript_count,
            finding_count=len(result.findings),
            metric_count=len(result.metrics),
        )
        return True

    def _require_unfinished(self, method: str) -> None:
        if self._summary is not None:
            raise RuntimeError(f"{method}() was called after finish() for run {self._run_id}")

    def _flush(self, conn: Connection) -> None:
        if not self._batch:
            return

        canonical = [canonicalize(sample.transcript) for sample, _ in self._batch]
        self._new_transcript_count += insert_new_transcripts(
            conn, canonical, self._options.compress_level
        )

        # Positions continue from the samples of earlier batches.
        first_position = len(self._sample_ids) - len(self._batch)
        rows = [
            _rows.sample_row(self._run_id, first_position + offset, sample, outcome, item.sha256)
            for offset, ((sample, outcome), item) in enumerate(
                zip(self._batch, canonical, strict=True)
            )
        ]
        _insert_rows(conn, samples, rows)
        self._batch = []

    def _write_outcomes_without_sample(
        self, conn: Connection, result: RunResult, first_position: int
    ) -> int:
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

        _insert_rows(conn, samples, rows)
        return len(rows)

    def _write_run_records(self, conn: Connection, result: RunResult, sample_count: int) -> None:
        run_id = self._run_id
        _insert_rows(conn, input_files, _rows.input_file_rows(run_id, result.inputs))
        _insert_rows(conn, findings, _rows.finding_rows(run_id, result.findings))
        _insert_rows(conn, metric_values, _rows.metric_rows(run_id, result.metrics))
        _insert_rows(conn, import_issues, _rows.import_issue_rows(run_id, result.import_issues))
        if result.decision is not None:
            row = _rows.decision_row(run_id, result.decision, self._options.stored_at)
            conn.execute(decisions.insert(), row)
            append_entry(
                conn,
                kind="decision",
                subject=run_id,
                payload=_rows.decision_audit_payload(result.decision),
            )

        values = _rows.run_values(result, sample_count)
        conn.execute(update(runs).where(runs.c.run_id == run_id).values(values))


def _insert_rows(conn: Connection, table: Table, rows: Sequence[_rows.Row]) -> None:
    for batch in _rows.batched(rows, _ROW_BATCH_SIZE):
        conn.execute(table.insert(), batch)
