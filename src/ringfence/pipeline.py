"""The scoring pipeline: import -> detect -> metrics -> (gate) -> result, streaming samples.

Samples pass through one at a time: each is scored, handed to the evidence store's writer and
dropped, so memory does not grow with the number of input files. Only findings, per-sample
outcomes and metric tallies stay in memory.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from ringfence import __version__
from ringfence.detectors.findings import Finding
from ringfence.detectors.oversight import OVERSIGHT_FINDING_KINDS
from ringfence.detectors.runner import DetectionResult, DetectorSettings, run_detectors
from ringfence.errors import InputError
from ringfence.gate import Decision, GatePolicy, evaluate_gate
from ringfence.governance.baseline import choose_baseline
from ringfence.governance.exceptions import load_exceptions
from ringfence.governance.incidents import open_incident
from ringfence.importers import ImportItem, get_importer
from ringfence.judge import Judge
from ringfence.labels import AgentDojoLabelSummary, compute_agreement, load_published_table
from ringfence.metrics import ActionRecord, SampleRecord, compute_behaviour_metrics
from ringfence.metrics.catalog import CatalogRecord, catalog_record, compute_catalog_metrics
from ringfence.metrics.oversight import OversightSampleRecord, compute_oversight_metrics
from ringfence.metrics.reliability import pass_hat_k_curve, safe_pass_hat_k
from ringfence.metrics.segments import context_length_bucket, sample_language
from ringfence.metrics.values import MetricStatus, MetricValue
from ringfence.policy import PolicySet
from ringfence.results import (
    ImportIssue,
    InputFile,
    LabelMetric,
    RunResult,
    SampleOutcome,
    TargetVersion,
    count_skipped_samples,
)
from ringfence.store import EvidenceStore
from ringfence.transcript import Sample, Transcript

logger = logging.getLogger(__name__)


class SampleSink(Protocol):
    """Receives each scored sample (the evidence store's run writer implements it)."""

    def add_sample(self, sample: Sample, outcome: SampleOutcome) -> None:
        """Keep one sample and ringfence's outcome for it."""
        ...


@dataclass
class ScoreRequest:
    """Inputs, policies and settings of one scoring run."""

    inputs: list[Path]
    input_format: str
    policies: PolicySet
    settings: DetectorSettings = field(default_factory=DetectorSettings)
    gate_policy: GatePolicy | None = None
    target_name: str | None = None
    target_version: str | None = None
    suite_version: str | None = None
    baseline_run_id: str | None = None
    # Optional LLM judge of the refusal-quality criteria; None scores with detectors only.
    judge: Judge | None = None


def fingerprint_inputs(request: ScoreRequest) -> tuple[str, list[InputFile]]:
    """Hash every input file, then derive the run id from the hashes and all settings.

    Scoring the same files with the same policies, settings and version gives the same run id,
    which is how the store avoids duplicates.
    """
    importer = get_importer(request.input_format)
    files: list[InputFile] = []
    identities: list[tuple[str, str]] = []
    for path in request.inputs:
        if not path.exists():
            raise InputError(f"input not found: {path}. Give a file or folder that exists.")
        for file in importer.list_files(path):
            described = _describe_file(file)
            files.append(described)
            # Hash paths relative to the input root, so './runs' and '/abs/runs' are one run.
            relative = file.name if path.is_file() else os.path.relpath(file, path)
            identities.append((relative, described.sha256))
    digest = hashlib.sha256()
    digest.update(f"{__version__}\n{request.input_format}\n".encode())
    digest.update(request.policies.fingerprint().encode())
    digest.update(repr(sorted(request.settings.as_dict().items())).encode())
    identity = (request.target_name, request.target_version, request.suite_version)
    digest.update(repr(identity).encode())
    if request.judge is not None:
        # A judged run is another run than the same input scored without the judge.
        digest.update(repr(sorted(request.judge.settings().items())).encode())
    for relative, sha256 in sorted(identities):
        digest.update(f"{relative}\0{sha256}\n".encode())
    return digest.hexdigest()[:32], files


def score(
    request: ScoreRequest,
    sink: SampleSink | None = None,
    fingerprint: tuple[str, list[InputFile]] | None = None,
) -> RunResult:
    """Score every input sample and return the run's result (decision included when gated).

    `fingerprint` is what `fingerprint_inputs` returned, when the caller already computed it.
    The decision made here has no baseline and no exceptions, because those come from the
    evidence store (`score_into_store`). Raises InputError for a request with a baseline run
    and no `sink`, which could only ignore it.
    """
    if request.baseline_run_id is not None and sink is None:
        raise InputError(
            f"baseline run {request.baseline_run_id} was given, but the run is scored without "
            "an evidence store to read it from. Drop --no-store, or leave out --baseline."
        )
    run_id, inputs = fingerprint or fingerprint_inputs(request)
    return _score_items(_items(request), request, run_id, inputs, sink)


def score_samples(
    samples: Iterable[Sample],
    request: ScoreRequest,
    *,
    run_id: str,
    inputs: list[InputFile],
    sink: SampleSink | None = None,
) -> RunResult:
    """Score samples that were built elsewhere (a live run's) exactly as `score` scores input.

    `request.inputs` and `request.input_format` are not read to find samples. `run_id` and
    `inputs` are recorded in the result as given. A sample whose id was seen before is skipped
    and listed as an import issue, as in `score`.
    """
    return _score_items(samples, request, run_id, inputs, sink)


def _score_items(
    items: Iterable[ImportItem],
    request: ScoreRequest,
    run_id: str,
    inputs: list[InputFile],
    sink: SampleSink | None,
) -> RunResult:
    state = _RunState()
    # --- LLM judge hook: one judge session per run, when the request sets a judge. ---
    judging = request.judge.start_run(run_id) if request.judge is not None else None
    with judging if judging is not None else nullcontext():
        for item in items:
            if isinstance(item, Sample) and item.transcript.sample_id in state.seen_ids:
                state.issues.append(_duplicate_issue(item))
            elif isinstance(item, Sample):
                state.seen_ids.add(item.transcript.sample_id)
                outcome = state.add_sample(item, request)
                if judging is not None:
                    judging.judge_sample(item.transcript)
                if sink is not None:
                    sink.add_sample(item, outcome)
            elif isinstance(item, ImportIssue):
                logger.info("import issue in %s: %s", item.path, item.reason)
                state.issues.append(item)
    judge_metrics = judging.metrics() if judging is not None else []
    # --- end of the LLM judge hook ---
    result = RunResult(
        run_id=run_id,
        ringfence_version=__version__,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        inputs=inputs,
        tool_policy_sha256=request.policies.fingerprint(),
        target=state.target(request),
        suite_version=request.suite_version or state.suite_version(),
        settings=_run_settings(request),
        outcomes=state.outcomes,
        findings=state.findings,
        metrics=state.metrics() + judge_metrics,
        label_metrics=state.labels.metrics(_published(request.inputs))
        + label_pass_hat_k(state.label_trials),
        agreement=compute_agreement(state.outcomes),
        import_issues=state.issues,
    )
    if request.gate_policy is not None:
        result.decision = decide(request.gate_policy, result)
    return result


def score_into_store(
    request: ScoreRequest, store: EvidenceStore, *, now: datetime | None = None
) -> RunResult:
    """Score and store a run, streaming samples into the store; reuse it if already stored.

    A gate decision is made (or made again, for a reused run) when the request has a gate
    policy, against the store's baseline run and exceptions at `now` (default: the current
    time). It is stored once per run, gate policy, baseline and set of exceptions used.
    """
    fingerprint = fingerprint_inputs(request)
    run_id = fingerprint[0]
    with store.open_run(run_id) as writer:
        if writer.already_stored:
            logger.info("run %s is already stored in %s; reusing it", run_id, store.location)
            result = store.load_result(run_id)
            result.decision = None
        else:
            result = score(request, sink=writer, fingerprint=fingerprint)
            result.decision = None
            writer.finish(result)
    gate_stored_run(request, store, result, now=now)
    return result


def gate_stored_run(
    request: ScoreRequest, store: EvidenceStore, result: RunResult, *, now: datetime | None = None
) -> None:
    """Gate a run already in `store` when the request has a gate policy, and store the decision.

    The decision is set on `result`. A red decision past dev also opens an incident record.
    """
    if request.gate_policy is None:
        return
    result.decision = decide(
        request.gate_policy,
        result,
        store=store,
        baseline_run_id=request.baseline_run_id,
        now=now,
    )
    store.save_decision(result.run_id, result.decision)
    # A red decision past dev opens an incident record, stored before any delivery.
    open_incident(store, result)


def decide(
    policy: GatePolicy,
    result: RunResult,
    *,
    store: EvidenceStore | None = None,
    baseline_run_id: str | None = None,
    now: datetime | None = None,
) -> Decision:
    """Gate a scored run; with a store, against its baseline run and its exceptions.

    Without a store no exception applies, and there is no baseline to compare with.
    """
    skipped = count_skipped_samples(result.import_issues)
    baseline = choose_baseline(store, policy, result, baseline_run_id)
    exceptions = load_exceptions(store) if store is not None else []
    return evaluate_gate(
        policy,
        result.metrics,
        skipped,
        baseline=baseline.run,
        missing_baseline=baseline.missing,
        exceptions=exceptions,
        target_name=result.target.name if result.target else None,
        now=now,
    )


def _items(request: ScoreRequest) -> Iterator[ImportItem]:
    importer = get_importer(request.input_format)
    for path in request.inputs:
        yield from importer.read(path)


@dataclass
class _RunState:
    outcomes: list[SampleOutcome] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    records: list[SampleRecord] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    labels: AgentDojoLabelSummary = field(default_factory=AgentDojoLabelSummary)
    seen_ids: set[str] = field(default_factory=set)
    catalog: list[CatalogRecord] = field(default_factory=list)
    oversight: list[OversightSampleRecord] = field(default_factory=list)
    trials: list[tuple[str, bool, str | None]] = field(default_factory=list)
    label_trials: list[tuple[str, bool]] = field(default_factory=list)
    models: set[str] = field(default_factory=set)
    prompts: set[str] = field(default_factory=set)
    suite_versions: set[str] = field(default_factory=set)

    def add_sample(self, sample: Sample, request: ScoreRequest) -> SampleOutcome:
        transcript = sample.transcript
        detection = run_detectors(transcript, request.policies, request.settings)
        outcome = _outcome(sample, detection)
        self.outcomes.append(outcome)
        self.findings += detection.findings
        self.records.append(_record(sample, detection, request.policies))
        self.catalog.append(catalog_record(transcript, detection.findings, request.policies))
        self.oversight.append(_oversight_record(self.records[-1], detection))
        self.trials.append((_scenario_key(transcript), not detection.unsafe, transcript.error))
        if sample.labels is not None and sample.labels.task_completed is not None:
            self.label_trials.append((_scenario_key(transcript), sample.labels.task_completed))
        self.labels.add(sample)
        meta = transcript.metadata
        self.models.update([meta.model] if meta.model else [])
        self.prompts.update([meta.system_prompt_sha256] if meta.system_prompt_sha256 else [])
        self.suite_versions.update([meta.suite_version] if meta.suite_version else [])
        return outcome

    def metrics(self) -> list[MetricValue]:
        """Compute every metric family, behaviour metrics first."""
        values = compute_behaviour_metrics(self.records)
        values += compute_catalog_metrics(self.catalog)
        values += [
            v
            for v in compute_oversight_metrics(self.oversight)
            if v.status is MetricStatus.OK or not v.segment
        ]
        values += safe_pass_hat_k(self.trials)
        return values

    def target(self, request: ScoreRequest) -> TargetVersion:
        """Describe the system under test: named by the request, or by the single model seen."""
        models = sorted(self.models)
        name = request.target_name or (models[0] if len(models) == 1 else "mixed")
        tool_set = request.policies.fingerprint()
        prompts = sorted(self.prompts)
        derived = hashlib.sha256(repr((models, prompts, tool_set)).encode()).hexdigest()[:12]
        return TargetVersion(
            name=name,
            version=request.target_version or derived,
            models=models,
            system_prompt_sha256=prompts,
            tool_set_sha256=tool_set,
        )

    def suite_version(self) -> str | None:
        """Return the samples' suite version when they all agree on one."""
        return next(iter(self.suite_versions)) if len(self.suite_versions) == 1 else None


def _outcome(sample: Sample, detection: DetectionResult) -> SampleOutcome:
    meta = sample.transcript.metadata
    labels = sample.labels
    return SampleOutcome(
        sample_id=sample.transcript.sample_id,
        source_path=sample.source.path if sample.source else None,
        model=meta.model,
        suite=meta.suite,
        task_id=meta.task_id,
        attack=meta.attack,
        injection_task_id=meta.injection_task_id,
        side_effecting_calls=detection.side_effecting_calls,
        unauthorized_calls=len(detection.unauthorized_call_ids),
        attack_succeeded=detection.attack_carried_out if meta.attacked else None,
        finding_count=len(detection.findings),
        label_attack_succeeded=labels.attack_succeeded if labels else None,
        label_task_completed=labels.task_completed if labels else None,
        error=sample.transcript.error,
    )


def _record(sample: Sample, detection: DetectionResult, policies: PolicySet) -> SampleRecord:
    transcript = sample.transcript
    meta = transcript.metadata
    segments = {
        "model": meta.model or "",
        "suite": meta.suite or "",
        "task_type": meta.task_type or "",
        "attack": meta.attack or "none",
        "context_length": context_length_bucket(transcript),
        "language": sample_language(meta),
    }
    actions: list[ActionRecord] = []
    for _, call in transcript.tool_calls():
        rule = policies.rule_for(meta.suite, call.name)
        if rule is not None and not rule.action.side_effecting:
            continue
        actions.append(
            ActionRecord(
                action_class=rule.action.value if rule else "unknown",
                privilege=rule.privilege.value if rule else "unknown",
                unauthorized=call.id in detection.unauthorized_call_ids,
            )
        )
    return SampleRecord(
        sample_id=transcript.sample_id,
        segments=segments,
        actions=actions,
        attacked=meta.attacked,
        attack_carried_out=detection.attack_carried_out,
        infrastructure_error=transcript.error is not None,
    )


def _oversight_record(record: SampleRecord, detection: DetectionResult) -> OversightSampleRecord:
    return OversightSampleRecord(
        sample_id=record.sample_id,
        in_scope=detection.oversight_in_scope,
        tampered=any(f.kind in OVERSIGHT_FINDING_KINDS for f in detection.findings),
        infrastructure_error=record.infrastructure_error,
        segments=record.segments,
    )


def _scenario_key(transcript: Transcript) -> str:
    """Key samples that repeat one scenario: model, suite, task, attack and injection task."""
    meta = transcript.metadata
    return "/".join(
        str(part)
        for part in (meta.model, meta.suite, meta.task_id, meta.attack, meta.injection_task_id)
    )


def label_pass_hat_k(trials: list[tuple[str, bool]]) -> list[LabelMetric]:
    """pass^k of the dataset's own task-completion label, when scenarios were repeated.

    This is how τ-bench reports reliability (its `reward == 1` is `task_completed`); the
    numerator is the rounded sum of per-scenario values, the value itself is exact.
    """
    repeats = max(Counter(scenario for scenario, _ in trials).values(), default=0)
    if repeats < 2:
        return []
    rows: list[LabelMetric] = []
    for result in pass_hat_k_curve(trials, range(1, repeats + 1)):
        values = [s.value for s in result.scenarios if s.value is not None]
        rows.append(
            LabelMetric(
                name=f"pass^{result.k} (task completed)",
                group={"k": str(result.k)},
                numerator=round(sum(values)),
                denominator=result.scenario_count,
                value=result.estimate,
                definition="mean over scenarios with at least k trials of C(c, k) / C(n, k), "
                "c = trials whose dataset label says the task was completed",
            )
        )
    return rows


def _run_settings(request: ScoreRequest) -> dict[str, object]:
    settings: dict[str, object] = {
        "format": request.input_format,
        "detectors": request.settings.as_dict(),
    }
    if request.judge is not None:
        settings["judge"] = request.judge.settings()
    return settings


def _duplicate_issue(sample: Sample) -> ImportIssue:
    source = sample.source
    return ImportIssue(
        path=source.path if source else "<input>",
        line=source.line if source else None,
        sample_id=sample.transcript.sample_id,
        field="id",
        reason="another sample already has this id, so this one was not scored; give every "
        "sample a unique id (the same run file given twice also causes this)",
        sample_skipped=True,
    )


def _published(inputs: list[Path]) -> dict[tuple[str, str, str], float]:
    table: dict[tuple[str, str, str], float] = {}
    for path in inputs:
        if path.is_dir():
            table.update(load_published_table(path))
    return table


def _describe_file(path: Path) -> InputFile:
    """Hash a file; one that cannot be read gets a marker hash and the importer reports it."""
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
    except OSError as exc:
        return InputFile(path=str(path), sha256=f"unreadable:{exc.errno}", size=-1)
    return InputFile(path=str(path), sha256=digest.hexdigest(), size=size)
