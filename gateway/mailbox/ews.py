"""The shared mailbox read through EWS with exchangelib (same account set-up as the EWS relay).

Unread messages are a `FindItem` with an `IsRead = false` restriction, paged by exchangelib; the MIME is a
`GetItem` for `MimeContent`; marking read is an `UpdateItem` with read receipts suppressed (otherwise
Exchange would send the prescriber a read receipt from the gateway); moving is a `MoveItem` to a
distinguished folder or to a folder found by display name (`FindFolder`), first under the Inbox, then at
the top of the mailbox. Each call runs in a worker thread; throttling is handled by `EwsSession`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from exchangelib import SHALLOW, Account, Message, Q
from exchangelib.folders import BaseFolder, FolderCollection
from exchangelib.properties import ItemId

from gateway.config import ExchangeSection
from gateway.errors import RelayError
from gateway.mailbox.base import MailboxItem
from gateway.relay.ews import EwsSession

_DISTINGUISHED: dict[str, Callable[[Account], BaseFolder]] = {
    "inbox": lambda a: a.inbox,
    "archive": lambda a: a.archive_msg_folder_root,
    "deleteditems": lambda a: a.trash,
    "junkemail": lambda a: a.junk,
    "sentitems": lambda a: a.sent,
    "drafts": lambda a: a.drafts,
}


def _raise_if_error(result: Any) -> Any:
    if isinstance(result, Exception):
        raise result
    return result


def _sender(item: Any) -> str | None:
    author = getattr(item, "author", None)
    return getattr(author, "email_address", None) if author is not None else None


class EwsMailbox:
    """`Mailbox` over EWS: `EwsMailbox(config.exchange, folder="inbox")`."""

    name = "ews"

    def __init__(
        self,
        settings: ExchangeSection,
        folder: str = "inbox",
        *,
        session: EwsSession | None = None,
        page_size: int = 50,
    ) -> None:
        self.folder = folder
        self._session = session or EwsSession(settings)
        self._page_size = page_size
        self._folders: dict[str, BaseFolder] = {}

    async def list_unread(self) -> list[MailboxItem]:
        return await self._session.call("list unread", self._list_unread)

    async def fetch_mime(self, item_id: str) -> bytes:
        def fetch(account: Account) -> bytes:
            [item] = list(account.fetch(ids=[ItemId(id=item_id)], only_fields=["mime_content"]))
            return bytes(_raise_if_error(item).mime_content)

        return await self._session.call("fetch", fetch)

    async def mark_read(self, item_id: str) -> None:
        def mark(account: Account) -> None:
            message = Message(account=account, id=item_id, is_read=True)
            for result in account.bulk_update(items=[(message, ["is_read"])], suppress_read_receipts=True):
                _raise_if_error(result)

        await self._session.call("mark read", mark)

    async def move(self, item_id: str, folder_name: str) -> str:
        def move(account: Account) -> str:
            target = self._folder(account, folder_name)
            [result] = account.bulk_move(ids=[ItemId(id=item_id)], to_folder=target)
            new_id, _changekey = _raise_if_error(result)
            return str(new_id)

        return await self._session.call("move", move)

    async def aclose(self) -> None:
        await self._session.aclose()

    def _list_unread(self, account: Account) -> list[MailboxItem]:
        query = (
            self._folder(account, self.folder)
            .filter(is_read=False)
            .only("subject", "datetime_received", "message_id", "author")
            .order_by("datetime_received")
        )
        query.page_size = self._page_size
        items = []
        for item in query:
            received = item.datetime_received
            items.append(
                MailboxItem(
                    id=str(item.id),
                    internet_message_id=item.message_id or None,
                    sender=_sender(item),
                    received_at=dt.datetime.fromtimestamp(received.timestamp(), dt.UTC) if received else None,
                    subject=str(item.subject or ""),
                )
            )
        return items

    def _folder(self, account: Account, name: str) -> BaseFolder:
        if name.lower() in _DISTINGUISHED:
            return _DISTINGUISHED[name.lower()](account)
        if name not in self._folders:
            for parent in (account.inbox, account.msg_folder_root):
                found = list(
                    FolderCollection(account=account, folders=[parent]).find_folders(q=Q(name=name), depth=SHALLOW)
                )
                if found:
                    self._folders[name] = found[0]
                    break
            else:
                raise RelayError(
                    "mailbox folder not found (under Inbox or top level)",
                    retryable=False,
                    cause="folder_not_found",
                )
        return self._folders[name]
