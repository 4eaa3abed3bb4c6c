"""`run_live`: play a suite against a target and score it like a recorded run.

Samples are played concurrently, up to `RunSettings.concurrency` at a time. With an evidence
store, each finished sample is staged (`LiveStaging`) at once, so a killed run keeps it. A rerun
with the same suite, target and settings has the same run id, reuses the staged samples and
plays only the missing ones. Once every sample is finished, all of them are scored in run order
by the same pipeline as recorded runs and stored as a normal run, and the staged rows are
deleted. A run that is already stored is reused without playing anything.
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
from ringfence.store import EvidenceStore
from ringfence.store._live_samples import LiveStaging
from ringfence.targets import Target, create_target
from ringfence.transcript import Sample, Transcript

logger = logging.getLogger(__name__)


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
        transcripts = asyncio.run(_play(request, plan, {}, target, progress, None))
        return _score(request, plan, _in_order(plan, transcripts), None)
    if store.get_run(plan.run_id) is not None:
        logger.info("Run %s is already stored in %s; reusing it", plan.run_id, store.location)
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
    staged = {s.sample_id: s.error for s in staging.staged()}
    if staged:
        logger.info(
            "Resuming run %s: %d of %d samples already finished",
            plan.run_id,
            len(staged),
            len(plan.samples),
        )
    asyncio.run(_play(request, plan, staged, target, progress, staging))
    transcripts = staging.iter_transcripts()
    with store.open_run(plan.run_id) as writer:
        if writer.already_stored:
            return store.load_result(plan.run_id)
        result = _score(request, plan, _with_sources(plan, transcripts), writer)
        result.decision = None
        writer.finish(result)
    return result


async def _play(
    request: LiveRunRequest,
    plan: RunPlan,
    finished: dict[str, str | None],
    target: Target | None,
    progress: ProgressDisplay | None,
    staging: LiveStaging | None,
) -> dict[str, Transcript]:
    pending = [p for p in plan.samples if p.sample_id not in finished]
    display = progress or NoProgress()
    display.start(len(plan.samples), len(plan.samples) - len(pending))
    played: dict[str, Transcript] = {}
    if not pending:
        display.close()
        return played
    active = target or create_target(request.target)
    limit = asyncio.Semaphore(request.settings.concurrency)

    async def run_one(planned: PlannedSample) -> None:
        async with limit:
            transcript = await play_sample(
                planned.scenario, request.suite, active, request.settings, planned.epoch
            )
        # Staging is a short synchronous write; it runs in the event loop on purpose, so
        # that a sample is stored before the next one can finish.
        if staging is not None:
            staging.stage(transcript, planned.position)
        else:
            played[transcript.sample_id] = transcript
        display.sample_finished(transcript.sample_id, transcript.error)

    try:
        await asyncio.gather(*(run_one(p) for p in pending))
    finally:
        display.close()
        if target is None:
            await active.aclose()
    return played


def _in_order(plan: RunPlan, transcripts: dict[str, Transcript]) -> Iterator[Sample]:
    for planned in plan.samples:
        yield Sample(transcript=transcripts[planned.sample_id], source=planned.source)


def _with_sources(plan: RunPlan, transcripts: Iterator[Transcript]) -> Iterator[Sample]:
    sources = {p.sample_id: p.source for p in plan.samples}
    for transcript in transcripts:
        yield Sample(transcript=transcript, source=sources.get(transcript.sample_id))


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
