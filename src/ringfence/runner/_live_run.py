"""`run_live`: play a suite against a target and score it like a recorded run.

Samples are played concurrently, up to `RunSettings.concurrency` at a time. With an evidence
store, each finished sample is staged (`LiveStaging`, through `StagingQueue`) soon after it
finishes, so a killed run keeps it. A rerun with the same suite, target and settings has the
same run id, reuses the staged samples and plays only the missing ones, and again the ones that
ended with an infrastructure error (unless `RunSettings.retry_errors` is off). Once every
sample is finished, all of them are scored in run order by the same pipeline as recorded runs
and stored as a normal run, and the staged rows are deleted. A run that is already stored is
reused without playing anything.

The transcripts played in this process are kept in memory for scoring, up to
`KEPT_TRANSCRIPT_BYTES` of text; the rest, and those of an earlier process, are read back from
the store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

from ringfence.pipeline import SampleSink, gate_stored_run, score_samples
from ringfence.results import RunResult
from ringfence.runner._plan import LIVE_FORMAT, LiveRunRequest, PlannedSample, RunPlan, plan_run
from ringfence.runner._progress import NoProgress, ProgressDisplay
from ringfence.runner._sample import play_sample
from ringfence.runner._staging import StagingQueue
from ringfence.store import EvidenceStore
from ringfence.store._live_samples import LiveStaging
from ringfence.targets import Target, create_target
from ringfence.transcript import Sample, Transcript

logger = logging.getLogger(__name__)

KEPT_TRANSCRIPT_BYTES = 256 * 2**20
"""Text of the transcripts kept in memory between playing and scoring; more is read back."""


def run_live(
    request: LiveRunRequest,
    store: EvidenceStore | None = None,
    *,
    target: Target | None = None,
    progress: ProgressDisplay | None = None,
) -> RunResult:
    """Play, score and (with a store) store and gate a live run; return its result.

    `target` replaces the one `request.target` describes (for callers that build their own).
    Raises ConfigError for an invalid target configuration and StoreError when the store fails;
    target failures end single samples and are counted as infrastructure errors.
    """
    plan = plan_run(request)
    if store is None:
        transcripts = asyncio.run(_play(request, plan, set(), target, progress, None))
        return _score(request, plan, _in_order(plan, transcripts), None)
    if store.get_run(plan.run_id) is not None:
        logger.warning(
            "Run %s is already stored in %s: reusing it without calling the target, so "
            "samples that failed in it stay failed. To play it again, give it another "
            "--target-version.",
            plan.run_id,
            store.location,
        )
        result = store.load_result(plan.run_id)
        result.decision = None
    else:
        result = _run_staged(request, plan, store, target, progress)
    LiveStaging(store, plan.run_id).clear()
    gate_stored_run(request.scoring, store, result)
    return result


def _run_staged(
    request: LiveRunRequest,
    plan: RunPlan,
    store: EvidenceStore,
    target: Target | None,
    progress: ProgressDisplay | None,
) -> RunResult:
    staging = LiveStaging(store, plan.run_id)
    staged = {s.sample_id: s for s in staging.staged()}
    failed = [s.sample_id for s in staged.values() if s.error is not None]
    if failed and request.settings.retry_errors:
        logger.info(
            "Playing again %d samples of run %s that ended with an infrastructure error",
            len(failed),
            plan.run_id,
        )
        staging.discard(failed)
        for sample_id in failed:
            del staged[sample_id]
    if staged:
        logger.info(
            "Resuming run %s: %d of %d samples already finished",
            plan.run_id,
            len(staged),
            len(plan.samples),
        )
    kept = asyncio.run(_play(request, plan, set(staged), target, progress, staging))
    with store.open_run(plan.run_id) as writer:
        if writer.already_stored:
            return store.load_result(plan.run_id)
        samples = _staged_in_order(plan, staging, kept)
        result = _score(request, plan, samples, writer)
        result.decision = None
        writer.finish(result)
    return result


async def _play(
    request: LiveRunRequest,
    plan: RunPlan,
    finished: set[str],
    target: Target | None,
    progress: ProgressDisplay | None,
    staging: LiveStaging | None,
) -> dict[str, Transcript]:
    """Play the samples not in `finished`; return the transcripts kept for scoring.

    Without `staging` every transcript is kept; with it, they are kept up to
    `KEPT_TRANSCRIPT_BYTES` of text.
    """
    pending = [p for p in plan.samples if p.sample_id not in finished]
    display = progress or NoProgress()
    display.start(len(plan.samples), len(plan.samples) - len(pending))
    kept: dict[str, Transcript] = {}
    if not pending:
        display.close()
        return kept
    active = target or create_target(request.target)
    limit = asyncio.Semaphore(request.settings.concurrency)
    queue = StagingQueue(staging) if staging is not None else None
    budget = KEPT_TRANSCRIPT_BYTES

    async def run_one(planned: PlannedSample) -> None:
        nonlocal budget
        async with limit:
            transcript = await play_sample(
                planned.scenario, request.suite, active, request.settings, planned.epoch
            )
        if queue is not None:
            queue.put(transcript, planned.position)
            size = _text_size(transcript)
            if size <= budget:
                budget -= size
                kept[transcript.sample_id] = transcript
        else:
            kept[transcript.sample_id] = transcript
        display.sample_finished(transcript.sample_id, transcript.error)

    if queue is not None:
        queue.start()
    try:
        await asyncio.gather(*(run_one(p) for p in pending))
    finally:
        display.close()
        try:
            if queue is not None:
                # Even after a failure, what finished is written, so a rerun keeps it.
                await queue.close()
        finally:
            if target is None:
                await active.aclose()
    return kept


def _text_size(transcript: Transcript) -> int:
    """Rough size of a transcript in memory: its message text plus a fixed share per item."""
    size = 2048 + 256 * len(transcript.events)
    for message in transcript.messages:
        size += 256 + len(message.content or "")
        for call in message.tool_calls:
            size += 256 + len(call.arguments_raw)
    return size


def _staged_in_order(
    plan: RunPlan, staging: LiveStaging, kept: dict[str, Transcript]
) -> Iterator[Sample]:
    """Yield every staged sample in run order, from memory when kept, else from the store."""
    sources = {p.sample_id: p.source for p in plan.samples}
    for staged in staging.staged():
        transcript = kept.pop(staged.sample_id, None) or staging.load(staged)
        yield Sample(transcript=transcript, source=sources.get(transcript.sample_id))


def _in_order(plan: RunPlan, transcripts: dict[str, Transcript]) -> Iterator[Sample]:
    for planned in plan.samples:
        yield Sample(transcript=transcripts[planned.sample_id], source=planned.source)


def _score(
    request: LiveRunRequest,
    plan: RunPlan,
    samples: Iterator[Sample],
    sink: SampleSink | None,
) -> RunResult:
    scoring = request.scoring
    scoring.input_format = LIVE_FORMAT
    result = score_samples(
        samples,
        scoring,
        run_id=plan.run_id,
        inputs=plan.inputs,
        sink=sink,
    )
    result.settings["live"] = {
        "target": request.target.identity(),
        "run": request.settings.model_dump(mode="json"),
    }
    return result
