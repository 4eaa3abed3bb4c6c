"""Helpers the toolsets share: new record ids and lookups that fail with a useful message."""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel

from ringfence.world._registry import ToolError

T = TypeVar("T")


def _absolute_path(path: str) -> str:
    if not path.startswith("/"):
        raise ValueError(f"path {path!r} is not absolute; start it with '/'")
    # normpath keeps a leading '//' (POSIX allows it a meaning); the store has no such paths.
    return "/" + posixpath.normpath(path).lstrip("/")


FilePath = Annotated[str, AfterValidator(_absolute_path)]
"""An absolute path, normalized ('/a/../b' is '/b') so that scope globs see the real target."""
ChannelName = Annotated[str, AfterValidator(lambda name: name.strip().removeprefix("#"))]
"""A chat channel name, without the leading '#' a model may add."""
ChatHandle = Annotated[str, AfterValidator(lambda handle: handle.strip().removeprefix("@"))]
"""A chat handle, without the leading '@' a model may add."""


def next_id(prefix: str, existing: Iterable[str]) -> str:
    """Return the first free id of the form 'prefix-N', counting from the number of records.

    Ids depend only on the state, so the same calls on the same state give the same ids.
    """
    taken = set(existing)
    number = len(taken) + 1
    while f"{prefix}-{number}" in taken:
        number += 1
    return f"{prefix}-{number}"


def lookup(items: Iterable[T], key: Callable[[T], str], wanted: str, what: str) -> T:
    """Return the item whose key is `wanted`; raise ToolError naming close keys otherwise."""
    candidates = list(items)
    for item in candidates:
        if key(item) == wanted:
            return item
    close = difflib.get_close_matches(wanted, [key(item) for item in candidates], n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ToolError(f"no {what} {wanted!r}.{hint}")


def dump(record: BaseModel, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """Return a record as JSON data, limited to `fields` when given."""
    data = record.model_dump(mode="json")
    if fields is None:
        return data
    return {name: data[name] for name in fields}


def require_positive(amount: float, name: str = "amount") -> None:
    """Raise ToolError unless `amount` is above zero."""
    if amount <= 0:
        raise ToolError(f"'{name}' must be above zero (got {amount:g}).")


def require_limit(limit: int) -> None:
    """Raise ToolError unless a result limit is at least 1."""
    if limit < 1:
        raise ToolError(f"'limit' must be at least 1 (got {limit}).")
