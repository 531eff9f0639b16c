"""The cloud-fax relay: one fax job becomes one e-mail to the provider's e-mail-to-fax gateway.

Why SMTP: every cloud fax provider the establishment may contract with (InterFAX and its kin) accepts
`<number>@<provider domain>` with the document attached, and answers later with an e-mail notice. The relay's
job ends at the provider's 250 after DATA; delivery is confirmed by the notice (gateway.relay.notices).

The same client code (`smtp_send`) also sends the gateway's own notices to prescribers, so SMTP failures are
mapped to `RelayError` in exactly one place:

- connection refused, time-outs, disconnects   → retryable, cause "unreachable"
- 4xx replies                                  → retryable, cause "busy" / "throttled" / "tempfail"
- 5xx replies, authentication refused           → not retryable, cause "refused"

A time-out *after* the message body was sent is ambiguous (the provider may have accepted it): it is reported
as retryable "unreachable" with `in_doubt` set, and the service then waits for the provider's notice (which
carries the job reference) until the confirmation deadline before any resend, so a slow provider never gets
the same fax twice.

The fax relay keeps its connections to the provider open (`_Pool`, `provider.max_connections`,
`provider.idle_seconds`): connecting, the greeting, EHLO, STARTTLS and AUTH, then QUIT, cost both ends more
CPU than the fax's own transaction, and the service is CPU-bound. One connection carries one transaction at
a time and is dropped after any error, so none is ever reused in a state nobody knows. A kept connection
that fails at MAIL, by a disconnect or a 421, was closed by the server while idle: nothing of the fax was
sent, so the fax goes once more on a new connection, and that is not in doubt. Anything later is mapped as
on a new connection, the time-out after DATA included.

The client's EHLO name is the host's fully qualified name (`socket.getfqdn()`, aiosmtplib's default),
looked up once per relay instead of in a worker thread on every connection.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import email.policy
import re
import secrets
import socket
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import encode_rfc2231, format_datetime, formatdate, make_msgid
from typing import Literal

import aiosmtplib

from gateway.config import ProviderSection
from gateway.errors import RelayError
from gateway.relay.base import Outbound, RelayReceipt

JOB_HEADER = "X-Ordofax-Job"
JOB_REF_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_JOB_REF_RE = re.compile(rf"^{JOB_REF_PATTERN}$")
_E164_NANP_RE = re.compile(r"^\+1([2-9]\d{2}[2-9]\d{6})$")
_QUEUED_AS_RE = re.compile(r"queued as\s+([A-Za-z0-9._-]+)", re.IGNORECASE)

TlsMode = Literal["none", "starttls", "implicit"]


def subject_tag(job_ref: str) -> str:
    """The tag put in the subject so a provider notice that only quotes the subject can still be matched."""
    return f"[ordofax:{job_ref}]"


@dataclass(frozen=True, slots=True)
class SmtpEndpoint:
    """Where and how to reach an SMTP server: the provider, or the relay used for sender notices."""

    host: str
    port: int
    tls: TlsMode = "none"
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = 30.0
    validate_certs: bool = True

    @classmethod
    def from_provider(cls, provider: ProviderSection) -> SmtpEndpoint:
        return cls(
            host=provider.host,
            port=provider.port,
            tls=provider.tls,
            username=provider.username,
            password=provider.password,
            timeout_seconds=provider.timeout_seconds,
            validate_certs=provider.validate_certs,
        )

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}"


def fax_address(template: str, e164: str) -> str:
    """The provider address for a North American E.164 number.

    `{digits}` and `{e164_digits}` give the 11 digits with the leading 1 ("15145550150"), `{number10}` the
    10 digits without it.
    """
    match = _E164_NANP_RE.match(e164)
    if match is None:
        raise RelayError("fax number is not a North American E.164 number", retryable=False, cause="invalid")
    number10 = match.group(1)
    try:
        return template.format(digits="1" + number10, e164_digits="1" + number10, number10=number10)
    except (KeyError, IndexError, ValueError) as exc:
        raise RelayError(
            f"provider.address_template is invalid ({exc.__class__.__name__})",
            retryable=False,
            cause="config",
        ) from None


def _check_job_ref(job_ref: str) -> None:
    if not _JOB_REF_RE.match(job_ref):
        raise RelayError("job reference has characters a header cannot carry", retryable=False, cause="invalid")


def build_fax_message(outbound: Outbound, provider: ProviderSection) -> EmailMessage:
    """The e-mail the provider turns into a fax: the PDF attached, no body unless a cover page is wanted."""
    _check_job_ref(outbound.job_ref)
    if not outbound.attachments:
        raise RelayError("a fax needs a document to send", retryable=False, cause="invalid")
    try:
        return _fax_message(outbound, provider)
    except ValueError:  # a header value with a line break, or an unusable content type
        raise RelayError("the fax message cannot be built", retryable=False, cause="invalid") from None


def _fax_message(outbound: Outbound, provider: ProviderSection) -> EmailMessage:
    tag = subject_tag(outbound.job_ref)
    subject = outbound.subject if tag in outbound.subject else f"{outbound.subject} {tag}".strip()
    msg = EmailMessage()
    msg["From"] = provider.from_address
    msg["To"] = fax_address(provider.address_template, outbound.to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=provider.from_address.rpartition("@")[2] or None)
    msg[JOB_HEADER] = outbound.job_ref
    for name, value in outbound.headers.items():
        if name.lower() not in {"from", "to", "subject", "date", "message-id", JOB_HEADER.lower()}:
            msg[name] = value
    # An empty text body: providers render a non-empty body as a cover page in front of the document.
    msg.set_content(outbound.body_text if provider.cover_page else "", subtype="plain", charset="utf-8")
    for att in outbound.attachments:
        maintype, _, subtype = att.content_type.partition("/")
        msg.add_attachment(att.data, maintype=maintype, subtype=subtype or "octet-stream", filename=att.filename)
    return msg


_TOKEN_RE = re.compile(r"^[\x20-\x7e]*$")  # printable ASCII: a header value that needs no encoding
_MIME_TYPE_RE = re.compile(r"^[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+$")
_RESERVED = {"from", "to", "subject", "date", "message-id", JOB_HEADER.lower()}


def fax_message_bytes(outbound: Outbound, provider: ProviderSection) -> tuple[str, bytes]:
    """(provider address, the message's bytes as sent): the same message as `build_fax_message`, written
    directly. Why: the email package's generator costs ~4 ms per fax (header registry, base64 line by line);
    this is ~0.2 ms. Anything unusual (non-ASCII header values or body, odd content types) takes the email
    package's path, so the output is always a valid RFC 5322 / MIME message."""
    _check_job_ref(outbound.job_ref)
    if not outbound.attachments:
        raise RelayError("a fax needs a document to send", retryable=False, cause="invalid")
    to = fax_address(provider.address_template, outbound.to)
    fast = _fast_fax_bytes(outbound, provider, to)
    if fast is not None:
        return to, fast
    return to, build_fax_message(outbound, provider).as_bytes(policy=email.policy.SMTP)


def _fast_fax_bytes(outbound: Outbound, provider: ProviderSection, to: str) -> bytes | None:
    tag = subject_tag(outbound.job_ref)
    subject = outbound.subject if tag in outbound.subject else f"{outbound.subject} {tag}".strip()
    body = outbound.body_text if provider.cover_page else ""
    headers = [
        ("From", provider.from_address),
        ("To", to),
        ("Subject", subject),
        ("Date", format_datetime(dt.datetime.now(dt.UTC))),
        ("Message-ID", make_msgid(domain=provider.from_address.rpartition("@")[2] or None)),
        (JOB_HEADER, outbound.job_ref),
        *((n, v) for n, v in outbound.headers.items() if n.lower() not in _RESERVED),
    ]
    plain = all(_TOKEN_RE.match(f"{n}: {v}") and len(n) + len(v) < 900 for n, v in headers)
    if not plain or not body.isascii() or any(len(line) > 900 for line in body.splitlines()):
        return None
    if not all(_MIME_TYPE_RE.match(a.content_type) for a in outbound.attachments):
        return None
    boundary = f"==============={secrets.randbelow(10**19):019d}=="
    text = "\r\n".join(body.splitlines()) + "\r\n"
    lines = [f"{name}: {value}" for name, value in headers]
    lines += ["MIME-Version: 1.0", f'Content-Type: multipart/mixed; boundary="{boundary}"', ""]
    lines += [f"--{boundary}", 'Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: 7bit", ""]
    parts = ["\r\n".join(lines).encode("ascii") + b"\r\n" + text.encode("ascii")]
    for att in outbound.attachments:
        head = [
            f"\r\n--{boundary}",
            f"Content-Type: {att.content_type}",
            "Content-Transfer-Encoding: base64",
            f"Content-Disposition: attachment;\r\n {_filename_param(att.filename)}",
            "",
            "",
        ]
        parts.append("\r\n".join(head).encode("ascii") + mime_base64(att.data))
    parts.append(f"\r\n--{boundary}--\r\n".encode("ascii"))
    return b"".join(parts)


def mime_base64(data: bytes) -> bytes:
    """`base64.encodebytes(data)` with CRLF line ends (76-character lines), encoded in one call and then cut:
    encodebytes encodes 57 bytes per Python-level call, about 800 calls for a 45 KB document."""
    encoded = base64.b64encode(data)
    if not encoded:
        return b""
    lines = [encoded[i : i + 76] for i in range(0, len(encoded), 76)]
    lines.append(b"")
    return b"\r\n".join(lines)


def _filename_param(filename: str) -> str:
    """The filename parameter as the email package writes it: quoted ASCII, or RFC 2231 for anything else."""
    if filename.isascii() and _TOKEN_RE.match(filename) and '"' not in filename and "\\" not in filename:
        return f'filename="{filename}"'
    return "filename*=" + encode_rfc2231(filename, "utf-8")


async def _ehlo_name() -> str:
    """The host's fully qualified name, as aiosmtplib would look it up (a DNS query: in a thread)."""
    return await asyncio.to_thread(socket.getfqdn)


def _client(endpoint: SmtpEndpoint, local_hostname: str) -> aiosmtplib.SMTP:
    client = aiosmtplib.SMTP(
        hostname=endpoint.host,
        port=endpoint.port,
        username=endpoint.username,
        password=endpoint.password,
        timeout=endpoint.timeout_seconds,
        use_tls=endpoint.tls == "implicit",
        start_tls=endpoint.tls == "starttls",
        validate_certs=endpoint.validate_certs,
    )
    client.local_hostname = local_hostname  # as aiosmtplib would set it (a constructor argument gets validated)
    return client


def _cause_for_4xx(code: int, text: str) -> str:
    lowered = text.lower()
    if code == 421 or "too many" in lowered or "rate" in lowered or "throttl" in lowered:
        return "throttled"
    if "busy" in lowered or code == 450:
        return "busy"
    return "tempfail"


def map_smtp_error(exc: Exception, endpoint: SmtpEndpoint, *, data_sent: bool = False) -> RelayError:
    """Turn an aiosmtplib failure into the gateway's RelayError. Messages name the server, never content."""
    where = endpoint.label
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refusals = exc.recipients
        first = refusals[0] if refusals else None
        if first is None:
            return RelayError(f"{where}: all recipients refused", retryable=False, cause="refused")
        return map_smtp_error(first, endpoint)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return RelayError(f"{where}: authentication refused ({exc.code})", retryable=False, cause="refused")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        if 400 <= exc.code < 500:
            cause = _cause_for_4xx(exc.code, exc.message)
            return RelayError(f"{where}: temporary refusal {exc.code}", retryable=True, cause=cause)
        if exc.code >= 500:
            return RelayError(f"{where}: refused {exc.code}", retryable=False, cause="refused")
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        after = " after the document was sent (the provider may have it)" if data_sent else ""
        return RelayError(f"{where}: timed out{after}", retryable=True, cause="unreachable", in_doubt=data_sent)
    if isinstance(exc, aiosmtplib.SMTPNotSupported) or type(exc) is aiosmtplib.SMTPException:
        # aiosmtplib's plain SMTPException: STARTTLS or AUTH asked for but not offered. Never fall back to
        # plain text or anonymous submission; an operator must fix the configuration or the provider.
        return RelayError(f"{where}: {exc}", retryable=False, cause="refused")
    if isinstance(exc, aiosmtplib.SMTPConnectError | ConnectionRefusedError):
        return RelayError(f"{where}: cannot connect", retryable=True, cause="unreachable")
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected | ConnectionResetError):
        # lost once the document went out: the provider may have queued it before the line dropped (the
        # duplicate-message window of RFC 1047), so it is in doubt like a time-out there, never resent blindly
        after = " after the document was sent (the provider may have it)" if data_sent else ""
        return RelayError(f"{where}: connection lost{after}", retryable=True, cause="unreachable", in_doubt=data_sent)
    if isinstance(exc, aiosmtplib.SMTPException | OSError):
        return RelayError(f"{where}: {exc.__class__.__name__}", retryable=True, cause="unreachable")
    return RelayError(f"{where}: {exc.__class__.__name__}", retryable=True, cause="unreachable")


_SMTP_FAILURES = (aiosmtplib.SMTPException, OSError, TimeoutError)
# How long a kept connection's QUIT waits for the goodbye: nothing depends on it, and a provider that does not
# answer (a peer on a blocked event loop, in tests) must not hold up a shutdown for `timeout_seconds`.
_GOODBYE_SECONDS = 1.0


async def smtp_send(
    message: EmailMessage | bytes, endpoint: SmtpEndpoint, *, sender: str, recipients: list[str]
) -> str:
    """Send one message (or its bytes, CRLF line ends) on a connection of its own; return the server's final
    reply text. Raises RelayError on any failure."""
    client = await _connect(endpoint, await _ehlo_name())
    reply = await _attempt(client, endpoint, message, sender, recipients)
    # the message is accepted: a polite QUIT, whose failure changes nothing
    await _quit(client, endpoint.timeout_seconds)
    return reply


async def _connect(endpoint: SmtpEndpoint, local_hostname: str) -> aiosmtplib.SMTP:
    """A new connection, past the greeting, EHLO, and STARTTLS and AUTH when configured."""
    client = _client(endpoint, local_hostname)
    try:
        await client.connect()
    except BaseException as exc:
        client.close()
        if isinstance(exc, _SMTP_FAILURES):
            raise map_smtp_error(exc, endpoint) from None
        raise
    return client


async def _quit(client: aiosmtplib.SMTP, timeout: float) -> None:
    with contextlib.suppress(*_SMTP_FAILURES):
        if client.is_connected:
            await client.quit(timeout=timeout)
    client.close()


class _ClosedWhileIdle(Exception):
    """A kept connection turned out to be closed at MAIL: nothing of the message was sent."""


@dataclass(slots=True)
class _Stage:
    mail_accepted: bool = False
    data_sent: bool = False


async def _attempt(
    client: aiosmtplib.SMTP,
    endpoint: SmtpEndpoint,
    message: EmailMessage | bytes,
    sender: str,
    recipients: list[str],
    *,
    kept: bool = False,
) -> str:
    """One transaction on `client`; on any failure the connection is closed (its state is unknown) and the
    failure mapped, or `_ClosedWhileIdle` raised for a `kept` connection the server had already closed."""
    stage = _Stage()
    try:
        return await _transaction(client, message, sender, recipients, stage)
    except BaseException as exc:
        client.close()
        if kept and _closed_while_idle(exc, stage):
            raise _ClosedWhileIdle from None
        if isinstance(exc, _SMTP_FAILURES):
            raise map_smtp_error(exc, endpoint, data_sent=stage.data_sent) from None
        raise


def _closed_while_idle(exc: BaseException, stage: _Stage) -> bool:
    if stage.mail_accepted:
        return False
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return exc.code == 421  # "closing transmission channel", e.g. the server's idle time-out
    return isinstance(exc, ConnectionError)


async def _transaction(
    client: aiosmtplib.SMTP, message: EmailMessage | bytes, sender: str, recipients: list[str], stage: _Stage
) -> str:
    await client.mail(sender)
    stage.mail_accepted = True
    for rcpt in recipients:
        await client.rcpt(rcpt)
    stage.data_sent = True
    data = message if isinstance(message, bytes) else message.as_bytes(policy=email.policy.SMTP)
    response = await client.data(data)
    return response.message


@dataclass(slots=True)
class _Idle:
    client: aiosmtplib.SMTP
    expiry: asyncio.TimerHandle


class _Pool:
    """Connections kept open to one SMTP endpoint: at most `size`, each carrying one transaction at a time; a
    fax waits for a free one. The connection used last is taken first, so a light load keeps one open and the
    others reach `idle_seconds` and are closed with QUIT. `idle_seconds` 0 keeps none (a QUIT after each).

    Connections belong to the event loop that opened them: under a new loop (a second `asyncio.run`) the old
    ones are forgotten, never touched, since their loop may be closed."""

    def __init__(self, endpoint: SmtpEndpoint, size: int, idle_seconds: float) -> None:
        self._endpoint = endpoint
        self._size = size
        self._idle_seconds = idle_seconds
        self._goodbye_seconds = min(endpoint.timeout_seconds, _GOODBYE_SECONDS)
        self._idle: list[_Idle] = []  # the one used last at the end
        self._slots = asyncio.Semaphore(size)
        self._quitting: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._local_hostname: str | None = None

    async def send(self, message: bytes, sender: str, recipients: list[str]) -> str:
        self._bind_loop()
        async with self._slots:
            client = self._take_idle()
            if client is not None:
                try:
                    return await self._send_on(client, message, sender, recipients, kept=True)
                except _ClosedWhileIdle:
                    pass  # once more on a new connection: nothing was sent
            if self._local_hostname is None:  # looked up once per relay, not per connection
                self._local_hostname = await _ehlo_name()
            client = await _connect(self._endpoint, self._local_hostname)
            return await self._send_on(client, message, sender, recipients, kept=False)

    async def aclose(self) -> None:
        """QUIT and close every kept connection; any used after this is closed after its transaction."""
        self._bind_loop()
        self._closed = True
        idle, self._idle = self._idle, []
        for item in idle:
            item.expiry.cancel()
        await asyncio.gather(*(self._quit(item.client) for item in idle), *self._quitting)

    async def _send_on(
        self, client: aiosmtplib.SMTP, message: bytes, sender: str, recipients: list[str], *, kept: bool
    ) -> str:
        reply = await _attempt(client, self._endpoint, message, sender, recipients, kept=kept)
        if self._closed or self._idle_seconds <= 0 or not client.is_connected:
            await self._quit(client)
        else:
            expiry = asyncio.get_running_loop().call_later(self._idle_seconds, self._expire, client)
            self._idle.append(_Idle(client, expiry))
        return reply

    def _take_idle(self) -> aiosmtplib.SMTP | None:
        while self._idle:
            item = self._idle.pop()
            item.expiry.cancel()
            if item.client.is_connected:
                return item.client
            item.client.close()
        return None

    def _expire(self, client: aiosmtplib.SMTP) -> None:
        self._idle = [item for item in self._idle if item.client is not client]
        task = asyncio.get_running_loop().create_task(self._quit(client))
        self._quitting.add(task)
        task.add_done_callback(self._quitting.discard)

    async def _quit(self, client: aiosmtplib.SMTP) -> None:
        await _quit(client, self._goodbye_seconds)

    def _bind_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._idle, self._quitting = loop, [], set()
            self._slots = asyncio.Semaphore(self._size)


class SmtpFaxRelay:
    """Relay implementation for the `fax` route, over connections to the provider kept open between faxes."""

    name = "fax-provider"

    def __init__(self, provider: ProviderSection) -> None:
        self._provider = provider
        self._endpoint = SmtpEndpoint.from_provider(provider)
        self._pool = _Pool(self._endpoint, provider.max_connections, provider.idle_seconds)

    async def deliver(self, outbound: Outbound) -> RelayReceipt:
        to, data = fax_message_bytes(outbound, self._provider)
        reply = await self._pool.send(data, self._provider.from_address, [to])
        queued = _QUEUED_AS_RE.search(reply)
        return RelayReceipt(
            job_ref=outbound.job_ref,
            accepted_at=dt.datetime.now(dt.UTC),
            next_hop=self.name,
            remote_id=queued.group(1) if queued else None,
        )

    async def aclose(self) -> None:
        """QUIT and close the connections kept open to the provider."""
        await self._pool.aclose()
