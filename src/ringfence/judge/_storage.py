"""Saving judgments in the evidence store, and reading them back by run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ringfence.judge._records import JudgeIdentity, Judgment
from ringfence.judge._verdict import JudgeVerdict
from ringfence.store import EvidenceStore
from ringfence.store._judge_tables import judgments


def save_judgment(store: EvidenceStore, judgment: Judgment) -> None:
    """Insert one judgment in its own transaction, so a crash later keeps it."""
    operation = f"Saving the judgment of sample {judgment.sample_id} of run {judgment.run_id}"
    with store.writing(operation) as conn:
        conn.execute(judgments.insert(), _row(judgment))


def load_judgments(store: EvidenceStore, run_id: str) -> list[Judgment]:
    """Read the judgments of a run, in the order they were saved."""
    query = select(judgments).where(judgments.c.run_id == run_id).order_by(judgments.c.judgment_id)
    with store.reading(f"Reading the judgments of run {run_id}") as conn:
        rows = conn.execute(query).all()
    return [_judgment(row._mapping) for row in rows]


def _row(judgment: Judgment) -> dict[str, Any]:
    return {
        "run_id": judgment.run_id,
        "sample_id": judgment.sample_id,
        "criterion_set": judgment.criterion_set,
        "judge_kind": judgment.judge.kind,
        "judge_model": judgment.judge.model,
        "judge_host": judgment.judge.base_url_host,
        "prompt_version": judgment.prompt_version,
        "prompt": judgment.prompt,
        "raw_reply": judgment.raw_reply,
        "verdict": judgment.verdict.model_dump() if judgment.verdict else None,
        "error": judgment.error,
        "started_at": judgment.started_at,
        "finished_at": judgment.finished_at,
    }


def _judgment(row: Any) -> Judgment:
    verdict = row["verdict"]
    return Judgment(
        run_id=row["run_id"],
        sample_id=row["sample_id"],
        criterion_set=row["criterion_set"],
        judge=JudgeIdentity(
            kind=row["judge_kind"], model=row["judge_model"], base_url_host=row["judge_host"]
        ),
        prompt_version=row["prompt_version"],
        prompt=row["prompt"],
        raw_reply=row["raw_reply"],
        verdict=JudgeVerdict.model_validate(verdict) if verdict is not None else None,
        error=row["error"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )
