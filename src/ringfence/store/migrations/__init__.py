"""Alembic migrations of the evidence store, run by `EvidenceStore.open`.

`versions/` holds one file per revision, each creating or changing tables with `op` calls
written by hand so that they work on SQLite and PostgreSQL alike.
"""
