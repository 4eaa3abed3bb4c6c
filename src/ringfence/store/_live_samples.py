"""`LiveStaging`: keeps each finished sample of a live run until the whole run is stored.

Finished samples are written in short transactions, one sample or a batch at a time: each
transcript goes into the shared, content-addressed `transcripts` table and a row into
`live_samples`. A rerun of a killed run reads those rows back and runs only the samples that
have none. `clear` deletes the rows once the run is stored with `RunWriter`; the transcripts
stay, shared with that run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
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

_IDS_PER_STATEMENT = 500
"""Sample ids bound in one statement, well under every database's parameter limit."""


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
        return self.stage_many([(transcript, position)]) == 1

    def stage_many(self, samples: Sequence[tuple[Transcript, int]]) -> int:
        """Store finished samples (transcript, run position) in one transaction.

        Samples staged before are left as they are. Returns how many were new.
        """
        if not samples:
            return 0
        by_id = {transcript.sample_id: (transcript, position) for transcript, position in samples}
        staged_at = datetime.now(UTC).isoformat()
        operation = f"Staging {len(by_id)} samples of live run {self._run_id}"
        try:
            with self._store.writing(operation) as conn:
                query = select(live_samples.c.sample_id).where(
                    live_samples.c.run_id == self._run_id,
                    live_samples.c.sample_id.in_(list(by_id)),
                )
                before = set(conn.scalars(query))
                new = [by_id[sample_id] for sample_id in by_id if sample_id not in before]
                canonical = [canonicalize(transcript) for transcript, _ in new]
                insert_new_transcripts(conn, canonical, DEFAULT_COMPRESS_LEVEL)
                rows = [
                    {
                        "run_id": self._run_id,
                        "sample_id": transcript.sample_id,
                        "position": position,
                        "transcript_sha256": blob.sha256,
                        "error": transcript.error,
                        "staged_at": staged_at,
                    }
                    for (transcript, position), blob in zip(new, canonical, strict=True)
                ]
                if rows:
                    conn.execute(live_samples.insert(), rows)
        except StoreError as exc:
            if not isinstance(exc.__cause__, IntegrityError):
                raise
            # Another process staged one of these samples between the check and the insert.
            logger.info("Samples of run %s were staged by another process", self._run_id)
            if len(samples) == 1:
                return 0
            return sum(self.stage_many([sample]) for sample in samples)
        for sample_id in before:
            logger.info("Sample %s of run %s was already staged", sample_id, self._run_id)
        return len(rows)

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
            yield self.load(staged)

    def load(self, staged: StagedSample) -> Transcript:
        """Read the transcript of one staged sample."""
        with self._store.reading(f"Reading transcript {staged.transcript_sha256}") as conn:
            transcript = _load.load_transcript(conn, staged.transcript_sha256)
        if transcript is None:
            raise StoreError(
                f"Staged sample {staged.sample_id} of run {self._run_id} points to "
                f"transcript {staged.transcript_sha256}, which is missing. Delete the "
                "run's staged samples and run it again."
            )
        return transcript

    def discard(self, sample_ids: Sequence[str]) -> int:
        """Delete the staged rows of `sample_ids`, so they are played again; return how many."""
        ids = list(sample_ids)
        deleted = 0
        with self._store.writing(f"Discarding staged samples of run {self._run_id}") as conn:
            for start in range(0, len(ids), _IDS_PER_STATEMENT):
                chunk = ids[start : start + _IDS_PER_STATEMENT]
                statement = delete(live_samples).where(
                    live_samples.c.run_id == self._run_id, live_samples.c.sample_id.in_(chunk)
                )
                deleted += conn.execute(statement).rowcount
        return deleted

    def clear(self) -> int:
        """Delete the run's staged rows, and return how many there were."""
        statement = delete(live_samples).where(live_samples.c.run_id == self._run_id)
        with self._store.writing(f"Clearing the staged samples of run {self._run_id}") as conn:
            return conn.execute(statement).rowcount
