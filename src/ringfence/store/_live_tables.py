"""Table of the live runner's staging area: samples of a live run that is still going.

A live run stores each sample here as soon as it finishes, so a killed run keeps them and a
rerun with the same run id runs only the samples that are missing. Once the whole run is stored
the normal way (`RunWriter`), its staged rows are deleted. Migration 0004_live_runs creates the
table on an existing database.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text

from ringfence.store._schema import metadata

live_samples = Table(
    "live_samples",
    metadata,
    # No foreign key to `runs`: the run row is written only when the live run completes.
    Column("run_id", String(64), primary_key=True),
    Column("sample_id", String(), primary_key=True),
    # Order of the sample in the run (scenario order, then epoch), so a resumed run scores
    # its samples in the same order as an uninterrupted one.
    Column("position", Integer, nullable=False),
    Column("transcript_sha256", ForeignKey("transcripts.sha256"), nullable=False),
    # The sample's infrastructure error, copied from the transcript for counting without
    # decoding it; NULL when the sample ran to the end.
    Column("error", Text),
    Column("staged_at", String(64), nullable=False),
)
