"""The mailbox interface both Exchange back-ends implement.

Item ids are the back-end's own (Graph message id, EWS ItemId) and change when a message is moved, so
`move` returns the new one. Failures raise `gateway.errors.RelayError` (retryable and `cause` as for the
relays: "throttled", "unreachable", "auth", "folder_not_found"…); nothing here logs message content.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

WELL_KNOWN_FOLDERS = frozenset({"inbox", "archive", "deleteditems", "junkemail", "sentitems", "drafts"})


@dataclass(frozen=True, slots=True)
class MailboxItem:
    """An unread message waiting in the watched folder. `subject` is clinical content: never log it."""

    id: str
    internet_message_id: str | None
    sender: str | None
    received_at: dt.datetime | None
    subject: str


class Mailbox(Protocol):
    name: str

    async def list_unread(self) -> list[MailboxItem]:
        """Every unread message in the watched folder, oldest first."""
        ...

    async def fetch_mime(self, item_id: str) -> bytes:
        """The message exactly as received (RFC 5322 bytes)."""
        ...

    async def mark_read(self, item_id: str) -> None: ...

    async def move(self, item_id: str, folder_name: str) -> str:
        """File the message in `folder_name` (well-known name or display name); return its new id."""
        ...

    async def aclose(self) -> None: ...
