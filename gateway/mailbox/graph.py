"""The shared mailbox read through Microsoft Graph (application permission Mail.ReadWrite).

Unread messages are listed with `$filter=isRead eq false`, following `@odata.nextLink` pages; the MIME
comes from `…/messages/{id}/$value`; marking read is a `PATCH` (Graph sends no read receipt for it);
moving is `POST …/move` to a well-known folder name or to a folder found by display name, first among the
top-level folders and then under the Inbox. Authentication, TLS and throttling are the relay's
`GraphClient`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from gateway.config import ExchangeSection
from gateway.errors import RelayError
from gateway.mailbox.base import WELL_KNOWN_FOLDERS, MailboxItem
from gateway.relay.graph import GraphClient

_SELECT = "id,subject,from,receivedDateTime,internetMessageId"


def _parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _item(data: dict[str, Any]) -> MailboxItem:
    sender = ((data.get("from") or {}).get("emailAddress") or {}).get("address")
    return MailboxItem(
        id=str(data["id"]),
        internet_message_id=data.get("internetMessageId") or None,
        sender=sender or None,
        received_at=_parse_time(data.get("receivedDateTime")),
        subject=str(data.get("subject") or ""),
    )


class GraphMailbox:
    """`Mailbox` over Graph: `GraphMailbox(config.exchange, folder="inbox")`."""

    name = "graph"

    def __init__(
        self,
        settings: ExchangeSection,
        folder: str = "inbox",
        *,
        client: GraphClient | None = None,
        page_size: int = 50,
    ) -> None:
        self.folder = folder
        self._client = client or GraphClient(settings)
        self._page_size = page_size
        self._folder_ids: dict[str, str] = {}

    def _message(self, item_id: str) -> str:
        return f"{self._client.mailbox_path}/messages/{quote(item_id, safe='')}"

    async def list_unread(self) -> list[MailboxItem]:
        folder_id = await self._folder_id(self.folder)
        url: str | None = f"{self._client.mailbox_path}/mailFolders/{quote(folder_id, safe='')}/messages"
        params: dict[str, str] | None = {
            "$filter": "isRead eq false",
            "$select": _SELECT,
            "$top": str(self._page_size),
        }
        items: list[MailboxItem] = []
        while url is not None:
            page = (await self._client.request("GET", url, params=params)).json()
            items.extend(_item(m) for m in page.get("value", []))
            url, params = page.get("@odata.nextLink"), None  # the next link carries its own query
        return sorted(items, key=lambda i: i.received_at or dt.datetime.min.replace(tzinfo=dt.UTC))

    async def fetch_mime(self, item_id: str) -> bytes:
        return (await self._client.request("GET", f"{self._message(item_id)}/$value")).content

    async def mark_read(self, item_id: str) -> None:
        await self._client.request("PATCH", self._message(item_id), json={"isRead": True})

    async def move(self, item_id: str, folder_name: str) -> str:
        folder_id = await self._folder_id(folder_name)
        response = await self._client.request(
            "POST", f"{self._message(item_id)}/move", json={"destinationId": folder_id}
        )
        return str(response.json()["id"])

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _folder_id(self, name: str) -> str:
        if name.lower() in WELL_KNOWN_FOLDERS:
            return name.lower()
        if name not in self._folder_ids:
            self._folder_ids[name] = await self._find_folder(name)
        return self._folder_ids[name]

    async def _find_folder(self, name: str) -> str:
        literal = name.replace("'", "''")
        base = f"{self._client.mailbox_path}/mailFolders"
        for url in (base, f"{base}/inbox/childFolders"):
            found = (await self._client.request("GET", url, params={"$filter": f"displayName eq '{literal}'"})).json()
            for folder in found.get("value", []):
                return str(folder["id"])
        raise RelayError(
            "mailbox folder not found (top level or under Inbox)", retryable=False, cause="folder_not_found"
        )
