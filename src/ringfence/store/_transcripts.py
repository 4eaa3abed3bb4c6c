"""Transcript blobs: canonical JSON, hashed, zlib-compressed and stored once per hash.

The key is the SHA-256 of `Transcript.to_json_bytes()`, the same value as
`Transcript.content_sha256()`, so two runs that read the same transcript share one row.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Insert, select
from sqlalchemy.dialects import postgresql, sqlite

from ringfence.errors import StoreError
from ringfence.store._schema import transcripts
from ringfence.transcript import Transcript

COMPRESSION = "zlib"
"""Value of `transcripts.compression` for blobs written by this version."""


@dataclass(frozen=True, slots=True)
class CanonicalTranscript:
    """A transcript's canonical JSON bytes and their SHA-256."""

    sha256: str
    json_bytes: bytes


def canonicalize(transcript: Transcript) -> CanonicalTranscript:
    """Serialize a transcript once and hash the bytes, so hashing does not serialize again."""
    json_bytes = transcript.to_json_bytes()
    return CanonicalTranscript(hashlib.sha256(json_bytes).hexdigest(), json_bytes)


def insert_new_transcripts(
    conn: Connection, batch: Sequence[CanonicalTranscript], compress_level: int
) -> int:
    """Insert the transcripts of a batch that the store lacks, and return how many were new.

    Transcripts already stored are neither compressed nor sent again. Rows are inserted in
    hash order: on PostgreSQL two transactions that insert overlapping sets then lock the rows
    in the same order, so neither can hold a row that the other waits for while it waits too.
    """
    by_hash = {item.sha256: item.json_bytes for item in batch}
    if not by_hash:
        return 0

    query = select(transcripts.c.sha256).where(transcripts.c.sha256.in_(list(by_hash)))
    stored = set(conn.scalars(query))
    rows = [
        {
            "sha256": sha256,
            "compression": COMPRESSION,
            "size": len(json_bytes),
            "data": zlib.compress(json_bytes, compress_level),
        }
        for sha256, json_bytes in sorted(by_hash.items())
        if sha256 not in stored
    ]
    if rows:
        conn.execute(_insert_skipping_stored(conn.dialect.name), rows)
    return len(rows)


def decode_transcript(sha256: str, compression: str, data: bytes) -> Transcript:
    """Decompress and validate a stored transcript blob."""
    if compression != COMPRESSION:
        raise StoreError(
            f"Transcript {sha256} is stored with compression '{compression}', which this "
            f"version of ringfence cannot read (expected '{COMPRESSION}'). Upgrade ringfence."
        )
    return Transcript.model_validate_json(zlib.decompress(data))


def _insert_skipping_stored(dialect_name: str) -> Insert:
    # The SELECT above already skips stored hashes. ON CONFLICT DO NOTHING also covers a
    # concurrent writer on PostgreSQL, where two transactions can insert the same hash at once:
    # the second waits for the first to commit and then skips the row.
    if dialect_name == "sqlite":
        return sqlite.insert(transcripts).on_conflict_do_nothing(index_elements=["sha256"])
    if dialect_name == "postgresql":
        return postgresql.insert(transcripts).on_conflict_do_nothing(index_elements=["sha256"])
    return transcripts.insert()
