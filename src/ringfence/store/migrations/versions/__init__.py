"""Alembic revision scripts of the evidence store, one file per revision."""
