"""Translation of database and file-system errors into `StoreError` messages.

A message names the store, the operation that failed and the database's own reason, but
never the SQL parameters, because those can hold transcript text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ringfence.errors import StoreError


@contextmanager
def store_errors(operation: str, location: str, hint: str) -> Iterator[None]:
    """Raise `StoreError` for a database or OS error raised inside the block.

    `operation` completes "... failed", for example "Saving run abc".
    """
    try:
        yield
    except (SQLAlchemyError, OSError) as error:
        raise StoreError(
            f"{operation} failed on the evidence store at {location}: "
            f"{describe_error(error)}. {hint}"
        ) from error


def describe_error(error: BaseException) -> str:
    """Return the driver's reason for a database error, without the SQL or its parameters."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        reason = str(error.orig)
    else:
        reason = str(error)
    first_line = reason.strip().splitlines()[0] if reason.strip() else type(error).__name__
    return first_line.rstrip(".")
