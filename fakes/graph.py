"""A stand-in for Microsoft Graph and the Microsoft identity platform, served over HTTPS on 127.0.0.1.

Why a real server: the gateway's Graph relay and mailbox reader must be tested exactly as they run, with
msal doing its OpenID discovery and client-credentials exchange and httpx making the API calls. msal only
accepts `https://` authorities, so the fake generates a throw-away self-signed certificate at start-up and
exposes its path as `ca_file` (the gateway's `exchange.ca_file`).

Why the standard library (`http.server` in a thread, not aiohttp): it needs no extra dependency, it runs
beside synchronous callers (msal, the demo) and asynchronous ones alike, and the handful of endpoints are
easy to route by hand.

What it serves (paths as Graph and login.microsoftonline.com have them):

* `GET /{tenant}/v2.0/.well-known/openid-configuration`, `POST /{tenant}/oauth2/v2.0/token`;
* `POST /v1.0/users/{m}/sendMail` (request body capped at 4 MB, like Graph);
* drafts: `POST …/messages`, `POST …/messages/{id}/attachments`,
  `POST …/messages/{id}/attachments/createUploadSession`, `PUT /upload/{session}` (pre-authenticated: a
  request that carries an `Authorization` header is refused, as Graph does), `POST …/messages/{id}/send`;
* mailbox: `GET …/mailFolders[/{f}/childFolders]?$filter=displayName eq '…'`,
  `GET …/mailFolders/{f}/messages?$filter=isRead eq false&$top=…&$skip=…`, `GET …/messages/{id}/$value`,
  `PATCH …/messages/{id}`, `POST …/messages/{id}/move` (the moved message gets a new id, as in Graph).

Every sent message is recorded as a `SentMessage` (recipients, subject, headers, decoded attachments);
`seed()` drops raw MIME into a folder; `fail_next()` injects 429/503 answers, `fail_token_requests()` makes
the token endpoint answer 503 (Retry-After: 1) and `revoke_tokens()` makes issued tokens invalid.
Run `python -m fakes.graph` to serve it until interrupted.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email
import email.policy
import email.utils
import ipaddress
import json
import re
import secrets
import tempfile
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from fakes.cli import run_fake
from fakes.httpd import Handler, Server

MAX_REQUEST_BYTES = 4 * 1024 * 1024  # Graph refuses larger request bodies (413)
WELL_KNOWN_FOLDERS = ("msgfolderroot", "inbox", "sentitems", "deleteditems", "archive", "drafts")
JsonObject = dict[str, Any]


def make_self_signed(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for 127.0.0.1/localhost and its key; return (cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ordofax fake")])
    now = dt.datetime.now(dt.UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fake-ca.pem", directory / "fake-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass(frozen=True, slots=True)
class ReceivedAttachment:
    name: str
    content_type: str
    data: bytes
    via: str  # "inline", "attachment" (POST …/attachments) or "upload-session"


@dataclass(slots=True)
class SentMessage:
    """What the fake Exchange Online accepted for delivery."""

    mailbox: str
    subject: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    headers: dict[str, str]
    body: str
    body_type: str
    read_receipt: bool
    attachments: list[ReceivedAttachment]
    via: str  # "sendMail" or "draft"


@dataclass(slots=True)
class StoredMessage:
    id: str
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
    display_name: str
    parent_id: str | None


@dataclass(slots=True)
class _Draft:
    mailbox: str
    message: JsonObject
    attachments: list[ReceivedAttachment] = field(default_factory=list)


@dataclass(slots=True)
class _UploadSession:
    draft_id: str
    name: str
    content_type: str
    size: int
    data: bytearray = field(default_factory=bytearray)


@dataclass(frozen=True, slots=True)
class _Fault:
    status: int
    retry_after: float | None


class _ApiError(Exception):
    def __init__(self, status: int, code: str, message: str = "") -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message or code


def _new_id() -> str:
    return "AAMk" + secrets.token_urlsafe(24)


def _addresses(message: JsonObject, key: str) -> list[str]:
    out = []
    for r in message.get(key) or []:
        out.append(str(r["emailAddress"]["address"]))
    return out


def _decode_attachment(item: JsonObject, via: str) -> ReceivedAttachment:
    if item.get("@odata.type") != "#microsoft.graph.fileAttachment":
        raise _ApiError(400, "ErrorInvalidRequest", "attachment must be a fileAttachment")
    try:
        data = base64.b64decode(str(item["contentBytes"]), validate=True)
    except (KeyError, binascii.Error):
        raise _ApiError(400, "ErrorInvalidRequest", "contentBytes is not base64") from None
    return ReceivedAttachment(str(item.get("name", "")), str(item.get("contentType", "")), data, via)


def _check_headers(message: JsonObject) -> dict[str, str]:
    headers: dict[str, str] = {}
    for h in message.get("internetMessageHeaders") or []:
        name = str(h.get("name", ""))
        if not name.lower().startswith("x-"):
            raise _ApiError(400, "InvalidInternetMessageHeader", "header names must start with 'X-'")
        headers[name] = str(h.get("value", ""))
    return headers


class FakeGraph:
    """Microsoft Graph + identity platform stand-in; use as a context manager."""

    def __init__(
        self,
        *,
        tenant_id: str = "demo-tenant",
        client_id: str = "demo-client",
        client_secret: str = "demo-secret",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.tenant_id, self.client_id, self.client_secret = tenant_id, client_id, client_secret
        self.sent: list[SentMessage] = []
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status), in order
        self.tokens_issued = 0
        self._lock = threading.RLock()
        self._tokens: set[str] = set()
        self._faults: deque[_Fault | None] = deque()
        self._token_faults = 0
        self._drafts: dict[str, _Draft] = {}
        self._sessions: dict[str, _UploadSession] = {}
        self._messages: dict[str, StoredMessage] = {}
        self._folders: dict[str, Folder] = {}
        for name in WELL_KNOWN_FOLDERS:
            parent = None if name == "msgfolderroot" else "msgfolderroot"
            self._folders[name] = Folder(name, name.capitalize(), parent)
        self._tmp = tempfile.TemporaryDirectory(prefix="ordofax-fake-graph-")
        self.ca_file, self._key_file = make_self_signed(Path(self._tmp.name))
        self._server = Server((host, port), _Handler, self)
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def authority_url(self) -> str:
        return self.base_url

    @property
    def graph_url(self) -> str:
        return f"{self.base_url}/v1.0"

    def exchange_settings(self) -> dict[str, Any]:
        """Keys for `ExchangeSection` that point the gateway at this fake."""
        return {
            "backend": "graph",
            "tenant_id": self.tenant_id,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "authority_url": self.authority_url,
            "graph_url": self.graph_url,
            "ca_file": self.ca_file,
        }

    def start(self) -> FakeGraph:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_file, self._key_file)
        self._key_file.unlink()  # loaded: no private key left on disk
        self._server.tls_context = context
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-graph", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()
        self._tmp.cleanup()

    def __enter__(self) -> FakeGraph:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- test controls -----------------------------------------------------------------------------------

    def fail_next(self, count: int, *, status: int = 429, retry_after: float | None = 1, after: int = 0) -> None:
        """Answer `count` Graph API calls with `status` (and Retry-After when given), letting `after` through
        first. Upload-URL PUTs and identity calls are not counted."""
        with self._lock:
            self._faults.extend(None for _ in range(after))
            self._faults.extend(_Fault(status, retry_after) for _ in range(count))

    @property
    def open_drafts(self) -> int:
        """Drafts created and neither sent nor deleted."""
        with self._lock:
            return len(self._drafts)

    def fail_token_requests(self, count: int) -> None:
        """Answer the next `count` token requests with 503 temporarily_unavailable."""
        with self._lock:
            self._token_faults += count

    def revoke_tokens(self) -> None:
        """Make every token issued so far invalid (the next API call with one gets 401)."""
        with self._lock:
            self._tokens.clear()

    def add_folder(self, display_name: str, parent: str = "msgfolderroot") -> str:
        with self._lock:
            folder = Folder(_new_id(), display_name, parent)
            self._folders[folder.id] = folder
            return folder.id

    def seed(self, mime: bytes, folder: str = "inbox", *, is_read: bool = False) -> str:
        """Deliver raw MIME into a folder of the mailbox; returns the Graph message id."""
        parsed = email.message_from_bytes(mime, policy=email.policy.default)
        with self._lock:
            message = StoredMessage(
                id=_new_id(),
                folder_id=self._folder_id(folder),
                mime=mime,
                is_read=is_read,
                received=dt.datetime.now(dt.UTC),
                subject=str(parsed.get("Subject", "")),
                sender=email.utils.parseaddr(str(parsed.get("From", "")))[1],
                internet_message_id=str(parsed.get("Message-ID", "")),
            )
            self._messages[message.id] = message
            return message.id

    def messages_in(self, folder: str) -> list[StoredMessage]:
        with self._lock:
            folder_id = self._folder_id(folder)
            return [m for m in self._messages.values() if m.folder_id == folder_id]

    def message(self, message_id: str) -> StoredMessage:
        with self._lock:
            return self._messages[message_id]

    # -- internals used by the handler -------------------------------------------------------------------

    def _folder_id(self, ref: str) -> str:
        if ref.lower() in self._folders:
            return ref.lower()
        if ref in self._folders:
            return ref
        for f in self._folders.values():
            if f.display_name == ref:
                return f.id
        raise _ApiError(404, "ErrorInvalidIdMalformed", "folder not found")

    def _take_token_fault(self) -> bool:
        with self._lock:
            if self._token_faults <= 0:
                return False
            self._token_faults -= 1
            return True

    def _take_fault(self) -> _Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _issue_token(self, form: dict[str, list[str]]) -> JsonObject:
        def one(key: str) -> str:
            return (form.get(key) or [""])[0]

        if one("grant_type") != "client_credentials":
            raise _ApiError(400, "unsupported_grant_type")
        if one("client_id") != self.client_id or one("client_secret") != self.client_secret:
            raise _ApiError(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        token = "fake." + secrets.token_urlsafe(24)
        with self._lock:
            self._tokens.add(token)
            self.tokens_issued += 1
        return {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}

    def _token_ok(self, authorization: str | None) -> bool:
        if not authorization or not authorization.startswith("Bearer "):
            return False
        with self._lock:
            return authorization[len("Bearer ") :] in self._tokens

    def _record(self, sent: SentMessage) -> None:
        with self._lock:
            self.sent.append(sent)

    def _sent_from(self, mailbox: str, message: JsonObject, attachments: list[ReceivedAttachment], via: str) -> None:
        body = message.get("body") or {}
        self._record(
            SentMessage(
                mailbox=mailbox,
                subject=str(message.get("subject", "")),
                to=_addresses(message, "toRecipients"),
                cc=_addresses(message, "ccRecipients"),
                bcc=_addresses(message, "bccRecipients"),
                headers=_check_headers(message),
                body=str(body.get("content", "")),
                body_type=str(body.get("contentType", "")),
                read_receipt=bool(message.get("isReadReceiptRequested", False)),
                attachments=attachments,
                via=via,
            )
        )

    def _message_json(self, m: StoredMessage) -> JsonObject:
        return {
            "id": m.id,
            "subject": m.subject,
            "isRead": m.is_read,
            "receivedDateTime": m.received.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "internetMessageId": m.internet_message_id,
            "parentFolderId": m.folder_id,
            "from": {"emailAddress": {"address": m.sender}},
        }


_GRAPH = re.compile(r"^/v1\.0/users/(?P<mailbox>[^/]+)(?P<rest>/.*)$")
_FILTER_NAME = re.compile(r"^displayName eq '(?P<name>(?:[^']|'')*)'$")


class _Handler(Handler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    server_version = "FakeGraph/1.0"

    @property
    def fake(self) -> FakeGraph:
        return self.server.fake  # type: ignore[no-any-return]

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the fake records requests in `FakeGraph.requests` instead."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # -- plumbing ----------------------------------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self, status: int, payload: JsonObject | bytes | None = None, headers: dict[str, str] | None = None
    ) -> None:
        if isinstance(payload, bytes):
            data, ctype = payload, "message/rfc822"
        elif payload is None:
            data, ctype = b"", "application/json"
        else:
            data, ctype = json.dumps(payload).encode(), "application/json"
        with self.fake._lock:  # recorded before answering, so a client that got its answer sees it logged
            self.fake.requests.append((self.command, urlsplit(self.path).path, status))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        path, query = unquote(url.path), parse_qs(url.query)
        body = self._body()
        try:
            if path.startswith("/v1.0/"):
                self._api(method, path, query, body)
            elif path.startswith("/upload/") and method == "PUT":
                self._upload(path.removeprefix("/upload/"), body)
            else:
                self._identity(method, path, body)
        except _ApiError as err:
            if path.startswith("/v1.0/"):
                self._send(err.status, {"error": {"code": err.code, "message": err.message}})
            else:  # the identity platform answers in OAuth 2.0 form
                self._send(err.status, {"error": err.code, "error_description": err.message})

    def _identity(self, method: str, path: str, body: bytes) -> None:
        tenant = self.fake.tenant_id
        if method == "GET" and path == f"/{tenant}/v2.0/.well-known/openid-configuration":
            base = f"{self.fake.base_url}/{tenant}"
            self._send(
                200,
                {
                    "issuer": f"{base}/v2.0",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "token_endpoint_auth_methods_supported": ["client_secret_post"],
                },
            )
        elif method == "POST" and path == f"/{tenant}/oauth2/v2.0/token":
            if self.fake._take_token_fault():
                error = {"error": "temporarily_unavailable", "error_description": "AADSTS90033: injected"}
                self._send(503, error, {"Retry-After": "1"})
                return
            self._send(200, self.fake._issue_token(parse_qs(body.decode())))
        else:
            raise _ApiError(400, "invalid_tenant" if path.count("/") > 1 else "not_found")

    def _api(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> None:
        fault = self.fake._take_fault()
        if fault is not None:
            headers = {} if fault.retry_after is None else {"Retry-After": f"{fault.retry_after:g}"}
            code = {429: "TooManyRequests", 503: "ServiceUnavailable"}.get(fault.status, "ErrorInjected")
            self._send(fault.status, {"error": {"code": code, "message": "injected"}}, headers)
            return
        if not self.fake._token_ok(self.headers.get("Authorization")):
            raise _ApiError(401, "InvalidAuthenticationToken", "Access token is empty or invalid.")
        if len(body) > MAX_REQUEST_BYTES:
            raise _ApiError(413, "RequestEntityTooLarge", "The request body is larger than 4 MB.")
        match = _GRAPH.match(path)
        if match is None:
            raise _ApiError(404, "ResourceNotFound")
        payload = json.loads(body) if body and method != "PUT" else {}
        self._route(method, match["mailbox"].lower(), match["rest"], query, payload)

    def _route(self, method: str, mailbox: str, rest: str, query: dict[str, list[str]], payload: JsonObject) -> None:
        parts = rest.strip("/").split("/")
        fake = self.fake
        if method == "POST" and parts == ["sendMail"]:
            message = payload["message"]
            attachments = [_decode_attachment(a, "inline") for a in message.get("attachments") or []]
            fake._sent_from(mailbox, message, attachments, "sendMail")
            self._send(202)
        elif method == "POST" and parts == ["messages"]:
            self._create_draft(mailbox, payload)
        elif parts[0] == "messages" and len(parts) >= 2:
            self._message_op(method, mailbox, parts[1], parts[2:], payload)
        elif method == "GET" and parts[0] == "mailFolders":
            self._folders(parts[1:], query)
        else:
            raise _ApiError(400, "BadRequest", "unsupported request")

    def _create_draft(self, mailbox: str, payload: JsonObject) -> None:
        _check_headers(payload)
        attachments = [_decode_attachment(a, "inline") for a in payload.get("attachments") or []]
        draft_id = _new_id()
        with self.fake._lock:
            self.fake._drafts[draft_id] = _Draft(mailbox, payload, attachments)
        self._send(201, {"id": draft_id, "subject": payload.get("subject"), "isDraft": True})

    def _message_op(self, method: str, mailbox: str, message_id: str, tail: list[str], payload: JsonObject) -> None:
        fake = self.fake
        with fake._lock:
            draft = fake._drafts.get(message_id)
        if draft is not None:
            self._draft_op(method, message_id, draft, tail, payload)
            return
        with fake._lock:
            stored = fake._messages.get(message_id)
        if stored is None:
            raise _ApiError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        if method == "GET" and tail == ["$value"]:
            self._send(200, stored.mime)
        elif method == "PATCH" and not tail:
            with fake._lock:
                if "isRead" in payload:
                    stored.is_read = bool(payload["isRead"])
            self._send(200, fake._message_json(stored))
        elif method == "POST" and tail == ["move"]:
            with fake._lock:
                target = fake._folder_id(str(payload["destinationId"]))
                del fake._messages[message_id]
                stored.id, stored.folder_id = _new_id(), target
                fake._messages[stored.id] = stored
            self._send(201, fake._message_json(stored))
        elif method == "GET" and not tail:
            self._send(200, fake._message_json(stored))
        else:
            raise _ApiError(400, "BadRequest", "unsupported message operation")

    def _draft_op(self, method: str, draft_id: str, draft: _Draft, tail: list[str], payload: JsonObject) -> None:
        fake = self.fake
        if method == "POST" and tail == ["attachments"]:
            attachment = _decode_attachment(payload, "attachment")
            with fake._lock:
                draft.attachments.append(attachment)
            self._send(201, {"id": _new_id(), "name": attachment.name, "size": len(attachment.data)})
        elif method == "POST" and tail == ["attachments", "createUploadSession"]:
            item = payload["AttachmentItem"]
            if item.get("attachmentType") != "file" or int(item.get("size", 0)) <= 0:
                raise _ApiError(400, "ErrorInvalidRequest", "AttachmentItem needs attachmentType file and size")
            token = secrets.token_urlsafe(24)
            session = _UploadSession(draft_id, str(item["name"]), str(item.get("contentType", "")), int(item["size"]))
            with fake._lock:
                fake._sessions[token] = session
            expires = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
            self._send(
                201,
                {
                    "uploadUrl": f"{fake.base_url}/upload/{token}",
                    "expirationDateTime": expires,
                    "nextExpectedRanges": ["0-"],
                },
            )
        elif method == "DELETE" and not tail:
            with fake._lock:
                del fake._drafts[draft_id]
                for token in [t for t, s in fake._sessions.items() if s.draft_id == draft_id]:
                    del fake._sessions[token]
            self._send(204)
        elif method == "POST" and tail == ["send"]:
            with fake._lock:
                if any(s.draft_id == draft_id for s in fake._sessions.values()):
                    raise _ApiError(400, "ErrorInvalidRequest", "an upload session is still open")
                del fake._drafts[draft_id]
            fake._sent_from(draft.mailbox, draft.message, draft.attachments, "draft")
            self._send(202)
        else:
            raise _ApiError(400, "BadRequest", "unsupported draft operation")

    def _upload(self, token: str, body: bytes) -> None:
        fake = self.fake
        if self.headers.get("Authorization"):
            raise _ApiError(401, "InvalidAuthenticationToken", "upload URLs are pre-authenticated")
        with fake._lock:
            session = fake._sessions.get(token)
        if session is None:
            raise _ApiError(404, "ErrorItemNotFound", "upload session not found")
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", self.headers.get("Content-Range") or "")
        if match is None:
            raise _ApiError(400, "InvalidContentRange")
        start, end, total = (int(g) for g in match.groups())
        if start != len(session.data) or total != session.size or end - start + 1 != len(body):
            raise _ApiError(416, "InvalidRange", "range does not follow the bytes already received")
        if len(body) > MAX_REQUEST_BYTES:
            raise _ApiError(413, "RequestEntityTooLarge", "chunks are limited to 4 MB")
        session.data.extend(body)
        if len(session.data) < session.size:
            self._send(200, {"nextExpectedRanges": [str(len(session.data))]})  # Outlook: a single "{start}"
            return
        with fake._lock:
            del fake._sessions[token]
            draft = fake._drafts[session.draft_id]
            draft.attachments.append(
                ReceivedAttachment(session.name, session.content_type, bytes(session.data), "upload-session")
            )
        self._send(201, None, {"Location": f"{fake.graph_url}/attachments/{_new_id()}"})

    def _folders(self, parts: list[str], query: dict[str, list[str]]) -> None:
        fake = self.fake
        with fake._lock:
            if not parts:
                self._send(200, {"value": self._child_folders("msgfolderroot", query)})
            elif len(parts) == 2 and parts[1] == "childFolders":
                self._send(200, {"value": self._child_folders(fake._folder_id(parts[0]), query)})
            elif len(parts) == 2 and parts[1] == "messages":
                self._send(200, self._list_messages(fake._folder_id(parts[0]), query))
            else:
                raise _ApiError(400, "BadRequest", "unsupported folder request")

    def _child_folders(self, parent: str, query: dict[str, list[str]]) -> list[JsonObject]:
        wanted: str | None = None
        if "$filter" in query:
            m = _FILTER_NAME.match(query["$filter"][0])
            if m is None:
                raise _ApiError(400, "ErrorInvalidUrlQueryFilter")
            wanted = m["name"].replace("''", "'")
        return [
            {"id": f.id, "displayName": f.display_name, "parentFolderId": f.parent_id}
            for f in self.fake._folders.values()
            if f.parent_id == parent and (wanted is None or f.display_name == wanted)
        ]

    def _list_messages(self, folder_id: str, query: dict[str, list[str]]) -> JsonObject:
        flt = (query.get("$filter") or [""])[0]
        if flt not in ("", "isRead eq false"):
            raise _ApiError(400, "ErrorInvalidUrlQueryFilter")
        top = int((query.get("$top") or ["10"])[0])
        skip = int((query.get("$skip") or ["0"])[0])
        found = sorted(
            (m for m in self.fake._messages.values() if m.folder_id == folder_id and not (flt and m.is_read)),
            key=lambda m: m.received,
        )
        page: JsonObject = {"value": [self.fake._message_json(m) for m in found[skip : skip + top]]}
        if skip + top < len(found):
            base = f"{self.fake.base_url}{urlsplit(self.path).path}"
            page["@odata.nextLink"] = f"{base}?$filter={flt}&$top={top}&$skip={skip + top}"
        return page


def main() -> int:
    return run_fake(
        "python -m fakes.graph",
        __doc__ or "",
        lambda port: FakeGraph(port=port).start(),
        lambda sent: (
            f"sent via {sent.via}: to={sent.to} headers={sent.headers} "
            f"attachments={[f'{a.name} ({len(a.data)} B, {a.via})' for a in sent.attachments]}"
        ),
    )


if __name__ == "__main__":
    raise SystemExit(main())
