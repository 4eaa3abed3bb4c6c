"""Append-only, tamper-evident audit log: a hash chain over governance events.

Each entry stores the hash of the entry before it and its own hash over (seq, time, kind,
subject, actor, payload, previous hash). Editing an entry changes its hash; deleting one leaves a
gap in `seq` and breaks the next entry's link; reordering breaks the links at the moved entries.
`verify_chain` names the first entry where any of this shows.

Events recorded: decisions, exceptions, promotions, rollbacks and reviews. The database does not
stop a person with write access from rewriting the whole chain consistently; keeping the latest
`entry_hash` somewhere else (a CI log, a ticket) makes that detectable too.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, func, select, text

from ringfence.store._schema import audit_log

GENESIS_HASH = "0" * 64


class AuditEntry(BaseModel):
    """One entry of the audit log."""

    model_config = ConfigDict(extra="forbid")

    seq: int = Field(description="Position in the chain, from 1.")
    created_at: str = Field(description="ISO 8601 time the entry was appended (UTC).")
    kind: str = Field(description="Event kind: decision, exception, promotion, rollback, ...")
    subject: str = Field(description="What the event is about: a run id, a ring, a sample.")
    actor: str | None = Field(default=None, description="Who caused the event, if known.")
    payload: dict[str, Any] = Field(description="The event's record, as stored.")
    prev_hash: str = Field(description="entry_hash of the previous entry (zeros for the first).")
    entry_hash: str = Field(description="SHA-256 over this entry's fields and prev_hash.")


class ChainProblem(BaseModel):
    """Where the chain stops being consistent, and why."""

    model_config = ConfigDict(extra="forbid")

    seq: int = Field(description="Sequence number of the first inconsistent entry.")
    kind: str = Field(description="Kind of that entry.")
    subject: str = Field(description="Subject of that entry.")
    problem: str = Field(description="'edited', 'deleted before this entry' or 'reordered'.")
    detail: str = Field(description="Plain-sentence explanation.")


def entry_hash(
    seq: int,
    created_at: str,
    kind: str,
    subject: str,
    actor: str | None,
    payload: dict[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 of an entry's canonical JSON form."""
    body = orjson.dumps(
        [seq, created_at, kind, subject, actor, payload, prev_hash], option=orjson.OPT_SORT_KEYS
    )
    return hashlib.sha256(body).hexdigest()


def append_entry(
    conn: Connection,
    *,
    kind: str,
    subject: str,
    payload: dict[str, Any],
    actor: str | None = None,
) -> AuditEntry:
    """Append one entry inside the caller's transaction, so it commits with the event itself.

    Appends are serialized: on PostgreSQL by a transaction-level advisory lock, on SQLite by the
    database write lock that the caller's transaction holds.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(727001)"))
    last = conn.execute(
        select(audit_log.c.seq, audit_log.c.entry_hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    seq = (last.seq if last else 0) + 1
    prev_hash = last.entry_hash if last else GENESIS_HASH
    created_at = datetime.now(UTC).isoformat(timespec="microseconds")
    clean_payload = orjson.loads(orjson.dumps(payload, default=str))
    digest = entry_hash(seq, created_at, kind, subject, actor, clean_payload, prev_hash)
    entry = AuditEntry(
        seq=seq,
        created_at=created_at,
        kind=kind,
        subject=subject,
        actor=actor,
        payload=clean_payload,
        prev_hash=prev_hash,
        entry_hash=digest,
    )
    conn.execute(audit_log.insert(), entry.model_dump())
    return entry


def read_entries(conn: Connection) -> list[AuditEntry]:
    """Every entry, in sequence order."""
    rows = conn.execute(select(audit_log).order_by(audit_log.c.seq)).mappings()
    return [AuditEntry.model_validate(dict(row)) for row in rows]


def count_entries(conn: Connection) -> int:
    """Number of entries in the log."""
    return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


def verify_chain(entries: list[AuditEntry]) -> ChainProblem | None:
    """Return the first inconsistency of the chain, or None when it is intact."""
    by_hash = {entry.entry_hash: entry for entry in entries}
    all_seqs = {entry.seq for entry in entries}
    prev_hash, expected_seq = GENESIS_HASH, 1
    for entry in entries:
        recomputed = entry_hash(
            entry.seq,
            entry.created_at,
            entry.kind,
            entry.subject,
            entry.actor,
            entry.payload,
            entry.prev_hash,
        )
        if recomputed != entry.entry_hash:
            return _problem(entry, "edited", "its content no longer matches its hash")
        if entry.seq != expected_seq:
            if entry.seq < expected_seq or expected_seq in all_seqs:
                return _problem(entry, "reordered", f"it comes where entry {expected_seq} belongs")
            return _problem(
                entry,
                "deleted before this entry",
                f"entries {expected_seq} to {entry.seq - 1} are missing",
            )
        if entry.prev_hash != prev_hash:
            return _link_problem(entry, by_hash)
        prev_hash, expected_seq = entry.entry_hash, entry.seq + 1
    return None


def _link_problem(entry: AuditEntry, by_hash: dict[str, AuditEntry]) -> ChainProblem:
    earlier = by_hash.get(entry.prev_hash)
    if earlier is not None:
        return _problem(
            entry, "reordered", f"it links to entry {earlier.seq}, not to the entry before it"
        )
    return _problem(
        entry, "deleted before this entry", "the entry it links to is no longer in the log"
    )


def _problem(entry: AuditEntry, problem: str, detail: str) -> ChainProblem:
    return ChainProblem(
        seq=entry.seq,
        kind=entry.kind,
        subject=entry.subject,
        problem=problem,
        detail=f"entry {entry.seq} ({entry.kind} {entry.subject}): {detail}",
    )
