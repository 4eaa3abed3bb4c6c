"""Table of the LLM judge: every judgment, with its prompt, raw reply and verdict or error.

Rows are written one at a time while a run is scored, before the run row exists, so there is no
foreign key to `runs`. A rescored run adds new rows instead of replacing old ones, so every call
of the judge stays on record. Migration 0005_judgments creates the table on an existing database.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text

from ringfence.store._schema import metadata

judgments = Table(
    "judgments",
    metadata,
    Column("judgment_id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False),
    Column("sample_id", String(), nullable=False),
    Column("criterion_set", String(64), nullable=False),
    Column("judge_kind", String(64), nullable=False),
    Column("judge_model", String()),
    # Host name only: a base URL's path, query string or user info may carry a credential.
    Column("judge_host", String()),
    Column("prompt_version", String(64), nullable=False),
    Column("prompt", Text, nullable=False),
    Column("raw_reply", Text),
    # NULL on a judge error; the error text is then in `error`.
    Column("verdict", JSON(none_as_null=True)),
    Column("error", Text),
    Column("started_at", String(64), nullable=False),
    Column("finished_at", String(64), nullable=False),
    Index("ix_judgments_sample", "run_id", "sample_id"),
)
