"""Evidence store: runs, samples, transcripts, findings, metric values and gate decisions.

SQLite by default, PostgreSQL with a `postgresql://` URL (the 'postgres' extra installs the
driver), through SQLAlchemy Core with dialect-neutral tables. `EvidenceStore.open` creates the
tables, or migrates older stores, with the Alembic scripts in `migrations/`. `save_run`,
`open_run` and `save_decision` are idempotent, so scoring the same input twice stores it once,
also when several processes score it at the same time.
"""

from ringfence.store._audit import (
    AuditEntry,
    ChainProblem,
    append_entry,
    read_entries,
    verify_chain,
)
from ringfence.store._evidence_store import (
    DEFAULT_BUSY_TIMEOUT_S,
    DEFAULT_COMPRESS_LEVEL,
    DEFAULT_SAMPLE_BATCH_SIZE,
    EvidenceStore,
)
from ringfence.store._records import StoredRun
from ringfence.store._rows import segment_key
from ringfence.store._run_writer import RunWriter
from ringfence.store._schema import SCHEMA_VERSION

__all__ = [
    "AuditEntry",
    "ChainProblem",
    "append_entry",
    "read_entries",
    "verify_chain",
    "DEFAULT_BUSY_TIMEOUT_S",
    "DEFAULT_COMPRESS_LEVEL",
    "DEFAULT_SAMPLE_BATCH_SIZE",
    "SCHEMA_VERSION",
    "EvidenceStore",
    "RunWriter",
    "StoredRun",
    "segment_key",
]
