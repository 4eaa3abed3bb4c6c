"""Alembic environment of the evidence store.

`ringfence.store._migrate` runs it with an open connection in `config.attributes`, inside a
transaction that already holds the migration lock, so the migrations commit together with that
transaction. Given only `sqlalchemy.url`, it connects by itself, which is how the `alembic`
command line can run it. Offline mode writes the SQL for that URL instead of running it.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from ringfence.store._migrate import full_metadata

config = context.config
target_metadata = full_metadata()


def _run_on(connection: Connection) -> None:
    # render_as_batch makes autogenerate write SQLite-compatible ALTER TABLE steps.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _run() -> None:
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=target_metadata,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return

    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return

    engine = create_engine(config.get_main_option("sqlalchemy.url", ""))
    try:
        with engine.connect() as own_connection:
            _run_on(own_connection)
    finally:
        engine.dispose()


_run()
