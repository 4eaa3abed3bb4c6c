"""`LiveStaging`: keeps each finished sample of a live run until the whole run is stored.

Each sample is written in its own short transaction when it finishes: its transcript goes into
the shared, content-addressed `transcripts` table and a row into `live_samples`. A rerun of a
killed run reads those rows back and runs only the samples that have none. `clear` deletes the
rows once the run is stored with `RunWriter`; the transcripts stay, shared with that run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ringfence.errors import StoreError
from ringfence.store import _load
from ringfence.store._evidence_store import DEFAULT_COMPRESS_LEVEL, EvidenceStore
from ringfence.store._live_tables import live_samples
from ringfence.store._transcripts import canonicalize, insert_new_transcripts
from ringfence.transcript import Transcript

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StagedSample:
    """One staged sample of a live run, without its transcript."""

    sample_id: str
    position: int
    transcript_sha256: str
    error: str | None


class LiveStaging:
    """The staged samples of one live run in an evidence store."""

    def __init__(self, store: EvidenceStore, run_id: str) -> None:
        """Stage samples of run `run_id` in `store`."""
        self._store = store
        self._run_id = run_id

    def stage(self, transcript: Transcript, position: int) -> bool:
        """Store one finished sample and return True; False when it was staged before."""
        canonical = canonicalize(transcript)
        row = {
            "run_id": self._run_id,
            "sample_id": transcript.sample_id,
            "position": position,
            "transcript_sha256": canonical.sha256,
            "error": transcript.error,
            "staged_at": datetime.now(UTC).isoformat(),
        }
        operation = f"Staging sample {transcript.sample_id} of live run {self._run_id}"
        try:
            with self._store.writing(operation) as conn:
                insert_new_transcripts(conn, [canonical], DEFAULT_COMPRESS_LEVEL)
                conn.execute(live_samples.insert(), row)
        except StoreError as exc:
            if isinstance(exc.__cause__, IntegrityError):
                logger.info(
                    "Sample %s of run %s was already staged", row["sample_id"], self._run_id
                )
                return False
            raise
        return True

    def staged(self) -> list[StagedSample]:
        """List the staged samples of the run, in run order."""
        query = (
            select(live_samples)
            .where(live_samples.c.run_id == self._run_id)
            .order_by(live_samples.c.position, live_samples.c.sample_id)
        )
        with self._store.reading(f"Reading the staged samples of run {self._run_id}") as conn:
            rows = conn.execute(query).all()
        return [
            StagedSample(row.sample_id, row.position, row.transcript_sha256, row.error)
            for row in rows
        ]

    def iter_transcripts(self) -> Iterator[Transcript]:
        """Yield the staged transcripts in run order, one at a time."""
        for staged in self.staged():
            with self._store.reading(f"Reading transcript {staged.transcript_sha256}") as conn:
                transcript = _load.load_transcript(conn, staged.transcript_sha256)
            if transcript is None:
                raise StoreError(
                    f"Staged sample {staged.sample_id} of run {self._run_id} points to "
                    f"transcript {staged.transcript_sha256}, which is missing. Delete the "
                    "run's staged samples and run it again."
                )
            yield transcript

    def clear(self) -> int:
        """Delete the run's staged rows, and return how many there were."""
        statement = delete(live_samples).where(live_samples.c.run_id == self._run_id)
        with self._store.writing(f"Clearing the staged samples of run {self._run_id}") as conn:
            return conn.execute(statement).rowcount
