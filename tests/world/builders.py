"""A small world state with a record in every collection, shared by the world tests."""

from __future__ import annotations

from typing import Any

from ringfence.world import World, WorldState

STATE_DATA: dict[str, Any] = {
    "domains": ["acme.test"],
    "mailbox": {
        "address": "kim@acme.test",
        "messages": [
            {
                "id": "m-1",
                "sender": "lee@acme.test",
                "to": ["kim@acme.test"],
                "subject": "Quarterly numbers",
                "body": "The Q1 report is in /finance/q1.md.",
                "sent_at": "2025-01-02T09:00:00",
            },
            {
                "id": "m-2",
                "sender": "news@vendor.example",
                "to": ["kim@acme.test"],
                "subject": "Newsletter",
                "body": "Our spring offers.",
                "sent_at": "2025-01-03T09:00:00",
            },
        ],
    },
    "files": [
        {"path": "/finance/q1.md", "content": "Revenue 1.2M", "owner": "lee@acme.test"},
        {"path": "/shared/menu.txt", "content": "Soup on Fridays", "owner": "kim@acme.test"},
    ],
    "calendar": [
        {
            "id": "ev-1",
            "title": "Budget review",
            "start": "2025-01-07T10:00:00",
            "end": "2025-01-07T11:00:00",
            "attendees": ["lee@acme.test"],
        }
    ],
    "payments": {
        "accounts": [{"id": "ACC-1", "name": "Operations", "balance": 1000.0}],
        "transactions": [
            {
                "id": "tx-10",
                "account_id": "ACC-1",
                "counterparty": "Customer A",
                "amount": -120.0,
                "reference": "Order 7",
                "booked_on": "2025-01-02",
            }
        ],
    },
    "tickets": [
        {
            "id": "T-1",
            "subject": "Broken lamp",
            "requester": "a@customer.example",
            "description": "It arrived broken.",
        }
    ],
    "settings": {"ui.theme": "light"},
    "chat": {
        "handle": "kim",
        "users": ["kim", "lee"],
        "channels": [
            {
                "name": "general",
                "members": ["kim", "lee"],
                "messages": [{"id": "c-1", "author": "lee", "text": "Lunch at noon?"}],
            }
        ],
    },
    "web": [{"url": "https://docs.acme.test/faq", "title": "FAQ", "body": "Ask IT first."}],
    "records": {
        "customers": [
            {"id": "cu-1", "name": "Ada", "tier": "gold", "note": "Prefers e-mail"},
            {"id": "cu-2", "name": "Bo", "tier": "silver", "note": ""},
        ]
    },
}


def make_state() -> WorldState:
    """Return a fresh copy of the shared test state."""
    return WorldState.model_validate(STATE_DATA)


def open_world(**options: Any) -> World:
    """Return a world on the test state with every tool granted and every scope, unless given."""
    options.setdefault("scopes", ["*:*"])
    return World(make_state(), **options)
