"""Exchange Online delivery through Microsoft Graph — the default Exchange back-end.

The gateway authenticates as an Entra ID application with the client-credentials flow (msal
`ConfidentialClientApplication`, authority `exchange.authority_url/tenant_id`) and sends as the shared
mailbox `exchange.mailbox` with the `Mail.Send` application permission (`Mail.ReadWrite` for the mailbox
reader). msal is pointed at any authority with `validate_authority=False, instance_discovery=False`; it
still fetches the tenant's OpenID configuration and insists on `https://`, which the stand-in
(fakes.graph) serves with a throw-away certificate trusted through `exchange.ca_file`. msal is synchronous
(requests), so token calls run in a worker thread; its in-memory cache keeps the token between messages.
The client also keeps the token it was last given for as long as msal would hand it out from its cache (until
5 minutes before expiry, or msal's proactive-refresh time): asking msal in a worker thread on every request
cost about a fifth of a millisecond of CPU each time, for the same answer.

Request bodies are encoded as httpx would encode them (compact JSON, UTF-8), except that attachment bytes
are spliced in as base64 text instead of being JSON-escaped character by character (`message_body`): the
base64 alphabet needs no escaping, and the archives copy is one such 60 KB string per message.

Messages whose attachments total at most 3 MB go in one `POST /users/{m}/sendMail` (the request is capped
at 4 MB after base64). Larger ones are built as a draft: small attachments posted directly, each one over
3 MB streamed through an upload session in chunks (multiples of 320 KiB, under 4 MB, without the bearer
token: upload URLs are pre-authenticated), then `POST …/send`. A draft left behind by a failure is deleted.

Throttling: 429/503 (and 502/504) are retried within the call up to `attempts` times when the server's
`Retry-After` is at most `max_wait_seconds`; after that `ExchangeThrottled` (a retryable `RelayError`
with `retry_after`) goes to the job scheduler. A 401 drops the cached token and tries once more. Any other
4xx is not retryable. Error messages carry the HTTP status and Graph's error code, never message content.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import email.utils
import functools
import json as jsonlib
import logging
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import msal
import msal.exceptions
import requests
import requests.adapters

from gateway.config import ExchangeSection
from gateway.errors import ConfigError, RelayError
from gateway.relay.base import Outbound, OutboundAttachment, RelayReceipt
from gateway.relay.mime_build import ExchangeMessage, ExchangeThrottled, build_exchange_message

log = logging.getLogger(__name__)

INLINE_LIMIT = 3_000_000  # bytes of attachments that fit in one 4 MB JSON request once base64-encoded
CHUNK_SIZE = 10 * 320 * 1024  # upload-session chunks: a multiple of 320 KiB, under Graph's 4 MB
_THROTTLE_STATUSES = frozenset({429, 502, 503, 504})
_FATAL_TOKEN_ERRORS = frozenset({"invalid_client", "unauthorized_client", "invalid_scope", "invalid_request"})
_TOKEN_MARGIN_SECONDS = 300  # msal stops serving a cached token this long before it expires
JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    good_until: float  # time.time(), the clock msal judges its cache by


def _kept_token(result: JsonObject, token: str) -> _Token | None:
    """The token with the time until which msal would return it from its cache, or None if it would not."""
    expires_in = result.get("expires_in")
    if not isinstance(expires_in, int | float):
        return None
    lifetime = float(expires_in) - _TOKEN_MARGIN_SECONDS
    refresh_on = result.get("refresh_on")
    if isinstance(refresh_on, int | float):
        lifetime = min(lifetime, float(refresh_on) - time.time())
    return _Token(token, time.time() + lifetime) if lifetime > 0 else None


def tls_verify(settings: ExchangeSection) -> ssl.SSLContext | bool:
    """What httpx should verify the server with: the system store, `ca_file` instead, or nothing."""
    if not settings.validate_certs:
        return False
    if settings.ca_file is not None:
        try:
            return ssl.create_default_context(cafile=str(settings.ca_file))
        except (OSError, ssl.SSLError):
            raise ConfigError(f"key 'exchange.ca_file': cannot load CA bundle {settings.ca_file}") from None
    return True


def _requests_verify(settings: ExchangeSection) -> bool | str:
    if not settings.validate_certs:
        return False
    return str(settings.ca_file) if settings.ca_file is not None else True


def _requests_session(settings: ExchangeSection) -> requests.Session:
    """The HTTP session msal uses. `verify` is passed on every request because requests would otherwise
    let the REQUESTS_CA_BUNDLE environment variable override the session's own setting."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(max_retries=1)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.request = functools.partial(  # type: ignore[method-assign]
        session.request, timeout=settings.timeout_seconds, verify=_requests_verify(settings)
    )
    return session


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "-"


class GraphClient:
    """An authenticated, throttling-aware Graph session for one shared mailbox (used by relay and reader)."""

    def __init__(
        self,
        settings: ExchangeSection,
        *,
        attempts: int = 3,
        max_wait_seconds: float = 10.0,
        default_wait_seconds: float = 1.0,
    ) -> None:
        self.settings = settings
        self.mailbox_path = f"/users/{quote(settings.mailbox)}"
        self._attempts = max(1, attempts)
        self._max_wait = max_wait_seconds
        self._default_wait = default_wait_seconds
        self._http = httpx.AsyncClient(
            base_url=settings.graph_url.rstrip("/"),
            timeout=settings.timeout_seconds,
            verify=tls_verify(settings),
        )
        split = urlsplit(settings.graph_url)
        self._scope = f"{split.scheme}://{split.netloc}/.default"
        self._app: msal.ConfidentialClientApplication | None = None
        self._token_lock = asyncio.Lock()
        self._token: _Token | None = None
        self._endpoints: dict[str, httpx.URL] = {}

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- tokens ------------------------------------------------------------------------------------------

    def _make_app(self) -> msal.ConfidentialClientApplication:
        s = self.settings
        return msal.ConfidentialClientApplication(
            s.client_id,
            client_credential=s.client_secret,
            authority=f"{s.authority_url.rstrip('/')}/{s.tenant_id}",
            validate_authority=False,
            instance_discovery=False,
            http_client=_requests_session(s),
        )

    def _acquire(self, refresh: bool) -> _Token:
        try:
            if self._app is None:
                self._app = self._make_app()
            if refresh:
                self._app.remove_tokens_for_client()
            result: JsonObject = self._app.acquire_token_for_client(scopes=[self._scope])
        except (ValueError, OSError, msal.exceptions.MsalError) as exc:  # discovery, connection, TLS, 5xx
            raise RelayError(
                f"identity platform unreachable: {exc.__class__.__name__}",
                retryable=True,
                cause="unreachable",
            ) from None
        token = result.get("access_token")
        if isinstance(token, str):
            return _kept_token(result, token) or _Token(token, 0.0)  # 0.0: ask msal again next time
        error = str(result.get("error", "unknown"))
        raise RelayError(f"access token refused: {error}", retryable=error not in _FATAL_TOKEN_ERRORS, cause="auth")

    async def token(self, *, refresh: bool = False) -> str:
        if not refresh and (kept := self._kept()) is not None:
            return kept
        async with self._token_lock:
            if refresh:
                self._token = None
            elif (kept := self._kept()) is not None:  # another request renewed it meanwhile
                return kept
            self._token = await asyncio.to_thread(self._acquire, refresh)
            return self._token.value

    def _kept(self) -> str | None:
        token = self._token
        return token.value if token is not None and time.time() < token.good_until else None

    # -- requests ----------------------------------------------------------------------------------------

    def endpoint(self, suffix: str) -> httpx.URL:
        """The absolute URL of `mailbox_path + suffix` for a fixed endpoint ("/sendMail", "/messages"), merged
        with the base URL once, exactly as httpx merges a relative URL on every request."""
        url = self._endpoints.get(suffix)
        if url is None:
            base = self._http.base_url
            relative = httpx.URL(self.mailbox_path + suffix)
            url = self._endpoints[suffix] = base.copy_with(raw_path=base.raw_path + relative.raw_path.lstrip(b"/"))
        return url

    async def request(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        json: JsonObject | None = None,
        body: bytes | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        authenticated: bool = True,
    ) -> httpx.Response:
        """Send one Graph request, retrying throttling within bounds; raise `RelayError` on failure.
        `body` is JSON already encoded (`message_body`), `content` anything else."""
        if body is not None:
            content, headers = body, {**(headers or {}), "Content-Type": "application/json"}
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            sent_headers = dict(headers or {})
            if authenticated:
                sent_headers["Authorization"] = f"Bearer {await self.token(refresh=refreshed)}"
            response = await self._send(method, url, json=json, content=content, headers=sent_headers, params=params)
            if response.status_code == 401 and authenticated and not refreshed:
                refreshed = True  # token revoked or expired early: one more try with a fresh one
                continue
            if response.status_code < 400:
                return response
            delay = self._throttle_delay(response, method, attempt)
            log.info("graph %s throttled (HTTP %d), waiting %.1f s", method, response.status_code, delay)
            await asyncio.sleep(delay)

    def _throttle_delay(self, response: httpx.Response, method: str, attempt: int) -> float:
        """How long to wait before trying a failed request again here, or the RelayError to raise."""
        status = response.status_code
        if status not in _THROTTLE_STATUSES:
            cause = "auth" if status in (401, 403) else ("unreachable" if status >= 500 else "refused")
            raise RelayError(
                f"Graph {method} refused: HTTP {status} {_error_code(response)}",
                retryable=status >= 500,
                cause=cause,
            )
        wait = _retry_after(response)
        delay = self._default_wait if wait is None else wait
        if attempt >= self._attempts or delay > self._max_wait:
            raise ExchangeThrottled(
                f"Graph {method} throttled: HTTP {status} {_error_code(response)} after {attempt} tries",
                retry_after=wait,
            )
        return delay

    async def _send(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        json: JsonObject | None,
        content: bytes | None,
        headers: dict[str, str],
        params: dict[str, str] | None,
    ) -> httpx.Response:
        try:
            return await self._http.request(method, url, json=json, content=content, headers=headers, params=params)
        except httpx.TimeoutException:
            raise RelayError(f"Graph {method} timed out", retryable=True, cause="unreachable") from None
        except httpx.TransportError as exc:
            raise RelayError(
                f"Graph unreachable: {exc.__class__.__name__}", retryable=True, cause="unreachable"
            ) from None


def _attachment_head(attachment: OutboundAttachment) -> JsonObject:
    return {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": attachment.filename,
        "contentType": attachment.content_type,
    }


def _file_attachment(attachment: OutboundAttachment) -> JsonObject:
    return {**_attachment_head(attachment), "contentBytes": base64.b64encode(attachment.data).decode("ascii")}


def _dumps(value: object) -> bytes:
    """JSON as httpx encodes a `json=` body."""
    return jsonlib.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def attachment_body(attachment: OutboundAttachment) -> bytes:
    """`_file_attachment(attachment)` encoded, the base64 text spliced in (it needs no JSON escaping)."""
    head = _dumps(_attachment_head(attachment))
    return head[:-1] + b',"contentBytes":"' + base64.b64encode(attachment.data) + b'"}'


def message_json(message: ExchangeMessage, attachments: Iterable[OutboundAttachment]) -> JsonObject:
    """The Graph `message` resource for `message` with the given attachments inline."""
    payload: JsonObject = {
        "subject": message.subject,
        "body": {"contentType": "Text", "content": message.body_text},
        "toRecipients": [{"emailAddress": {"address": message.to}}],
        "internetMessageHeaders": [{"name": k, "value": v} for k, v in message.headers.items()],
        "isReadReceiptRequested": message.read_receipt,
    }
    inline = [_file_attachment(a) for a in attachments]
    if inline:
        payload["attachments"] = inline
    return payload


def message_body(message: ExchangeMessage, attachments: Iterable[OutboundAttachment], *, send: bool) -> bytes:
    """`message_json(message, attachments)` encoded — wrapped for `sendMail` when `send` — the same bytes
    httpx would send for it, built without JSON-escaping the attachments' base64 text."""
    encoded = _dumps(message_json(message, ()))
    inline = [attachment_body(a) for a in attachments]
    if inline:  # message_json puts them last
        encoded = encoded[:-1] + b',"attachments":[' + b",".join(inline) + b"]}"
    return b'{"message":' + encoded + b',"saveToSentItems":true}' if send else encoded


class GraphRelay:
    """Relay to Exchange Online: `await GraphRelay(config.exchange).deliver(outbound)`."""

    name = "graph"

    def __init__(self, settings: ExchangeSection, *, client: GraphClient | None = None) -> None:
        self.settings = settings
        self._client = client or GraphClient(settings)

    async def deliver(self, outbound: Outbound) -> RelayReceipt:
        message = build_exchange_message(outbound, self.settings)
        total = sum(len(a.data) for a in message.attachments)
        remote_id: str | None = None
        if total <= INLINE_LIMIT:
            body = message_body(message, message.attachments, send=True)
            await self._client.request("POST", self._client.endpoint("/sendMail"), body=body)
        else:
            remote_id = await self._send_as_draft(message)
        log.info("job %s accepted by Graph (%d attachment bytes)", outbound.job_ref, total)
        return RelayReceipt(outbound.job_ref, dt.datetime.now(dt.UTC), "graph", remote_id)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _send_as_draft(self, message: ExchangeMessage) -> str:
        small = [a for a in message.attachments if len(a.data) <= INLINE_LIMIT]
        large = [a for a in message.attachments if len(a.data) > INLINE_LIMIT]
        base = self._client.mailbox_path
        response = await self._client.request("POST", f"{base}/messages", json=message_json(message, ()))
        draft_id = str(response.json()["id"])
        draft = f"{base}/messages/{quote(draft_id, safe='')}"
        try:
            for attachment in small:
                await self._client.request("POST", f"{draft}/attachments", body=attachment_body(attachment))
            for attachment in large:
                await self._upload(draft, attachment)
            await self._client.request("POST", f"{draft}/send")
        except Exception:
            await self._discard(draft)
            raise
        return draft_id

    async def _upload(self, draft: str, attachment: OutboundAttachment) -> None:
        size = len(attachment.data)
        item = {
            "attachmentType": "file",
            "name": attachment.filename,
            "size": size,
            "contentType": attachment.content_type,
        }
        response = await self._client.request(
            "POST", f"{draft}/attachments/createUploadSession", json={"AttachmentItem": item}
        )
        upload_url = str(response.json()["uploadUrl"])
        for start in range(0, size, CHUNK_SIZE):
            chunk = attachment.data[start : start + CHUNK_SIZE]
            headers = {
                "Content-Range": f"bytes {start}-{start + len(chunk) - 1}/{size}",
                "Content-Type": "application/octet-stream",
            }
            await self._client.request("PUT", upload_url, content=chunk, headers=headers, authenticated=False)

    async def _discard(self, draft: str) -> None:
        try:
            await self._client.request("DELETE", draft)
        except RelayError as exc:
            log.warning("draft left in the mailbox after a failed send: %s", exc)
