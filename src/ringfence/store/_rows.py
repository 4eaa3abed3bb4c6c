"""Conversion of ringfence records into row dictionaries for the store's tables.

Lists of records are dumped with one `TypeAdapter` call each, which is much faster than one
`model_dump` per record when a run has thousands of findings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from pydantic import TypeAdapter

from ringfence.detectors.findings import Finding
from ringfence.gate.decision import Decision
from ringfence.metrics.values import MetricValue
from ringfence.results import ImportIssue, InputFile, RunResult, SampleOutcome
from ringfence.transcript import Sample

Row = dict[str, Any]

_FINDINGS = TypeAdapter(list[Finding])
_METRICS = TypeAdapter(list[MetricValue])
_ISSUES = TypeAdapter(list[ImportIssue])
_INPUTS = TypeAdapter(list[InputFile])

# SampleOutcome fields that describe the sample. An unscored sample takes them from its
# transcript's metadata instead.
_DESCRIPTIVE_COLUMNS = ("source_path", "model", "suite", "task_id", "attack", "injection_task_id")

# SampleOutcome fields that only scoring produces.
_SCORE_COLUMNS = (
    "side_effecting_calls",
    "unauthorized_calls",
    "attack_succeeded",
    "finding_count",
    "label_attack_succeeded",
    "label_task_completed",
    "error",
)


def segment_key(segment: dict[str, str]) -> str:
    """Return the canonical text of a segment: JSON with sorted keys, '{}' for overall.

    Equal segments give equal keys, so the key can be compared and indexed in SQL.
    """
    return orjson.dumps(segment, option=orjson.OPT_SORT_KEYS).decode()


def run_values(result: RunResult, sample_count: int) -> Row:
    """Return every `runs` column of a finished run except run_id and stored_at."""
    dumped = result.model_dump(
        mode="json", include={"settings", "label_metrics", "agreement", "target"}
    )
    decision = result.decision
    return {
        "ringfence_version": result.ringfence_version,
        "created_at": result.created_at,
        "tool_policy_sha256": result.tool_policy_sha256,
        "target_name": result.target.name if result.target else None,
        "target_version": result.target.version if result.target else None,
        "suite_version": result.suite_version,
        "target": dumped.get("target"),
        "settings": dumped["settings"],
        "label_metrics": dumped["label_metrics"],
        "agreement": dumped["agreement"],
        "decision_gate_policy_sha256": decision.gate_policy_sha256 if decision else None,
        "input_count": len(result.inputs),
        "sample_count": sample_count,
        "finding_count": len(result.findings),
        "metric_count": len(result.metrics),
        "import_issue_count": len(result.import_issues),
    }


def input_file_rows(run_id: str, inputs: list[InputFile]) -> list[Row]:
    """Return the `input_files` rows of a run."""
    return _with_positions(run_id, _INPUTS.dump_python(inputs, mode="json"))


def finding_rows(run_id: str, findings: list[Finding]) -> list[Row]:
    """Return the `findings` rows of a run, evidence spans kept as a JSON list."""
    return _with_positions(run_id, _FINDINGS.dump_python(findings, mode="json"))


def metric_rows(run_id: str, metrics: list[MetricValue]) -> list[Row]:
    """Return the `metric_values` rows of a run, each with its canonical segment key."""
    rows = _with_positions(run_id, _METRICS.dump_python(metrics, mode="json"))
    for row in rows:
        row["segment_key"] = segment_key(row["segment"])
    return rows


def import_issue_rows(run_id: str, issues: list[ImportIssue]) -> list[Row]:
    """Return the `import_issues` rows of a run."""
    return _with_positions(run_id, _ISSUES.dump_python(issues, mode="json"))


def decision_row(run_id: str, decision: Decision, created_at: str) -> Row:
    """Return the `decisions` row: indexed columns plus the whole decision as JSON."""
    return {
        "run_id": run_id,
        "gate_policy_sha256": decision.gate_policy_sha256,
        "inputs_sha256": decision.inputs_sha256(),
        "gate_policy_name": decision.gate_policy_name,
        "verdict": decision.verdict.value,
        "ring": decision.ring,
        "decision": decision.model_dump(mode="json"),
        "created_at": created_at,
    }


def sample_row(
    run_id: str,
    position: int,
    sample: Sample,
    outcome: SampleOutcome | None,
    transcript_sha256: str,
) -> Row:
    """Return the `samples` row of a sample and its outcome, if it has one.

    When the sample was not scored, the descriptive columns come from the transcript's
    metadata and the outcome columns stay NULL. The source path comes from the sample's
    `SourceRef` when it has one, otherwise from the outcome.
    """
    metadata = sample.transcript.metadata
    row: Row = {
        "run_id": run_id,
        "sample_id": sample.transcript.sample_id,
        "position": position,
        "transcript_sha256": transcript_sha256,
        "model": metadata.model,
        "suite": metadata.suite,
        "task_id": metadata.task_id,
        "attack": metadata.attack,
        "injection_task_id": metadata.injection_task_id,
        "labels": sample.labels.model_dump(mode="json") if sample.labels else None,
    }
    row.update(_outcome_columns(outcome))

    source = sample.source
    if source is not None:
        row["source_path"] = source.path
    row["source_sha256"] = source.sha256 if source else None
    row["source_line"] = source.line if source else None
    return row


def outcome_only_row(run_id: str, position: int, outcome: SampleOutcome) -> Row:
    """Return the `samples` row of an outcome whose transcript was not passed to the store."""
    row: Row = {
        "run_id": run_id,
        "sample_id": outcome.sample_id,
        "position": position,
        "transcript_sha256": None,
        "source_sha256": None,
        "source_line": None,
        "labels": None,
    }
    row.update(_outcome_columns(outcome))
    return row


def batched(rows: Sequence[Row], size: int) -> Iterator[Sequence[Row]]:
    """Yield consecutive slices of at most `size` rows."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _outcome_columns(outcome: SampleOutcome | None) -> Row:
    if outcome is None:
        columns: Row = {name: None for name in _SCORE_COLUMNS}
        columns["source_path"] = None
        columns["scored"] = False
        return columns

    # The outcome's descriptive values replace the transcript's metadata, because they are
    # the values that ringfence scored and segmented by.
    columns = {name: getattr(outcome, name) for name in (*_DESCRIPTIVE_COLUMNS, *_SCORE_COLUMNS)}
    columns["scored"] = True
    return columns


def _with_positions(run_id: str, dumped: list[Row]) -> list[Row]:
    for position, row in enumerate(dumped):
        row["run_id"] = run_id
        row["position"] = position
    return dumped


def decision_audit_payload(decision: Decision) -> dict[str, object]:
    """What the audit log keeps of a decision: enough to recognise it, not every check."""
    return {
        "verdict": decision.verdict.value,
        "gate_policy_name": decision.gate_policy_name,
        "gate_policy_sha256": decision.gate_policy_sha256,
        "ring": decision.ring,
        "reasons": decision.reasons,
        "inputs_sha256": decision.inputs_sha256(),
        "baseline_run_id": decision.baseline_run_id,
        "exceptions_used": [use.id for use in decision.exceptions_used],
        "coverage_missing": [gap.describe() for gap in decision.coverage_missing],
    }
