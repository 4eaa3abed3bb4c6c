"""The staging queue writes finished samples in batches and survives a store busy for a moment."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from ringfence.errors import StoreError
from ringfence.runner import _staging
from ringfence.runner._staging import StagingQueue
from ringfence.transcript import Provenance, Transcript


def _transcript(number: int) -> Transcript:
    message = {"index": 0, "role": "user", "content": "hi", "provenance": Provenance.USER}
    return Transcript.model_validate({"sample_id": f"s{number}", "messages": [message]})


class _FlakyStaging:
    """Fails the first `failures` writes, then stages every batch it gets."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.batches: list[list[str]] = []

    def stage_many(self, samples: list[tuple[Transcript, int]]) -> int:
        if self.failures:
            self.failures -= 1
            raise StoreError("database is locked.")
        self.batches.append([t.sample_id for t, _ in samples])
        return len(samples)


async def _stage(staging: Any, count: int) -> StagingQueue:
    queue = StagingQueue(staging)
    queue.start()
    for number in range(count):
        queue.put(_transcript(number), number)
    await queue.close()
    return queue


@pytest.fixture(autouse=True)
def _no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_staging, "RETRY_WAITS_S", (0.0, 0.0))


def test_busy_store_is_written_again() -> None:
    staging = _FlakyStaging(failures=2)
    queue = asyncio.run(_stage(staging, 5))
    assert queue.written == 5
    assert sorted(sum(staging.batches, [])) == [f"s{n}" for n in range(5)]


def test_failed_store_names_the_samples_lost() -> None:
    staging = _FlakyStaging(failures=10)
    with pytest.raises(StoreError, match="5 finished samples could not be staged"):
        asyncio.run(_stage(staging, 5))
    assert staging.batches == []


class _SlowStaging(_FlakyStaging):
    """Stages batches slowly, so samples keep arriving while a batch is written."""

    def stage_many(self, samples: list[tuple[Transcript, int]]) -> int:
        time.sleep(0.01)
        return super().stage_many(samples)


def test_samples_arriving_during_a_write_are_kept() -> None:
    async def produce(staging: _SlowStaging) -> StagingQueue:
        queue = StagingQueue(staging)
        queue.start()
        for number in range(40):
            queue.put(_transcript(number), number)
            await asyncio.sleep(0.001)
        await queue.close()
        return queue

    staging = _SlowStaging(failures=0)
    queue = asyncio.run(produce(staging))
    assert queue.written == 40
    assert sorted(sum(staging.batches, []), key=lambda s: int(s[1:])) == [
        f"s{n}" for n in range(40)
    ]
    assert len(staging.batches) < 40
