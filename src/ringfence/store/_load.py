"""Reading stored runs back into ringfence's pydantic records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel, TypeAdapter
from sqlalchemy import Connection, RowMapping, Select, Table, select

from ringfence.detectors.findings import Finding
from ringfence.gate.decision import Decision
from ringfence.metrics.values import MetricValue
from ringfence.results import (
    Agreement,
    ImportIssue,
    InputFile,
    LabelMetric,
    RunResult,
    SampleOutcome,
    TargetVersion,
)
from ringfence.store._records import StoredRun
from ringfence.store._schema import (
    decisions,
    findings,
    import_issues,
    input_files,
    metric_values,
    runs,
    samples,
    transcripts,
)
from ringfence.store._transcripts import decode_transcript
from ringfence.transcript import DatasetLabels, Sample, SourceRef, Transcript

_FINDINGS = TypeAdapter(list[Finding])
_METRICS = TypeAdapter(list[MetricValue])
_ISSUES = TypeAdapter(list[ImportIssue])
_INPUTS = TypeAdapter(list[InputFile])
_OUTCOMES = TypeAdapter(list[SampleOutcome])
_LABEL_METRICS = TypeAdapter(list[LabelMetric])
_AGREEMENT = TypeAdapter(list[Agreement])

# Rows fetched per round trip while streaming samples. It bounds memory as the write batch
# size does.
_SAMPLE_FETCH_SIZE = 256


def run_exists(conn: Connection, run_id: str) -> bool:
    """True when a run with this id is stored."""
    query = select(runs.c.run_id).where(runs.c.run_id == run_id)
    return conn.execute(query).first() is not None


def load_stored_run(conn: Connection, run_id: str) -> StoredRun | None:
    """Return the summary of one run, or None when it is not stored."""
    row = conn.execute(select(runs).where(runs.c.run_id == run_id)).mappings().first()
    if row is None:
        return None
    return _stored_run(row, load_inputs(conn, run_id))


def list_stored_runs(conn: Connection) -> list[StoredRun]:
    """Return summaries of every stored run, oldest first."""
    inputs_by_run: dict[str, list[RowMapping]] = defaultdict(list)
    all_inputs = select(input_files).order_by(input_files.c.run_id, input_files.c.position)
    for row in conn.execute(all_inputs).mappings():
        inputs_by_run[row["run_id"]].append(row)

    query = select(runs).order_by(runs.c.stored_at, runs.c.run_id)
    return [
        _stored_run(row, _INPUTS.validate_python(_fields(InputFile, inputs_by_run[row["run_id"]])))
        for row in conn.execute(query).mappings()
    ]


def load_result(conn: Connection, run_id: str) -> RunResult | None:
    """Rebuild the full `RunResult` of a run, or return None when it is not stored."""
    row = conn.execute(select(runs).where(runs.c.run_id == run_id)).mappings().first()
    if row is None:
        return None

    decision = None
    if row["decision_gate_policy_sha256"] is not None:
        decision = load_decision(conn, run_id, row["decision_gate_policy_sha256"])
    return RunResult(
        run_id=row["run_id"],
        ringfence_version=row["ringfence_version"],
        created_at=row["created_at"],
        inputs=load_inputs(conn, run_id),
        tool_policy_sha256=row["tool_policy_sha256"],
        target=TargetVersion.model_validate(row["target"]) if row["target"] else None,
        suite_version=row["suite_version"],
        settings=row["settings"],
        outcomes=load_outcomes(conn, run_id),
        findings=load_findings(conn, run_id),
        metrics=load_metrics(conn, run_id),
        label_metrics=_LABEL_METRICS.validate_python(row["label_metrics"]),
        agreement=_AGREEMENT.validate_python(row["agreement"]),
        import_issues=load_import_issues(conn, run_id),
        decision=decision,
    )


def load_inputs(conn: Connection, run_id: str) -> list[InputFile]:
    """Return the input files of a run, in their original order."""
    rows = conn.execute(_select_run_rows(input_files, run_id)).mappings()
    return _INPUTS.validate_python(_fields(InputFile, rows))


def load_outcomes(conn: Connection, run_id: str) -> list[SampleOutcome]:
    """Return the outcomes of the scored samples of a run, in their original order."""
    query = _select_run_rows(samples, run_id).where(samples.c.scored.is_(True))
    return _OUTCOMES.validate_python(_fields(SampleOutcome, conn.execute(query).mappings()))


def load_findings(conn: Connection, run_id: str, sample_id: str | None = None) -> list[Finding]:
    """Return the findings of a run, or of one of its samples, in their original order."""
    query = _select_run_rows(findings, run_id)
    if sample_id is not None:
        query = query.where(findings.c.sample_id == sample_id)
    return _FINDINGS.validate_python(_fields(Finding, conn.execute(query).mappings()))


def load_metrics(conn: Connection, run_id: str) -> list[MetricValue]:
    """Return the metric values of a run, in their original order."""
    rows = conn.execute(_select_run_rows(metric_values, run_id)).mappings()
    return _METRICS.validate_python(_fields(MetricValue, rows))


def load_import_issues(conn: Connection, run_id: str) -> list[ImportIssue]:
    """Return the import issues of a run, in their original order."""
    rows = conn.execute(_select_run_rows(import_issues, run_id)).mappings()
    return _ISSUES.validate_python(_fields(ImportIssue, rows))


def load_decision(
    conn: Connection, run_id: str, gate_policy_sha256: str, inputs_sha256: str | None = None
) -> Decision | None:
    """Return a decision of a run under one gate policy, or None when there is none.

    With `inputs_sha256`, return the decision with those inputs (baseline and exceptions).
    Without it, return the oldest decision under the policy, the one saved with the run.
    """
    query = select(decisions.c.decision).where(
        decisions.c.run_id == run_id, decisions.c.gate_policy_sha256 == gate_policy_sha256
    )
    if inputs_sha256 is not None:
        query = query.where(decisions.c.inputs_sha256 == inputs_sha256)
    query = query.order_by(decisions.c.created_at, decisions.c.inputs_sha256).limit(1)
    value = conn.execute(query).scalar_one_or_none()
    return Decision.model_validate(value) if value is not None else None


def load_decisions(conn: Connection, run_id: str) -> list[Decision]:
    """Return every decision stored for a run, oldest first."""
    query = (
        select(decisions.c.decision)
        .where(decisions.c.run_id == run_id)
        .order_by(decisions.c.created_at, decisions.c.gate_policy_sha256, decisions.c.inputs_sha256)
    )
    return [Decision.model_validate(value) for value in conn.scalars(query)]


def load_transcript(conn: Connection, sha256: str) -> Transcript | None:
    """Return the transcript stored under a hash, or None when there is none."""
    query = select(transcripts.c.compression, transcripts.c.data).where(
        transcripts.c.sha256 == sha256
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    return decode_transcript(sha256, row.compression, row.data)


def iter_samples(conn: Connection, run_id: str) -> Iterator[Sample]:
    """Yield the samples of a run with their transcripts, labels and sources, in order.

    Rows saved from an outcome alone have no transcript and are skipped.
    """
    query = (
        select(samples, transcripts.c.compression, transcripts.c.data)
        .join(transcripts, samples.c.transcript_sha256 == transcripts.c.sha256)
        .where(samples.c.run_id == run_id)
        .order_by(samples.c.position)
    )
    for row in conn.execute(query.execution_options(yield_per=_SAMPLE_FETCH_SIZE)).mappings():
        yield _sample(row)


def _sample(row: RowMapping) -> Sample:
    transcript = decode_transcript(row["transcript_sha256"], row["compression"], row["data"])
    source = None
    if row["source_sha256"] is not None:
        source = SourceRef(
            path=row["source_path"], sha256=row["source_sha256"], line=row["source_line"]
        )
    labels = DatasetLabels.model_validate(row["labels"]) if row["labels"] is not None else None
    return Sample(transcript=transcript, labels=labels, source=source)


def _stored_run(row: RowMapping, inputs: list[InputFile]) -> StoredRun:
    return StoredRun(
        run_id=row["run_id"],
        ringfence_version=row["ringfence_version"],
        created_at=row["created_at"],
        stored_at=row["stored_at"],
        tool_policy_sha256=row["tool_policy_sha256"],
        settings=row["settings"],
        inputs=inputs,
        sample_count=row["sample_count"],
        finding_count=row["finding_count"],
        metric_count=row["metric_count"],
        import_issue_count=row["import_issue_count"],
    )


def _select_run_rows(table: Table, run_id: str) -> Select[Any]:
    return select(table).where(table.c.run_id == run_id).order_by(table.c.position)


def _fields(model: type[BaseModel], rows: Iterable[RowMapping]) -> list[dict[str, Any]]:
    """Keep the columns that are fields of `model`, dropping run_id, position and the like."""
    names = list(model.model_fields)
    return [{name: row[name] for name in names} for row in rows]
