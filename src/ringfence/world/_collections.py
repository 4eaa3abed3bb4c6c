"""Named collections of state records, so injections and checks can address one record.

A record is addressed by its collection (which a reading tool declares) and its key: the `id`
of an e-mail, ticket, event, account, transaction, chat message or database row, the `path` of
a file, the `url` of a web page. Database rows are found by `id` in every table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ringfence.world._state import WorldState

Record = BaseModel | dict[str, Any]


@dataclass(frozen=True)
class Collection:
    """Location of one kind of record in the state, and the field that identifies a record."""

    name: str
    key: str
    rows: Callable[[WorldState], list[Any]]


COLLECTIONS: dict[str, Collection] = {
    c.name: c
    for c in [
        Collection("emails", "id", lambda s: s.mailbox.messages),
        Collection("files", "path", lambda s: s.files),
        Collection("calendar", "id", lambda s: s.calendar),
        Collection("accounts", "id", lambda s: s.payments.accounts),
        Collection("transactions", "id", lambda s: s.payments.transactions),
        Collection("tickets", "id", lambda s: s.tickets),
        Collection("chat", "id", lambda s: [m for c in s.chat.channels for m in c.messages]),
        Collection("web", "url", lambda s: s.web),
        Collection("records", "id", lambda s: [r for rows in s.records.values() for r in rows]),
    ]
}


def find_record(state: WorldState, collection: str, key: str) -> Record | None:
    """Return the record of `collection` whose key equals `key` (compared as text), or None."""
    spec = COLLECTIONS[collection]
    for row in spec.rows(state):
        if str(_get(row, spec.key)) == key:
            return row  # type: ignore[no-any-return]
    return None


def record_keys(state: WorldState, collection: str) -> list[str]:
    """Keys of every record of `collection`, in state order."""
    spec = COLLECTIONS[collection]
    return [str(_get(row, spec.key)) for row in spec.rows(state)]


def text_fields(record: Record) -> list[str]:
    """Names of the record's fields that hold text, and so can carry injected text."""
    values = record if isinstance(record, dict) else dict(record)
    return [name for name, value in values.items() if isinstance(value, str)]


def get_text(record: Record, field: str) -> str:
    """Return the text of a field that `text_fields` lists."""
    value = _get(record, field)
    if not isinstance(value, str):
        raise KeyError(field)
    return value


def set_text(record: Record, field: str, text: str) -> None:
    """Replace the text of a field that `text_fields` lists."""
    if isinstance(record, dict):
        record[field] = text
    else:
        setattr(record, field, text)


def _get(row: Record, field: str) -> Any:
    return row.get(field) if isinstance(row, dict) else getattr(row, field, None)
