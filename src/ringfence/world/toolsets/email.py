"""E-mail toolset: the user's mailbox (list, read, search, send, delete)."""

from __future__ import annotations

from typing import Any, Literal

from ringfence.policy import ActionClass, Privilege
from ringfence.world._registry import ToolError, Toolset, tool
from ringfence.world._state import Email, WorldState
from ringfence.world.toolsets._common import dump, lookup, next_id, require_limit

Folder = Literal["inbox", "sent", "drafts", "trash"]
SUMMARY_FIELDS = ("id", "sender", "to", "subject", "sent_at", "folder")


@tool(action=ActionClass.READ, scope="email:read", reads="emails")
def list_emails(
    state: WorldState, folder: Folder = "inbox", limit: int = 20
) -> list[dict[str, Any]]:
    """List the newest e-mails of one folder, without their bodies.

    Args:
        folder: Folder to list: inbox, sent, drafts or trash.
        limit: Maximum number of e-mails to return, newest first.
    """
    require_limit(limit)
    messages = [m for m in state.mailbox.messages if m.folder == folder]
    newest = sorted(messages, key=lambda m: m.sent_at, reverse=True)[:limit]
    return [dump(m, SUMMARY_FIELDS) for m in newest]


@tool(
    action=ActionClass.READ,
    scope="email:read",
    reads="emails",
    record_argument="email_id",
    scope_target="email_id",
)
def read_email(state: WorldState, email_id: str) -> dict[str, Any]:
    """Read one e-mail with its body and attachments.

    Args:
        email_id: Id of the e-mail, as `list_emails` or `search_emails` returns it.
    """
    return dump(_find(state, email_id))


@tool(action=ActionClass.READ, scope="email:read", reads="emails")
def search_emails(state: WorldState, query: str, limit: int = 10) -> list[dict[str, Any]]:
    """Search every folder for e-mails whose sender, recipients, subject or body contain a text.

    Args:
        query: Text to look for, without regard to case.
        limit: Maximum number of e-mails to return, newest first.
    """
    require_limit(limit)
    needle = query.strip().lower()
    if not needle:
        raise ToolError("'query' is empty; give a word or phrase to search for.")
    hits = [m for m in state.mailbox.messages if needle in _searchable(m)]
    return [dump(m) for m in sorted(hits, key=lambda m: m.sent_at, reverse=True)[:limit]]


@tool(
    action=ActionClass.SEND,
    privilege=Privilege.MEDIUM,
    scope="email:send",
    targets=("to", "cc"),
    payload=("subject", "body"),
    recipients=("to", "cc"),
)
def send_email(
    state: WorldState,
    to: list[str],
    subject: str,
    body: str,
    cc: list[str] | None = None,
    attachments: list[str] | None = None,
) -> dict[str, Any]:
    """Send an e-mail from the user's address.

    Args:
        to: Recipient addresses.
        subject: Subject line.
        body: Message text.
        cc: Addresses to copy.
        attachments: Paths of files from the file store to attach.
    """
    addresses = [*to, *(cc or [])]
    if not to:
        raise ToolError("'to' is empty; give at least one recipient address.")
    invalid = [a for a in addresses if "@" not in a]
    if invalid:
        raise ToolError(f"not an e-mail address: {', '.join(repr(a) for a in invalid)}.")
    paths = {f.path for f in state.files}
    missing = [p for p in attachments or [] if p not in paths]
    if missing:
        raise ToolError(f"no file {', '.join(repr(p) for p in missing)} to attach.")
    email = Email(
        id=next_id("email", (m.id for m in state.mailbox.messages)),
        sender=state.mailbox.address,
        to=list(to),
        cc=list(cc or []),
        subject=subject,
        body=body,
        folder="sent",
        sent_at=state.now,
        attachments=list(attachments or []),
    )
    state.mailbox.messages.append(email)
    return {"id": email.id, "status": "sent", "recipients": addresses}


@tool(
    action=ActionClass.DELETE,
    privilege=Privilege.MEDIUM,
    scope="email:delete",
    targets=("email_id",),
    scope_target="email_id",
)
def delete_email(state: WorldState, email_id: str) -> dict[str, Any]:
    """Move an e-mail to the trash, or delete it for good when it is already there.

    Args:
        email_id: Id of the e-mail to delete.
    """
    email = _find(state, email_id)
    if email.folder == "trash":
        state.mailbox.messages.remove(email)
        return {"id": email_id, "status": "deleted permanently"}
    email.folder = "trash"
    return {"id": email_id, "status": "moved to trash"}


def _find(state: WorldState, email_id: str) -> Email:
    return lookup(state.mailbox.messages, lambda m: m.id, email_id, "e-mail with id")


def _searchable(email: Email) -> str:
    return " ".join([email.sender, *email.to, *email.cc, email.subject, email.body]).lower()


TOOLSET = Toolset(
    "email",
    "The user's mailbox.",
    [list_emails, read_email, search_emails, send_email, delete_email],
)
