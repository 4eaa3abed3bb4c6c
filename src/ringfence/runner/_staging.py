"""`StagingQueue`: stages finished samples in the evidence store without stalling the run.

Samples are written from a worker thread, in batches: while one batch is being written, the
samples that finish meanwhile wait and form the next one. A busy run thus writes a few larger
transactions instead of one per sample, and a quiet run still writes each sample soon after it
finishes. A sample counts as finished for resume only once its batch is committed, so a killed
run loses at most the samples of the batch in flight, which the rerun plays again.
"""

from __future__ import annotations

import asyncio

from ringfence.errors import StoreError
from ringfence.store._live_samples import LiveStaging
from ringfence.transcript import Transcript

MAX_BATCH = 256
"""Most samples written in one transaction."""
RETRY_WAITS_S = (0.5, 2.0)
"""Waits before writing a failed batch again, for a store that is busy for a moment."""


class StagingQueue:
    """Finished samples waiting to be staged, and the task that writes them."""

    def __init__(self, staging: LiveStaging) -> None:
        """Queue samples for `staging`; call `start` inside the event loop before `put`."""
        self._staging = staging
        self._pending: list[tuple[Transcript, int]] = []
        self._wake = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self.written = 0
        """Samples newly staged so far."""

    def start(self) -> None:
        """Start the writing task."""
        self._task = asyncio.create_task(self._drain())

    def put(self, transcript: Transcript, position: int) -> None:
        """Queue one finished sample; raises the error of a failed earlier write."""
        if self._task is None:
            raise RuntimeError("StagingQueue.put called before start")
        if self._task.done():
            self._task.result()
        self._pending.append((transcript, position))
        self._wake.set()

    async def close(self) -> None:
        """Write every queued sample, then stop; raises the error of a failed write."""
        if self._task is None:
            return
        self._closing = True
        self._wake.set()
        await self._task

    async def _drain(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = self._pending[:MAX_BATCH]
                self.written += await self._write(batch)
                del self._pending[: len(batch)]
            if self._closing:
                return

    async def _write(self, batch: list[tuple[Transcript, int]]) -> int:
        for wait_s in RETRY_WAITS_S:
            try:
                return await asyncio.to_thread(self._staging.stage_many, batch)
            except StoreError:
                await asyncio.sleep(wait_s)
        try:
            return await asyncio.to_thread(self._staging.stage_many, batch)
        except StoreError as exc:
            lost = len(self._pending)
            raise StoreError(
                f"{exc} {lost} finished samples could not be staged; the same command plays "
                "them again when it resumes the run."
            ) from exc
