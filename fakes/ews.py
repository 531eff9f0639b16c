"""A stand-in for on-premises Exchange Web Services, speaking enough SOAP for unmodified exchangelib.

Why: the EWS relay and mailbox reader are only worth testing against what exchangelib really sends. The
operations below are the ones exchangelib 5.x issues for an `Account` built with an explicit version and no
autodiscover (creating the account sends nothing; the first use does `GetFolder` on the root and the
distinguished folders), `Message.send_and_save()` (`CreateItem` with `SendAndSaveCopy`), `filter(is_read=
False)` (`FindItem` with an `IsEqualTo` restriction and indexed paging), `GetItem` with `MimeContent`,
`save(update_fields=["is_read"])` (`UpdateItem`), `move()` (`MoveItem`) and folder lookup by name
(`FindFolder`). Anything else is answered with a SOAP fault naming the operation, so a new exchangelib
request shows up as a clear test failure instead of a hang.

Why the standard library HTTP server: same reasons as fakes.graph (no dependency, thread-friendly). SOAP is
parsed with defusedxml (an exchangelib dependency), so a hostile body cannot expand entities.

The server checks HTTP basic credentials (use `auth_type = "basic"` against it), records every sent message
as a `SentItem` (recipients, subject, internet headers set as `InternetHeaders` extended properties, the
read-receipt flag, decoded attachments), lets tests `seed()` raw MIME into a folder and `fail_next()` with
`ErrorServerBusy` (with `BackOffMilliseconds`, as Exchange throttles). `python -m fakes.ews` serves it.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import email.utils
import secrets
import ssl
import tempfile
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape, quoteattr

from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]

from fakes.cli import run_fake
from fakes.graph import make_self_signed
from fakes.httpd import Handler, Server

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
MNS = "http://schemas.microsoft.com/exchange/services/2006/messages"
TNS = "http://schemas.microsoft.com/exchange/services/2006/types"
ENS = "http://schemas.microsoft.com/exchange/services/2006/errors"
DISTINGUISHED = {  # id: (display name, parent)
    "root": ("", None),
    "msgfolderroot": ("Top of Information Store", "root"),
    "inbox": ("Inbox", "msgfolderroot"),
    "sentitems": ("Sent Items", "msgfolderroot"),
    "drafts": ("Drafts", "msgfolderroot"),
    "deleteditems": ("Deleted Items", "msgfolderroot"),
    "outbox": ("Outbox", "msgfolderroot"),
    "junkemail": ("Junk Email", "msgfolderroot"),
    "archivemsgfolderroot": ("Archive", "msgfolderroot"),
}


def _t(name: str) -> str:
    return f"{{{TNS}}}{name}"


def _m(name: str) -> str:
    return f"{{{MNS}}}{name}"


@dataclass(frozen=True, slots=True)
class SentAttachment:
    name: str
    content_type: str
    data: bytes


@dataclass(slots=True)
class SentItem:
    """What the fake Exchange accepted with CreateItem/SendAndSaveCopy."""

    subject: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    headers: dict[str, str]
    body: str
    body_type: str
    read_receipt: bool
    attachments: list[SentAttachment]
    saved_to: str | None  # the folder the copy went to


@dataclass(slots=True)
class StoredItem:
    id: str
    changekey: str
    folder_id: str
    mime: bytes
    is_read: bool
    received: dt.datetime
    subject: str
    sender: str
    internet_message_id: str


@dataclass(slots=True)
class Folder:
    id: str
    changekey: str
    display_name: str
    parent_id: str | None
    distinguished: str | None


class _SoapFault(Exception):
    def __init__(self, code: str, message: str, back_off_ms: int | None = None) -> None:
        super().__init__(code)
        self.code, self.message, self.back_off_ms = code, message, back_off_ms


class _ItemError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code, self.message = code, message


def _new_id() -> str:
    return "AAMkAD" + secrets.token_urlsafe(30)


def _children(elem: Element | None, path: str) -> list[Element]:
    found = elem.find(path) if elem is not None else None
    return list(found) if found is not None else []


def _bool(text: str | None) -> bool:
    """xs:boolean: exchangelib writes 0/1, other clients true/false."""
    return text in ("true", "1")


def _text(elem: Element | None, path: str, default: str = "") -> str:
    if elem is None:
        return default
    found = elem.find(path)
    return default if found is None or found.text is None else found.text


class FakeEws:
    """EWS stand-in on 127.0.0.1 (plain HTTP, or HTTPS with a throw-away CA when `tls`); a context manager."""

    def __init__(
        self,
        *,
        mailbox: str = "ordofax@ssss.gouv.qc.ca",
        username: str = "ordofax",
        password: str = "demo-password",
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
    ) -> None:
        self.mailbox, self.username, self.password = mailbox.lower(), username, password
        self.tls = tls
        self.ca_file: Path | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.sent: list[SentItem] = []
        self.operations: list[str] = []  # SOAP operation names in order, e.g. "CreateItem"
        self.soap_log: list[bytes] = []  # raw request bodies, for finding out what exchangelib sends
        self._lock = threading.RLock()
        self._busy: deque[int] = deque()
        self._items: dict[str, StoredItem] = {}
        self._folders: dict[str, Folder] = {}
        for key, (name, parent) in DISTINGUISHED.items():
            parent_id = self._folders[parent].id if parent else None
            self._folders[key] = Folder(_new_id(), secrets.token_hex(4), name, parent_id, key)
        self._server = Server((host, port), _Handler, self)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}/EWS/Exchange.asmx"

    def exchange_settings(self) -> dict[str, Any]:
        """Keys for `ExchangeSection` that point the gateway at this fake (no None values: TOML has none)."""
        settings: dict[str, Any] = {
            "backend": "ews",
            "mailbox": self.mailbox,
            "ews_url": self.url,
            "ews_username": self.username,
            "ews_password": self.password,
            "ews_auth_type": "basic",
            "ews_version": "Exchange2016",
        }
        if self.ca_file is not None:
            settings["ca_file"] = self.ca_file
        return settings

    def start(self) -> FakeEws:
        if self.tls:
            self._tmp = tempfile.TemporaryDirectory(prefix="ordofax-fake-ews-")
            self.ca_file, key_file = make_self_signed(Path(self._tmp.name))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.ca_file, key_file)
            key_file.unlink()  # loaded: no private key left on disk
            self._server.tls_context = context
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-ews", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> FakeEws:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- test controls -----------------------------------------------------------------------------------

    def fail_next(self, count: int, *, back_off_ms: int = 1000) -> None:
        """Answer the next `count` SOAP requests with ErrorServerBusy carrying BackOffMilliseconds."""
        with self._lock:
            self._busy.extend(back_off_ms for _ in range(count))

    def add_folder(self, display_name: str, parent: str = "inbox") -> str:
        with self._lock:
            folder = Folder(_new_id(), secrets.token_hex(4), display_name, self._folder(parent).id, None)
            self._folders[folder.id] = folder
            return folder.id

    def seed(self, mime: bytes, folder: str = "inbox", *, is_read: bool = False) -> str:
        """Deliver raw MIME into a folder (distinguished name, id or display name); returns the item id."""
        parsed = email.message_from_bytes(mime, policy=email.policy.default)
        with self._lock:
            item = StoredItem(
                id=_new_id(),
                changekey=secrets.token_hex(4),
                folder_id=self._folder(folder).id,
                mime=mime,
                is_read=is_read,
                received=dt.datetime.now(dt.UTC),
                subject=str(parsed.get("Subject", "")),
                sender=email.utils.parseaddr(str(parsed.get("From", "")))[1],
                internet_message_id=str(parsed.get("Message-ID", "")),
            )
            self._items[item.id] = item
            return item.id

    def items_in(self, folder: str) -> list[StoredItem]:
        with self._lock:
            folder_id = self._folder(folder).id
            return [i for i in self._items.values() if i.folder_id == folder_id]

    # -- folder and item lookup --------------------------------------------------------------------------

    def _folder(self, ref: str) -> Folder:
        if ref in self._folders:  # distinguished key
            return self._folders[ref]
        for f in self._folders.values():
            if ref in (f.id, f.display_name):
                return f
        raise _ItemError("ErrorFolderNotFound", "The specified folder could not be found in the store.")

    def _folder_ref(self, elem: Element) -> Folder:
        """A t:FolderId or t:DistinguishedFolderId element to a folder."""
        ref = elem.get("Id", "")
        if elem.tag == _t("DistinguishedFolderId"):
            mailbox = _text(elem, f"{_t('Mailbox')}/{_t('EmailAddress')}", self.mailbox).lower()
            if mailbox != self.mailbox or ref not in self._folders:
                raise _ItemError("ErrorFolderNotFound", "The specified folder could not be found in the store.")
            return self._folders[ref]
        for f in self._folders.values():
            if f.id == ref:
                return f
        raise _ItemError("ErrorFolderNotFound", "The specified folder could not be found in the store.")

    def _item(self, elem: Element) -> StoredItem:
        item = self._items.get(elem.get("Id", ""))
        if item is None:
            raise _ItemError("ErrorItemNotFound", "The specified object was not found in the store.")
        return item

    # -- operations: each returns the XML inside <m:{Op}ResponseMessage> per request element ------------

    def get_folder(self, request: Element) -> list[str]:
        return [
            self._one(lambda ref=ref: f"<m:Folders>{self._folder_xml(self._folder_ref(ref))}</m:Folders>")
            for ref in _children(request, _m("FolderIds"))
        ]

    def find_folder(self, request: Element) -> list[str]:
        wanted = self._display_name_restriction(request.find(_m("Restriction")))
        deep = request.get("Traversal") == "Deep"
        out = []
        for ref in _children(request, _m("ParentFolderIds")):

            def run(ref: Element = ref) -> str:
                parent = self._folder_ref(ref)
                found = [f for f in self._descendants(parent.id, deep) if wanted in (None, f.display_name)]
                body = "".join(self._folder_xml(f) for f in found)
                return (
                    f'<m:RootFolder TotalItemsInView="{len(found)}" IncludesLastItemInRange="true">'
                    f"<t:Folders>{body}</t:Folders></m:RootFolder>"
                )

            out.append(self._one(run))
        return out

    def find_item(self, request: Element) -> list[str]:
        unread_only = self._unread_restriction(request.find(_m("Restriction")))
        view = request.find(_m("IndexedPageItemView"))
        offset = int(view.get("Offset", "0")) if view is not None else 0
        limit = int(view.get("MaxEntriesReturned", "1000")) if view is not None else 1000
        out = []
        for ref in _children(request, _m("ParentFolderIds")):

            def run(ref: Element = ref) -> str:
                folder = self._folder_ref(ref)
                found = sorted(
                    (i for i in self._items.values() if i.folder_id == folder.id and not (unread_only and i.is_read)),
                    key=lambda i: i.received,
                )
                page = found[offset : offset + limit]
                last = offset + len(page) >= len(found)
                body = "".join(self._item_xml(i, mime=False) for i in page)
                return (
                    f'<m:RootFolder IndexedPagingOffset="{offset + len(page)}" '
                    f'TotalItemsInView="{len(found)}" '
                    f'IncludesLastItemInRange="{str(last).lower()}"><t:Items>{body}</t:Items></m:RootFolder>'
                )

            out.append(self._one(run))
        return out

    def get_item(self, request: Element) -> list[str]:
        shape = request.find(_m("ItemShape"))
        mime = shape is not None and (
            _bool(_text(shape, _t("IncludeMimeContent")))
            or any(f.get("FieldURI") == "item:MimeContent" for f in shape.iter(_t("FieldURI")))
        )
        return [
            self._one(lambda ref=ref: f"<m:Items>{self._item_xml(self._item(ref), mime=mime)}</m:Items>")
            for ref in _children(request, _m("ItemIds"))
        ]

    def update_item(self, request: Element) -> list[str]:
        out = []
        for change in _children(request, _m("ItemChanges")):

            def run(change: Element = change) -> str:
                item_id = change.find(_t("ItemId"))
                item = self._item(item_id if item_id is not None else Element("none"))
                for setter in change.iter(_t("SetItemField")):
                    field = setter.find(_t("FieldURI"))
                    if field is None or field.get("FieldURI") != "message:IsRead":
                        raise _ItemError("ErrorInvalidPropertyUpdateSentMessage", "only IsRead can be updated")
                    item.is_read = _bool(_text(setter, f"{_t('Message')}/{_t('IsRead')}"))
                item.changekey = secrets.token_hex(4)
                return (
                    f"<m:Items><t:Message><t:ItemId Id={quoteattr(item.id)} "
                    f"ChangeKey={quoteattr(item.changekey)}/></t:Message></m:Items>"
                    "<m:ConflictResults><t:Count>0</t:Count></m:ConflictResults>"
                )

            out.append(self._one(run))
        return out

    def move_item(self, request: Element) -> list[str]:
        target_ref = request.find(_m("ToFolderId"))
        out = []
        for ref in _children(request, _m("ItemIds")):

            def run(ref: Element = ref) -> str:
                target = self._folder_ref(target_ref[0]) if target_ref is not None and len(target_ref) else None
                if target is None:
                    raise _ItemError("ErrorInvalidRequest", "ToFolderId is missing")
                item = self._item(ref)
                del self._items[item.id]
                item.id, item.changekey, item.folder_id = _new_id(), secrets.token_hex(4), target.id
                self._items[item.id] = item
                return (
                    f"<m:Items><t:Message><t:ItemId Id={quoteattr(item.id)} "
                    f"ChangeKey={quoteattr(item.changekey)}/></t:Message></m:Items>"
                )

            out.append(self._one(run))
        return out

    def create_item(self, request: Element) -> list[str]:
        disposition = request.get("MessageDisposition")
        if disposition != "SendAndSaveCopy":
            raise _SoapFault("ErrorInvalidRequest", f"the fake only sends (MessageDisposition {disposition})")
        saved = request.find(_m("SavedItemFolderId"))
        saved_to = self._folder_ref(saved[0]).distinguished if saved is not None and len(saved) else None
        out = []
        for message in _children(request, _m("Items")):
            self.sent.append(self._sent_item(message, saved_to))
            out.append(self._one(lambda: "<m:Items/>"))
        return out

    # -- helpers -----------------------------------------------------------------------------------------

    @staticmethod
    def _one(build: Any) -> str:
        try:
            return '<RC ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>' + str(build()) + "</RC>"
        except _ItemError as err:
            return (
                f'<RC ResponseClass="Error"><m:MessageText>{escape(err.message)}</m:MessageText>'
                f"<m:ResponseCode>{err.code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></RC>"
            )

    def _sent_item(self, message: Element, saved_to: str | None) -> SentItem:
        def addresses(key: str) -> list[str]:
            box = message.find(_t(key))
            return [_text(m, _t("EmailAddress")) for m in box] if box is not None else []

        headers: dict[str, str] = {}
        for prop in message.findall(_t("ExtendedProperty")):
            uri = prop.find(_t("ExtendedFieldURI"))
            if uri is not None and uri.get("DistinguishedPropertySetId") == "InternetHeaders":
                headers[uri.get("PropertyName", "")] = _text(prop, _t("Value"))
        attachments = []
        for att in message.findall(f"{_t('Attachments')}/{_t('FileAttachment')}"):
            attachments.append(
                SentAttachment(
                    _text(att, _t("Name")),
                    _text(att, _t("ContentType")),
                    base64.b64decode(_text(att, _t("Content"))),
                )
            )
        body = message.find(_t("Body"))
        return SentItem(
            subject=_text(message, _t("Subject")),
            to=addresses("ToRecipients"),
            cc=addresses("CcRecipients"),
            bcc=addresses("BccRecipients"),
            headers=headers,
            body=body.text or "" if body is not None else "",
            body_type=body.get("BodyType", "") if body is not None else "",
            read_receipt=_bool(_text(message, _t("IsReadReceiptRequested"))),
            attachments=attachments,
            saved_to=saved_to,
        )

    def _descendants(self, parent_id: str, deep: bool) -> list[Folder]:
        children = [f for f in self._folders.values() if f.parent_id == parent_id]
        if not deep:
            return children
        return children + [d for c in children for d in self._descendants(c.id, True)]

    @staticmethod
    def _display_name_restriction(restriction: Element | None) -> str | None:
        if restriction is None:
            return None
        for cond in restriction.iter(_t("IsEqualTo")):
            field = cond.find(_t("FieldURI"))
            const = cond.find(f"{_t('FieldURIOrConstant')}/{_t('Constant')}")
            if field is not None and field.get("FieldURI") == "folder:DisplayName" and const is not None:
                return const.get("Value", "")
        raise _SoapFault("ErrorInvalidRestriction", "the fake only filters folders on DisplayName")

    @staticmethod
    def _unread_restriction(restriction: Element | None) -> bool:
        if restriction is None:
            return False
        cond = restriction.find(_t("IsEqualTo"))
        field = cond.find(_t("FieldURI")) if cond is not None else None
        const = cond.find(f"{_t('FieldURIOrConstant')}/{_t('Constant')}") if cond is not None else None
        if field is None or const is None or field.get("FieldURI") != "message:IsRead":
            raise _SoapFault("ErrorInvalidRestriction", "the fake only filters items on IsRead")
        if _bool(const.get("Value")):
            raise _SoapFault("ErrorInvalidRestriction", "the fake only filters on IsRead = false")
        return True

    def _folder_xml(self, f: Folder) -> str:
        parent = next((p for p in self._folders.values() if p.id == f.parent_id), None)
        items = [i for i in self._items.values() if i.folder_id == f.id]
        children = [c for c in self._folders.values() if c.parent_id == f.id]
        parts = [f"<t:FolderId Id={quoteattr(f.id)} ChangeKey={quoteattr(f.changekey)}/>"]
        if parent is not None:
            parts.append(f"<t:ParentFolderId Id={quoteattr(parent.id)} ChangeKey={quoteattr(parent.changekey)}/>")
        if f.distinguished != "root":
            parts.append("<t:FolderClass>IPF.Note</t:FolderClass>")
        parts += [
            f"<t:DisplayName>{escape(f.display_name)}</t:DisplayName>",
            f"<t:TotalCount>{len(items)}</t:TotalCount>",
            f"<t:ChildFolderCount>{len(children)}</t:ChildFolderCount>",
            "<t:EffectiveRights><t:CreateAssociated>true</t:CreateAssociated><t:CreateContents>true"
            "</t:CreateContents><t:CreateHierarchy>true</t:CreateHierarchy><t:Delete>true</t:Delete>"
            "<t:Modify>true</t:Modify><t:Read>true</t:Read><t:ViewPrivateItems>true</t:ViewPrivateItems>"
            "</t:EffectiveRights>",
            f"<t:UnreadCount>{sum(not i.is_read for i in items)}</t:UnreadCount>",
        ]
        if f.distinguished:
            parts.append(f"<t:DistinguishedFolderId>{f.distinguished}</t:DistinguishedFolderId>")
        return f"<t:Folder>{''.join(parts)}</t:Folder>"

    def _item_xml(self, i: StoredItem, *, mime: bool) -> str:
        folder = next(f for f in self._folders.values() if f.id == i.folder_id)
        parts = []
        if mime:
            encoded = base64.b64encode(i.mime).decode()
            parts.append(f'<t:MimeContent CharacterSet="UTF-8">{encoded}</t:MimeContent>')
        parts += [
            f"<t:ItemId Id={quoteattr(i.id)} ChangeKey={quoteattr(i.changekey)}/>",
            f"<t:ParentFolderId Id={quoteattr(folder.id)} ChangeKey={quoteattr(folder.changekey)}/>",
            "<t:ItemClass>IPM.Note</t:ItemClass>",
            f"<t:Subject>{escape(i.subject)}</t:Subject>",
            f"<t:DateTimeReceived>{i.received.strftime('%Y-%m-%dT%H:%M:%SZ')}</t:DateTimeReceived>",
            f"<t:Size>{len(i.mime)}</t:Size>",
            f"<t:InternetMessageId>{escape(i.internet_message_id)}</t:InternetMessageId>",
            f"<t:From><t:Mailbox><t:EmailAddress>{escape(i.sender)}</t:EmailAddress>"
            "<t:RoutingType>SMTP</t:RoutingType></t:Mailbox></t:From>",
            f"<t:IsRead>{str(i.is_read).lower()}</t:IsRead>",
        ]
        return f"<t:Message>{''.join(parts)}</t:Message>"


_OPERATIONS = {
    "GetFolder": FakeEws.get_folder,
    "FindFolder": FakeEws.find_folder,
    "FindItem": FakeEws.find_item,
    "GetItem": FakeEws.get_item,
    "UpdateItem": FakeEws.update_item,
    "MoveItem": FakeEws.move_item,
    "CreateItem": FakeEws.create_item,
}


def _envelope(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<s:Envelope xmlns:s="{SOAP}"><s:Header>'
        f'<h:ServerVersionInfo xmlns:h="{TNS}" MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" '
        'MinorBuildNumber="6" Version="V2017_07_11"/></s:Header>'
        f'<s:Body xmlns:m="{MNS}" xmlns:t="{TNS}">{body}</s:Body></s:Envelope>'
    ).encode()


def _fault(err: _SoapFault) -> bytes:
    xml = ""
    if err.back_off_ms is not None:
        xml = f'<t:MessageXml><t:Value Name="BackOffMilliseconds">{err.back_off_ms}</t:Value></t:MessageXml>'
    return _envelope(
        f'<s:Fault><faultcode xmlns:a="{TNS}">a:{err.code}</faultcode>'
        f'<faultstring xml:lang="en-US">{escape(err.message)}</faultstring><detail>'
        f'<e:ResponseCode xmlns:e="{ENS}">{err.code}</e:ResponseCode>'
        f'<e:Message xmlns:e="{ENS}">{escape(err.message)}</e:Message>{xml}</detail></s:Fault>'
    )


class _Handler(Handler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    server_version = "FakeEWS/1.0"

    @property
    def fake(self) -> FakeEws:
        return self.server.fake  # type: ignore[no-any-return]

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: operations are recorded in `FakeEws.operations`."""

    def _reply(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        value = self.headers.get("Authorization") or ""
        if not value.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return (user, password) == (self.fake.username, self.fake.password)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self._authorized():
            self._reply(401, b"", {"WWW-Authenticate": 'Basic realm="fake-ews"'})
            return
        fake = self.fake
        try:
            request = self._operation(body)
            op = request.tag.removeprefix(f"{{{MNS}}}")
            with fake._lock:
                fake.soap_log.append(body)
                fake.operations.append(op)
                if fake._busy:
                    raise _SoapFault(
                        "ErrorServerBusy",
                        "The server cannot service this request right now.",
                        fake._busy.popleft(),
                    )
                handler = _OPERATIONS.get(op)
                if handler is None:
                    raise _SoapFault("ErrorInvalidRequest", f"the fake does not implement {op}")
                messages = handler(fake, request)
        except _SoapFault as err:
            self._reply(500, _fault(err))
            return
        rc = f"m:{op}ResponseMessage"
        inner = "".join(m.replace("<RC ", f"<{rc} ").replace("</RC>", f"</{rc}>") for m in messages)
        self._reply(
            200,
            _envelope(f"<m:{op}Response><m:ResponseMessages>{inner}</m:ResponseMessages></m:{op}Response>"),
        )

    @staticmethod
    def _operation(body: bytes) -> Element:
        try:
            root = fromstring(body)
        except Exception:
            raise _SoapFault("ErrorSchemaValidation", "The request failed schema validation.") from None
        soap_body = root.find(f"{{{SOAP}}}Body")
        if soap_body is None or len(soap_body) != 1:
            raise _SoapFault("ErrorSchemaValidation", "The request failed schema validation.")
        return soap_body[0]  # type: ignore[no-any-return]


def main() -> int:
    return run_fake(
        "python -m fakes.ews",
        __doc__ or "",
        lambda port: FakeEws(port=port).start(),
        lambda sent: (
            f"sent: to={sent.to} headers={sent.headers} "
            f"attachments={[f'{a.name} ({len(a.data)} B)' for a in sent.attachments]}"
        ),
    )


if __name__ == "__main__":
    raise SystemExit(main())
