"""The inbound SMTP listener: the Exchange connector's smart host for `*@<fax_domain>`, and the provider's
notice address.

What it accepts at RCPT (anything else is refused with 550, so the gateway is never an open relay):

* `<anything>@<gateway.fax_domain>` — a fax request, from any sender (the check authenticates the sender);
* `provider.notice_address` — a provider notice (parsed and matched to its job, never stored as a job);
* any other address when the envelope sender is in one of `gateway.secure_domains` — the connector routes a
  network prescriber's mail for a patient, a network address or the archives through the gateway, and only
  network senders may use those routes.

A notice and a job cannot share a transaction (452: the client sends them separately). The reply to DATA is
`250` only once `store.receive()` has committed the raw message (the reply names the job id); a store that
cannot commit gets `451` so the connector keeps the message and tries again. The same Message-ID received
twice is one job: the second `250` names the first job.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
from collections.abc import Callable
from email.parser import BytesHeaderParser
from email.policy import compat32

from aiosmtpd.smtp import SMTP, Envelope, Session

from gateway.config import Config
from gateway.errors import StoreError
from gateway.relay.notices import ProviderNotice, parse_notice_bytes
from gateway.service import logs
from gateway.service.metrics import Metrics
from gateway.service.storecalls import StoreCalls
from gateway.store import JobStore

_HEADER_PARSER = BytesHeaderParser(policy=compat32)


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID header of a raw message (headers only are parsed)."""
    value = _HEADER_PARSER.parsebytes(raw, headersonly=True).get("Message-ID")
    text = str(value).strip() if value is not None else ""
    return text or None


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(">").lower()


class InboundHandler:
    """aiosmtpd handler: recipient policy, durable receive, provider notices."""

    def __init__(
        self,
        config: Config,
        store: JobStore,
        metrics: Metrics,
        wake: Callable[[], None],
        *,
        hand_over: Callable[[str, bytes], None] | None = None,
        calls: StoreCalls | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.metrics = metrics
        self.wake = wake
        self.hand_over = hand_over  # the stored message, to this process's workers (saves reading it back)
        self.calls = calls or StoreCalls(store)
        self.accepting = True
        self._notice_address = config.provider.notice_address.lower()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    # --- policy

    def _kind(self, address: str, mail_from: str | None) -> str | None:
        """Whether the address is a "notice", a "job", or None when the address is not ours to take."""
        addr = address.strip().strip("<>").lower()
        if addr == self._notice_address:
            return "notice"
        gateway = self.config.gateway
        if _domain(addr) == gateway.fax_domain:
            return "job"
        if mail_from and _domain(mail_from) in gateway.secure_domains:
            return "job"
        return None

    def _refuse(self, reason: str, reply: str) -> str:
        self.metrics.smtp_refused.labels(reason).inc()
        return reply

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if not self.accepting:
            return self._refuse("shutting_down", "421 4.3.2 Service shutting down, try again later")
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        kind = self._kind(address, envelope.mail_from)
        if kind is None:
            return self._refuse("relay_denied", "550 5.7.1 Relaying denied: not a gateway address")
        kinds = {self._kind(a, envelope.mail_from) for a in envelope.rcpt_tos}
        if kinds and kind not in kinds:
            return self._refuse("mixed", "452 4.5.3 Send provider notices and messages separately")
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if not self.accepting:
            return self._refuse("shutting_down", "421 4.3.2 Service shutting down, try again later")
        raw = envelope.original_content or b""
        self._in_flight += 1
        self._idle.clear()
        try:
            if envelope.rcpt_tos and self._kind(envelope.rcpt_tos[0], envelope.mail_from) == "notice":
                return await self._notice(raw)
            return await self._receive(raw, envelope)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def drained(self, timeout: float) -> None:
        """Wait until no DATA is being stored (used at shutdown)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)

    # --- jobs

    async def _receive(self, raw: bytes, envelope: Envelope) -> str:
        try:
            message_id = message_id_of(raw)
        except (ValueError, TypeError, IndexError):
            message_id = None
        try:
            received = await self.calls(
                self.store.receive,
                message_id,
                raw,
                sender=envelope.mail_from or None,
                recipients=[a.lower() for a in envelope.rcpt_tos],
            )
        except StoreError:
            logs.event("receive_failed", level=40, reason="storage_unavailable")
            return self._refuse("storage", "451 4.3.0 Storage unavailable, try again later")
        result = "created" if received.created else "duplicate"
        self.metrics.received.labels(result).inc()
        logs.event("received" if received.created else "duplicate", job_id=received.job_id)
        if received.created:
            if self.hand_over is not None:
                self.hand_over(received.job_id, raw)
            self.wake()
        return f"250 2.0.0 Ok: queued as {received.job_id}"

    async def take(self, raw: bytes, sender: str | None) -> None:
        """A message read from the shared mailbox: a provider notice is matched, anything else becomes a job
        (idempotent on Message-ID, so reading it again after a crash changes nothing). Raises StoreError."""
        notice = parse_notice_bytes(raw, self.config.provider.notice_format)
        if notice is not None:
            if (await self._apply(notice)).startswith("4"):
                raise StoreError("storage unavailable")
            return
        received = await self.calls(self.store.receive, message_id_of(raw), raw, sender=sender)
        self.metrics.received.labels("created" if received.created else "duplicate").inc()
        logs.event("received" if received.created else "duplicate", job_id=received.job_id, kind="mailbox")
        if received.created:
            self.wake()

    # --- provider notices

    async def _notice(self, raw: bytes) -> str:
        notice = parse_notice_bytes(raw, self.config.provider.notice_format)
        if notice is None:
            self.metrics.notices.labels("not_a_notice").inc()
            logs.event("notice_ignored", reason="not_a_notice")
            return "250 2.0.0 OK, not a notice"
        return await self._apply(notice)

    async def _apply(self, notice: ProviderNotice) -> str:
        try:
            matched = await self.calls(
                self.store.match_notice,
                notice.job_ref,
                success=notice.success,
                cause=notice.cause,
                retryable=notice.retryable,
                remote_id=notice.remote_id,
                number=notice.number,
            )
        except StoreError:
            return self._refuse("storage", "451 4.3.0 Storage unavailable, try again later")
        if matched is None:
            self.metrics.notices.labels("unmatched").inc()
            logs.event("notice_unmatched", level=30, job_ref=notice.job_ref, cause=notice.cause)
        else:
            self.metrics.notices.labels("success" if notice.success else "failure").inc()
            logs.event("notice", job_id=matched.id, state=matched.state.value, cause=notice.cause, pages=notice.pages)
            self.wake()
        return "250 2.0.0 OK"


# `<local@domain> params` with a plain dot-atom local part and a host name: what nearly every MAIL and RCPT
# command carries; anything else goes through aiosmtpd's full RFC 5322 parser.
_PLAIN_PATH = re.compile(
    r"\s*<((?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+\.)*[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)>\s*(.*)",
    re.DOTALL,
)


class GatewaySMTP(SMTP):
    """aiosmtpd's SMTP with a fast path for plain addresses: its parser (RFC 5322 tokens, and a Protocol
    class defined anew at every call) cost more than the rest of a MAIL or RCPT command together. An
    address that its parser trips over (IndexError on a lone `<`, AttributeError on `.@[`…) is a syntax
    error, whatever the exception."""

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        plain = _PLAIN_PATH.fullmatch(arg)
        if plain is None:
            try:
                return super()._getaddr(arg)
            except Exception:  # hostile input must get a 5xx reply, and the parser is not ours
                return None, None
        address = plain.group(1)
        if self.local_part_limit and len(address.rpartition("@")[0]) > self.local_part_limit:
            return None, None
        return address, plain.group(2)


def tls_context(config: Config) -> ssl.SSLContext | None:
    """The STARTTLS context from listener.tls_cert/tls_key, or None (no STARTTLS offered)."""
    listener = config.listener
    if listener.tls_cert is None or listener.tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(listener.tls_cert), str(listener.tls_key))
    return context


async def start_listener(
    config: Config, handler: InboundHandler, *, host: str | None = None, port: int | None = None
) -> asyncio.Server:
    """Bind the SMTP listener (port 0: a free port) and return the server."""
    loop = asyncio.get_running_loop()
    context = tls_context(config)
    listener = config.listener

    def protocol() -> SMTP:
        return GatewaySMTP(
            handler,
            hostname="ordofax",
            data_size_limit=listener.max_message_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
            tls_context=context,
            require_starttls=bool(context is not None and listener.require_starttls),
            loop=loop,
        )

    return await loop.create_server(
        protocol, host or listener.host, listener.port if port is None else port, reuse_address=True
    )
