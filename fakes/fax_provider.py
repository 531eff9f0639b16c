"""A stand-in cloud fax provider: a real SMTP server (aiosmtpd) on 127.0.0.1 that behaves like InterFAX.

Tests and the demo need to show what a pharmacy would ACTUALLY receive, and what happens when the line is
busy or the provider misbehaves, without a contract with a provider. This server:

- accepts `<digits>@<domain>` for valid North American numbers and refuses the rest at RCPT (550);
- checks the message as a provider would: a readable PDF attached (554 otherwise), the page limit, the size
  limit (552), optionally SMTP AUTH and an allowed-sender list;
- "transmits" for a configurable time per page, writes the PDF (and a G3 fax image through Ghostscript, when
  asked and available) to an outbox folder, and records every job in memory;
- sends an InterFAX-style success or failure notice by SMTP to the configured notice address, over a few
  connections it keeps open, as a provider's mail queue does;
- misbehaves on demand, per number (`modes`) or for the next N calls (`arm`): busy, no answer, rejected by
  the far end, 4xx or 5xx at RCPT, disconnect during DATA, slow replies, notice never sent.

`MailSink` is the matching stand-in for the mailbox that receives notices (or sender notices).

Both run on the caller's event loop (`async with`) or on their own thread (`with`), like aiosmtpd's
Controller, always on a free port chosen by the OS.

The benchmark runs them on the cores of the service it measures, so the checks are written to be cheap
(`fakes.mime_parts`, `fakes.pdf_pages`) without accepting anything the standard library and pypdf would not.

Command line: `python -m fakes.fax_provider --port 2526 --outbox DIR --notify-host H --notify-port P`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import email
import email.policy
import hashlib
import io
import itertools
import re
import shutil
import signal
import ssl
import threading
import time
import warnings
import weakref
from collections import deque
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiosmtplib
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from fakes.mime_parts import leaf_parts
from fakes.pdf_pages import page_count

_FOLD = re.compile(r"\r?\n(?=[ \t])")
_SIMPLE_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
_NANP_RE = re.compile(r"^1?([2-9][0-8][0-9])([2-9][0-9]{2})([0-9]{4})$")


class FaxMode(StrEnum):
    """How the provider treats one job."""

    OK = "ok"
    BUSY = "busy"  # accepted, then a failure notice: line busy
    NO_ANSWER = "no_answer"  # accepted, then a failure notice: no answer
    REJECTED = "rejected"  # accepted, then a failure notice: the far end is not a fax machine
    TEMPFAIL_RCPT = "tempfail_rcpt"  # 451 at RCPT
    REFUSE_RCPT = "refuse_rcpt"  # 554 at RCPT (service refused)
    DISCONNECT_DATA = "disconnect_data"  # connection dropped after the message body, before the reply
    SLOW = "slow"  # RCPT reply delayed by `slow_seconds` (nothing accepted if the client gives up)
    SLOW_DATA = "slow_data"  # DATA reply delayed by `slow_seconds`: the job IS accepted and faxed anyway
    SILENT = "silent"  # accepted and faxed, but no notice is ever sent


_FAILURE_REASONS = {
    FaxMode.BUSY: "Busy",
    FaxMode.NO_ANSWER: "No answer",
    FaxMode.REJECTED: "Rejected: called number is not a fax machine",
}


def nanp_digits(local_part: str) -> str | None:
    """The 11 digits (leading 1) of a dialable North American number, or None."""
    match = _NANP_RE.match(local_part)
    if match is None or match.group(2)[1:] == "11":
        return None
    return "1" + "".join(match.groups())


@dataclass(slots=True)
class ReceivedFax:
    """One job as the provider received it: what the tests and the demo report as actually received."""

    transaction_id: str
    number: str  # 11 digits, as dialled
    pages: int
    job_ref: str | None
    subject: str
    mail_from: str
    headers: dict[str, str]
    pdf_sha256: str
    cover_page: bool
    mode: FaxMode
    received_at: dt.datetime
    pdf: bytes = field(repr=False)
    status: str = "transmitting"  # transmitting → sent | failed
    notice_sent: bool = False
    finished: bool = False  # transmission over and notice sent (or deliberately not)
    outbox_files: list[Path] = field(default_factory=list)

    @property
    def e164(self) -> str:
        return "+" + self.number


# --- shared loopback server plumbing ----------------------------------------------------------------------


class _LoopbackServer:
    """An aiosmtpd server on 127.0.0.1, on the caller's loop (`async with`) or its own thread (`with`)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        data_size_limit: int | None = 33_554_432,
    ) -> None:
        self.host = host
        self.port = port
        self._tls_context = tls_context
        self._implicit_tls = implicit_tls
        self._data_size_limit = data_size_limit
        self._server: asyncio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()
        self.connections = 0  # SMTP sessions opened so far

    # subclasses give the handler and AUTH settings
    def _smtp_kwargs(self) -> dict[str, Any]:
        return {}

    def _protocol(self) -> SMTP:
        starttls_ctx = None if self._implicit_tls else self._tls_context
        with warnings.catch_warnings():  # AUTH without TLS is what a loopback test wants
            warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
            session = SMTP(
                self,
                hostname="fax.provider.example",
                data_size_limit=self._data_size_limit,
                tls_context=starttls_ctx,
                loop=self._loop,
                **self._smtp_kwargs(),
            )
        self._sessions.add(session)
        self.connections += 1
        return session

    def drop_connections(self) -> None:
        """Cut every open session, as a restarting server or an idle time-out does (call on the server's loop)."""
        for session in list(self._sessions):
            if isinstance(session.transport, asyncio.WriteTransport):
                session.transport.abort()

    async def start(self) -> Self:
        self._loop = asyncio.get_running_loop()
        ssl_ctx = self._tls_context if self._implicit_tls else None
        self._server = await self._loop.create_server(self._protocol, self.host, self.port, ssl=ssl_ctx)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            _, still = await asyncio.wait(pending, timeout=2.0)
            for task in still:
                task.cancel()

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # thread mode, like aiosmtpd.controller.Controller
    def __enter__(self) -> Self:
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name=type(self).__name__, daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._thread = None


# --- the provider -----------------------------------------------------------------------------------------


class FakeFaxProvider(_LoopbackServer):
    """The stand-in provider. See the module docstring for what it checks and how it misbehaves."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        domain: str | None = "fax.provider.example",
        outbox: Path | None = None,
        notify_host: str | None = None,
        notify_port: int | None = None,
        notice_to: str = "ordofax-notices@ssss.gouv.qc.ca",
        notice_from: str = "noreply@fax.provider.example",
        seconds_per_page: float = 0.0,
        slow_seconds: float = 5.0,
        fax_image: bool = False,
        max_pages: int = 50,
        max_bytes: int = 20 * 1024 * 1024,
        modes: dict[str, FaxMode] | None = None,
        allowed_senders: set[str] | None = None,
        username: str | None = None,
        password: str | None = None,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        notice_connections: int = 8,
    ) -> None:
        super().__init__(
            host=host,
            port=port,
            tls_context=tls_context,
            implicit_tls=implicit_tls,
            data_size_limit=max_bytes,
        )
        self.domain = domain.lower() if domain else None
        self.outbox = outbox
        self.notify_host = notify_host
        self.notify_port = notify_port
        self.notice_to = notice_to
        self.notice_from = notice_from
        self.seconds_per_page = seconds_per_page
        self.slow_seconds = slow_seconds
        self.fax_image = fax_image
        self.max_pages = max_pages
        self.modes: dict[str, FaxMode] = {nanp_digits(k) or k: v for k, v in (modes or {}).items()}
        self.allowed_senders = {s.lower() for s in allowed_senders} if allowed_senders else None
        self._credentials = (username, password) if username is not None else None
        self.jobs: list[ReceivedFax] = []
        self._by_ref: dict[str, ReceivedFax] = {}  # the first job of each reference: `job()` is polled a lot
        self.refusals: list[tuple[str, str]] = []  # (stage, reply) for each refused command
        self._armed: deque[FaxMode] = deque()
        self._txn_mode: weakref.WeakKeyDictionary[Envelope, FaxMode] = weakref.WeakKeyDictionary()
        self._ids = itertools.count(1_000_001)
        self._lock = threading.Lock()
        self._notices = _NoticeLines(notice_connections)

    async def stop(self) -> None:
        await super().stop()
        self._notices.close()

    # --- test and demo API

    def arm(self, mode: FaxMode, count: int = 1) -> None:
        """The next `count` transactions get `mode`, whatever the number."""
        with self._lock:
            self._armed.extend([mode] * count)

    def job(self, job_ref: str) -> ReceivedFax | None:
        """The first job received with this `X-Ordofax-Job` reference."""
        with self._lock:
            return self._by_ref.get(job_ref)

    def _done(self, count: int, finished: bool) -> list[ReceivedFax] | None:
        with self._lock:
            done = [j for j in self.jobs if not finished or j.finished]
        return done if len(done) >= count else None

    async def wait_for_jobs(self, count: int, timeout: float = 5.0, *, finished: bool = False) -> list[ReceivedFax]:
        """Wait until `count` jobs were received (and, with `finished`, transmitted or failed)."""
        deadline = time.monotonic() + timeout
        while (done := self._done(count, finished)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{count} fax job(s) not received within {timeout} s")
            await asyncio.sleep(0.01)
        return done

    def wait_for_jobs_blocking(self, count: int, timeout: float = 5.0, *, finished: bool = False) -> list[ReceivedFax]:
        """The same, for a caller on another thread (thread mode: `with FakeFaxProvider(...)`)."""
        deadline = time.monotonic() + timeout
        while (done := self._done(count, finished)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{count} fax job(s) not received within {timeout} s")
            time.sleep(0.01)
        return done

    # --- aiosmtpd hooks

    def _smtp_kwargs(self) -> dict[str, Any]:
        if self._credentials is None:
            return {}
        return {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": False}

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or self._credentials is None:
            return AuthResult(success=False, handled=False)
        user, password = self._credentials
        ok = auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)

    def _refuse(self, stage: str, reply: str) -> str:
        with self._lock:
            self.refusals.append((stage, reply))
        return reply

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self.allowed_senders is not None and address.lower() not in self.allowed_senders:
            return self._refuse("mail", "550 5.7.1 Sender is not an allowed sender on this account")
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        local, _, domain = address.partition("@")
        if self.domain is not None and domain.lower() != self.domain:
            return self._refuse("rcpt", "550 5.1.2 Relay access denied: not a fax domain")
        digits = nanp_digits(local)
        if digits is None:
            return self._refuse("rcpt", "550 5.1.1 Invalid fax number")
        mode = self._transaction_mode(envelope, digits)
        if mode is FaxMode.SLOW:
            await asyncio.sleep(self.slow_seconds)
        if mode is FaxMode.TEMPFAIL_RCPT:
            return self._refuse("rcpt", "451 4.3.2 System busy, try again later")
        if mode is FaxMode.REFUSE_RCPT:
            return self._refuse("rcpt", "554 5.7.1 Service refused for this account")
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    def _transaction_mode(self, envelope: Envelope, digits: str) -> FaxMode:
        with self._lock:  # one mode per transaction, decided at its first RCPT
            if envelope not in self._txn_mode:
                armed = self._armed.popleft() if self._armed else None
                self._txn_mode[envelope] = armed or self.modes.get(digits, FaxMode.OK)
            return self._txn_mode[envelope]

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            mode = self._txn_mode.pop(envelope, FaxMode.OK)
        raw = envelope.original_content or b""
        if mode is FaxMode.DISCONNECT_DATA:
            if isinstance(server.transport, asyncio.WriteTransport):
                server.transport.abort()
            return "421 4.4.2 Connection dropped"
        verdict = _inspect(raw, self.max_pages)
        if isinstance(verdict, str):
            return self._refuse("data", verdict)
        jobs = [self._record(envelope, rcpt, verdict, mode) for rcpt in envelope.rcpt_tos]
        for job in jobs:
            self._spawn(self._transmit(job))
        if mode is FaxMode.SLOW_DATA:  # queued already: a client that gives up now still gets a fax out
            await asyncio.sleep(self.slow_seconds)
        return f"250 2.0.0 Ok: queued as {jobs[0].transaction_id}"

    def _record(self, envelope: Envelope, rcpt: str, doc: _Document, mode: FaxMode) -> ReceivedFax:
        digits = nanp_digits(rcpt.partition("@")[0]) or ""
        job = ReceivedFax(
            transaction_id=str(next(self._ids)),
            number=digits,
            pages=doc.pages,
            job_ref=doc.headers.get("X-Ordofax-Job"),
            subject=doc.headers.get("Subject", ""),
            mail_from=envelope.mail_from or "",
            headers=doc.headers,
            pdf_sha256=hashlib.sha256(doc.pdf).hexdigest(),
            cover_page=doc.cover_page,
            mode=mode,
            received_at=dt.datetime.now(dt.UTC),
            pdf=doc.pdf,
        )
        with self._lock:
            self.jobs.append(job)
            if job.job_ref is not None:
                self._by_ref.setdefault(job.job_ref, job)
        return job

    # --- transmission and notices

    async def _transmit(self, job: ReceivedFax) -> None:
        try:
            await asyncio.sleep(self.seconds_per_page * job.pages)
            failed = job.mode in _FAILURE_REASONS
            if not failed and self.outbox is not None:
                job.outbox_files = await self._write_outbox(job, self.outbox)
            job.status = "failed" if failed else "sent"
            await self._notify(job)
        finally:
            job.finished = True

    async def _notify(self, job: ReceivedFax) -> None:
        if job.mode is FaxMode.SILENT or self.notify_port is None or self.notify_host is None:
            return
        seconds = self.seconds_per_page * job.pages
        notice = notice_bytes(job, sender=self.notice_from, to=self.notice_to, seconds=seconds)
        job.notice_sent = await self._deliver(notice)

    async def _deliver(self, notice: bytes) -> bool:
        """One attempt to hand a notice to the notice address; False when it was not accepted."""
        if self.notify_host is None or self.notify_port is None:
            return False
        address = (self.notify_host, self.notify_port)
        return await self._notices.deliver(address, self.notice_from, self.notice_to, notice)

    async def _write_outbox(self, job: ReceivedFax, outbox: Path) -> list[Path]:
        outbox.mkdir(parents=True, exist_ok=True)
        pdf_path = outbox / f"{job.transaction_id}-{job.number}.pdf"
        pdf_path.write_bytes(job.pdf)
        files = [pdf_path]
        gs = shutil.which("gs")
        if self.fax_image and gs is not None:
            tiff_path = pdf_path.with_suffix(".tiff")
            proc = await asyncio.create_subprocess_exec(
                gs,
                "-q",
                "-dSAFER",
                "-dBATCH",
                "-dNOPAUSE",
                "-sDEVICE=tiffg3",
                "-r204x196",
                f"-sOutputFile={tiff_path}",
                str(pdf_path),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            if await proc.wait() == 0 and tiff_path.exists():
                files.append(tiff_path)
        return files


class _NoticeLines:
    """The provider's SMTP connections to the notice address, kept from one notice to the next (a provider's
    mail queue does not dial once per fax, and a session per notice cost both ends a handshake) and opened
    again when the far end dropped them. A notice takes the connection used last, so a light load keeps one;
    up to `size` notices go out side by side, so a gateway slow to answer one does not hold up the others."""

    def __init__(self, size: int) -> None:
        self._slots = asyncio.Semaphore(size)
        self._idle: list[_NoticeLine] = []
        self._all: list[_NoticeLine] = []

    async def deliver(self, address: tuple[str, int], sender: str, recipient: str, message: bytes) -> bool:
        """Send one message; False when it was refused or could not be handed over."""
        async with self._slots:
            line = self._idle.pop() if self._idle else self._new_line()
            try:
                return await line.deliver(address, sender, recipient, message)
            finally:
                self._idle.append(line)

    def close(self) -> None:
        """Hang up without QUIT: a peer on a blocked loop (a test waiting on this process) would never answer."""
        for line in self._all:
            line.drop()

    def _new_line(self) -> _NoticeLine:
        line = _NoticeLine()
        self._all.append(line)
        return line


class _NoticeLine:
    """One kept SMTP client connection, used by one notice at a time."""

    def __init__(self) -> None:
        self._client: aiosmtplib.SMTP | None = None
        self._address: tuple[str, int] | None = None

    async def deliver(self, address: tuple[str, int], sender: str, recipient: str, message: bytes) -> bool:
        client = self._client
        if client is not None and client.is_connected and self._address == address:
            delivered = await self._transaction(client, sender, recipient, message)
            if delivered is not None:
                return delivered
        # a kept connection that fails at its first command was dropped while idle: nothing was handed over
        try:
            client = await self._open(address)
        except (aiosmtplib.SMTPException, OSError):
            return False
        return bool(await self._transaction(client, sender, recipient, message))

    def drop(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = self._address = None

    async def _open(self, address: tuple[str, int]) -> aiosmtplib.SMTP:
        self.drop()
        client = aiosmtplib.SMTP(
            hostname=address[0], port=address[1], local_hostname="fax.provider.example", timeout=10
        )
        await client.connect()
        self._client, self._address = client, address
        return client

    async def _transaction(self, client: aiosmtplib.SMTP, sender: str, recipient: str, message: bytes) -> bool | None:
        """True when accepted, False when refused or lost on the way, None when the session was already gone."""
        options = ["BODY=8BITMIME"] if client.supports_extension("8BITMIME") else []
        try:
            await client.mail(sender, options=options)
        except (aiosmtplib.SMTPException, OSError):
            self.drop()
            return None
        try:
            await client.rcpt(recipient)
            await client.data(message)
        except (aiosmtplib.SMTPException, OSError):
            self.drop()
            return False
        return True


@dataclass(slots=True)
class _Document:
    pdf: bytes
    pages: int
    cover_page: bool
    headers: dict[str, str]


def _inspect(raw: bytes, max_pages: int) -> _Document | str:
    """What a provider checks before queuing a fax; a reply string when it refuses."""
    # compat32, headers decoded by hand: the default policy's header objects cost more than the whole check
    message, parts = leaf_parts(raw)
    pdfs: list[bytes] = []
    cover = False
    for part in parts:
        ctype = part.get_content_type()
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_content_disposition() == "attachment" or ctype == "application/pdf":
            if ctype != "application/pdf" and not _header_text(part.get_filename() or "").lower().endswith(".pdf"):
                return "554 5.6.1 Unsupported attachment type: send PDF documents"
            pdfs.append(data)
        elif ctype.startswith("text/") and data.strip():
            cover = True
    if len(pdfs) != 1:
        return "554 5.6.1 Exactly one PDF document is required"
    pages = page_count(pdfs[0])
    if pages is None:
        return "554 5.6.0 The PDF document cannot be read"
    total = pages + (1 if cover else 0)
    if total > max_pages:
        return f"554 5.3.4 Too many pages ({total} > {max_pages})"
    headers = {name: _header_text(value) for name, value in message.raw_items()}
    return _Document(pdf=pdfs[0], pages=total, cover_page=cover, headers=headers)


def _header_text(value: str) -> str:
    """A header value as a mail reader shows it: unfolded, raw UTF-8 and RFC 2047 encoded words decoded."""
    text = _FOLD.sub("", value)
    if not text.isascii():  # raw 8-bit bytes arrive as surrogate escapes
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if "=?" in text:
        with contextlib.suppress(HeaderParseError, UnicodeError, LookupError):
            text = str(make_header(decode_header(text)))
    return text


def interfax_notice(
    job: ReceivedFax,
    *,
    sender: str,
    to: str,
    seconds: float,
    at: dt.datetime | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """An InterFAX-style notice for one finished job (the wording our parser is built to read)."""
    at = at or dt.datetime.now(dt.UTC)
    notice = EmailMessage()
    for name, value in _notice_headers(job, sender, to, at, message_id):
        notice[name] = value
    notice.set_content(_notice_body(job, seconds, at))
    return notice


def notice_bytes(
    job: ReceivedFax,
    *,
    sender: str,
    to: str,
    seconds: float,
    at: dt.datetime | None = None,
    message_id: str | None = None,
) -> bytes:
    """`interfax_notice` as it goes over SMTP, byte for byte, written out directly when its lines need no
    folding or encoding (always, for the gateway's faxes): EmailMessage cost more than the notice's delivery."""
    at = at or dt.datetime.now(dt.UTC)
    headers = _notice_headers(job, sender, to, at, message_id)
    body = _notice_body(job, seconds, at).encode()
    lines = [f"{name}: {value}" for name, value in headers]
    plain = all(_SIMPLE_ADDRESS.fullmatch(a) for a in (sender, to)) and all(
        line.isascii() and len(line) <= 78 for line in lines
    )
    if not plain or max(len(line) for line in body.split(b"\n")) > 78:
        notice = interfax_notice(job, sender=sender, to=to, seconds=seconds, at=at, message_id=headers[-1][1])
        return notice.as_bytes(policy=notice.policy.clone(linesep="\r\n"))
    lines += [
        'Content-Type: text/plain; charset="utf-8"',
        f"Content-Transfer-Encoding: {'7bit' if body.isascii() else '8bit'}",
        "MIME-Version: 1.0",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body.replace(b"\n", b"\r\n")


def _notice_headers(
    job: ReceivedFax, sender: str, to: str, at: dt.datetime, message_id: str | None
) -> list[tuple[str, str]]:
    failed = job.status == "failed"
    return [
        ("From", f"Fax service <{sender}>"),
        ("To", to),
        ("Subject", "Fax transmission failed" if failed else f"Fax to {job.number} successfully sent"),
        ("Date", format_datetime(at.astimezone(dt.UTC))),
        ("Message-ID", message_id or make_msgid(domain=sender.rpartition("@")[2] or None)),
    ]


def _notice_body(job: ReceivedFax, seconds: float, at: dt.datetime) -> str:
    failed = job.status == "failed"
    reason = _FAILURE_REASONS.get(job.mode)
    minutes, secs = divmod(int(seconds), 60)
    lines = [
        "This is an automatic notice from the fax service.",
        "",
        f"Transaction ID: {job.transaction_id}",
        f"Destination fax: {job.number}",
        f"Status: {'Failed' if failed else 'Sent successfully'}",
        f"Pages sent: {0 if failed else job.pages} of {job.pages}",
        f"Transmission time: 00:{minutes:02d}:{secs:02d}",
        f"Completed at: {at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC",
    ]
    if failed and reason:
        lines.append(f"Reason: {reason}")
    if job.job_ref:
        lines.append(f"Reference: {job.job_ref}")
    lines.append(f"Original subject: {job.subject}")
    return "\n".join(lines) + "\n"


def sample_pdf(pages: int = 1) -> bytes:
    """A small text PDF with `pages` pages and no clinical content, for tests and smoke runs."""
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    for number in range(1, pages + 1):
        canvas.drawString(72, 720, f"ordofax test page {number} of {pages}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- a mailbox stand-in -----------------------------------------------------------------------------------


class MailSink(_LoopbackServer):
    """Accepts every message and keeps it: the notice mailbox, or a prescriber's mailbox, in tests."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host=host, port=port)
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = email.message_from_bytes(envelope.original_content or b"", policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from or "", list(envelope.rcpt_tos)))
        return "250 2.0.0 OK"

    def _arrived(self, count: int) -> list[EmailMessage] | None:
        with self._lock:
            return list(self.messages) if len(self.messages) >= count else None

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Wait until `count` messages arrived; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while (arrived := self._arrived(count)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{count} message(s) not received within {timeout} s")
            await asyncio.sleep(0.01)
        return arrived

    def wait_for_blocking(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """The same, for a caller on another thread (thread mode: `with MailSink() as sink`)."""
        deadline = time.monotonic() + timeout
        while (arrived := self._arrived(count)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{count} message(s) not received within {timeout} s")
            time.sleep(0.01)
        return arrived


# --- command line -----------------------------------------------------------------------------------------


def _parse_mode(text: str) -> tuple[str, FaxMode]:
    number, sep, mode = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError("expected NUMBER=MODE")
    try:
        return number.strip().lstrip("+"), FaxMode(mode.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"unknown mode {mode!r}") from None


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m fakes.fax_provider", description="Stand-in cloud fax provider.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=2526)
    p.add_argument("--domain", default="fax.provider.example")
    p.add_argument("--outbox", type=Path)
    p.add_argument("--notify-host", default="127.0.0.1")
    p.add_argument("--notify-port", type=int)
    p.add_argument("--notice-to", default="ordofax-notices@ssss.gouv.qc.ca")
    p.add_argument("--seconds-per-page", type=float, default=0.0)
    p.add_argument("--slow-seconds", type=float, default=5.0)
    p.add_argument("--fax-image", action="store_true", help="also write a G3 TIFF (needs Ghostscript)")
    p.add_argument("--max-pages", type=int, default=50)
    p.add_argument(
        "--mode",
        type=_parse_mode,
        action="append",
        default=[],
        metavar="NUMBER=MODE",
        help=f"per-number behaviour; modes: {', '.join(m.value for m in FaxMode)}",
    )
    p.add_argument("--username")
    p.add_argument("--password")
    return p.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    provider = FakeFaxProvider(
        host=args.host,
        port=args.port,
        domain=args.domain,
        outbox=args.outbox,
        notify_host=args.notify_host,
        notify_port=args.notify_port,
        notice_to=args.notice_to,
        seconds_per_page=args.seconds_per_page,
        slow_seconds=args.slow_seconds,
        fax_image=args.fax_image,
        max_pages=args.max_pages,
        modes=dict(args.mode),
        username=args.username,
        password=args.password,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with provider:
        print(f"fake fax provider listening on {provider.host}:{provider.port}", flush=True)
        reported = 0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.2)
            for job in provider.jobs[reported:]:
                if not job.finished:
                    break
                print(
                    f"job {job.transaction_id} ref={job.job_ref} to={job.number} pages={job.pages} "
                    f"status={job.status} notice={'sent' if job.notice_sent else 'none'}",
                    flush=True,
                )
                reported += 1


def main(argv: list[str] | None = None) -> int:
    asyncio.run(_serve(_arguments(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
