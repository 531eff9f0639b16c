"""Provider notices: the e-mails a cloud fax provider sends back once a fax was transmitted or gave up.

The relay's 250 only means "queued at the provider"; the guide wants files destroyed once the transmission is
*confirmed*, so the notice is what closes a fax job. Each provider words its notices its own way, hence one
parser per format behind a small registry keyed by `config.provider.notice_format`. A parser returns a
`ProviderNotice`, or None for mail that is not a notice (bounces, out-of-office replies, spam reaching the
notice address): the caller logs and drops those.

A notice is matched to its job by the reference the relay put in the `X-Ordofax-Job` header and in the
subject tag `[ordofax:<job>]`; providers quote one or the other.

Raw notices are parsed with the compat32 policy: `policy.default` builds a header object through its header
registry on every header access (the body search alone reads Content-Type a dozen times), which made parsing
cost more than the rest of a notice's handling. The parser reads headers as `policy.default` decodes them
(`_header`) and picks the body part `EmailMessage.get_body(("plain", "html"))` would (`_body_part`), so a
notice means the same under either policy. A body in an unknown charset is read as UTF-8.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Literal

from aiosmtpd.smtp import SMTP, Envelope, Session

from gateway.relay.smtp_fax import JOB_HEADER, JOB_REF_PATTERN

NoticeCause = Literal["busy", "no_answer", "rejected", "other"]


@dataclass(frozen=True, slots=True)
class ProviderNotice:
    """What one provider notice says about one fax job. `cause` and `reason` are None on success."""

    job_ref: str | None  # None: a notice we cannot match to a job (logged, never guessed)
    success: bool
    pages: int | None  # pages actually transmitted
    reason: str | None  # the provider's own wording, e.g. "Busy"
    cause: NoticeCause | None
    retryable: bool
    completed_at: dt.datetime | None
    number: str | None = None  # E.164 number the provider dialled, to cross-check against the job
    remote_id: str | None = None  # the provider's transaction id


NoticeParser = Callable[[Message], ProviderNotice | None]

_PARSERS: dict[str, NoticeParser] = {}


def register_parser(notice_format: str, parser: NoticeParser) -> None:
    """Make a parser available under a `provider.notice_format` name."""
    _PARSERS[notice_format] = parser


def parse_notice(message: Message, notice_format: str) -> ProviderNotice | None:
    """Parse one received e-mail with the configured provider's parser."""
    try:
        parser = _PARSERS[notice_format]
    except KeyError:
        raise ValueError(f"no notice parser for format {notice_format!r}") from None
    return parser(message)


def parse_notice_bytes(raw: bytes, notice_format: str) -> ProviderNotice | None:
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    return parse_notice(message, notice_format)


# --- cause classification (shared by every format) -------------------------------------------------------

_CAUSE_WORDS: tuple[tuple[NoticeCause, tuple[str, ...]], ...] = (
    ("busy", ("busy", "occupé", "occupe")),
    (
        "no_answer",
        ("no answer", "no response", "not answer", "did not answer", "pas de réponse", "ring timeout"),
    ),
    (
        "rejected",
        (
            "reject",
            "refused",
            "blocked",
            "invalid number",
            "invalid fax",
            "not in service",
            "not a fax",
            "voice",
            "do not fax",
            "blacklist",
        ),
    ),
)
_RETRYABLE: dict[NoticeCause, bool] = {"busy": True, "no_answer": True, "rejected": False, "other": True}


def classify_reason(reason: str | None) -> tuple[NoticeCause, bool]:
    """Map a provider's failure wording to a cause and whether a later try may succeed."""
    text = (reason or "").lower()
    for cause, words in _CAUSE_WORDS:
        if any(word in text for word in words):
            return cause, _RETRYABLE[cause]
    return "other", _RETRYABLE["other"]


# --- helpers ----------------------------------------------------------------------------------------------

_TAG_RE = re.compile(rf"\[ordofax:({JOB_REF_PATTERN})\]")
_REF_ONLY_RE = re.compile(rf"^{JOB_REF_PATTERN}$")
_FIELD_RE = re.compile(r"^\s*([A-Za-z][A-Za-z /#-]{1,40}?)\s*:\s*(.*?)\s*$")
_HTML_TAG_RE = re.compile(r"<[^>]+>")


_LINESEP_RE = re.compile(r"\n|\r")
_PREFERENCE = ("plain", "html")


def _header(message: Message, name: str) -> str | None:
    """The first `name` header as `policy.default` reads it (encoded words decoded, 8-bit text as UTF-8),
    whichever policy parsed the message. Plain ASCII, the usual case, needs no header object."""
    wanted = name.lower()
    for key, value in message.raw_items():
        if key.lower() != wanted:
            continue
        if not isinstance(value, str) or hasattr(value, "name"):  # already a header object
            return str(value)
        if value.isascii() and "=?" not in value:
            return "".join(_LINESEP_RE.split(value))
        return str(email.policy.default.header_fetch_parse(key, value))
    return None


def _subparts(part: Message) -> list[Message]:
    payload = part.get_payload() if part.is_multipart() else []
    return [p for p in payload if isinstance(p, Message)]


def _body_candidates(part: Message) -> Iterator[tuple[int, Message]]:
    """`EmailMessage._find_body` for any Message: (preference rank, part), depth first."""
    if part.get_content_disposition() == "attachment":
        return
    maintype, _, subtype = part.get_content_type().partition("/")
    if maintype == "text":
        if subtype in _PREFERENCE:
            yield _PREFERENCE.index(subtype), part
        return
    if maintype != "multipart":
        return
    subparts = _subparts(part)
    if subtype == "related":  # only its root part (`start`, else the first) can be the body
        start = part.get_param("start")
        root_part = next((p for p in subparts if start and _header(p, "Content-ID") == start), None)
        subparts = [root_part] if root_part is not None else subparts[:1]
    for subpart in subparts:
        yield from _body_candidates(subpart)


def _body_part(message: Message) -> Message | None:
    """The part `EmailMessage.get_body(preferencelist=("plain", "html"))` returns."""
    best: tuple[int, Message] | None = None
    for rank, part in _body_candidates(message):
        if best is None or rank < best[0]:
            best = (rank, part)
            if rank == 0:
                break
    return best[1] if best is not None else None


def _text_content(part: Message) -> str:
    """What `EmailMessage.get_content()` gives for a text part; UTF-8 when the charset is unknown."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_param("charset", "ASCII")
    if isinstance(charset, str):
        try:
            return payload.decode(charset, errors="replace")
        except (LookupError, ValueError):  # an unknown charset, or a codec that is not a text encoding
            pass
    return payload.decode("utf-8", errors="replace")


def _body_text(message: Message) -> str:
    """The notice's plain text: the text/plain part, else the HTML part with tags removed."""
    part = _body_part(message)
    if part is None:
        return ""
    text = _text_content(part)
    if part.get_content_subtype() == "html":
        text = html.unescape(_HTML_TAG_RE.sub("\n", text))
    return text


def _fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        match = _FIELD_RE.match(line)
        if match and match.group(2):
            fields.setdefault(" ".join(match.group(1).lower().split()), match.group(2))
    return fields


def _first(fields: dict[str, str], *keys: str) -> str | None:
    for key in keys:
        if fields.get(key):
            return fields[key]
    return None


def _job_ref(message: Message, subject: str, body: str, fields: dict[str, str]) -> str | None:
    ref = _first(fields, "reference", "job reference", "ref", "customer reference")
    if ref and _REF_ONLY_RE.match(ref):
        return ref
    for text in (subject, _first(fields, "original subject", "subject") or "", body):
        match = _TAG_RE.search(text)
        if match:
            return match.group(1)
    echoed = (_header(message, JOB_HEADER) or "").strip()
    return echoed if echoed and _REF_ONLY_RE.match(echoed) else None


def _pages(value: str | None) -> int | None:
    match = re.match(r"\s*(\d+)", value or "")
    return int(match.group(1)) if match else None


def _number(value: str | None) -> str | None:
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 10:
        digits = "1" + digits
    return f"+{digits}" if len(digits) == 11 and digits.startswith("1") else None


def _when(value: str | None, message: Message) -> dt.datetime | None:
    if value:
        cleaned = re.sub(r"\s*(UTC|GMT|Z)\s*$", "", value.strip())
        try:
            parsed = dt.datetime.fromisoformat(cleaned)
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    date = _header(message, "Date")
    if date:
        try:
            return parsedate_to_datetime(date)
        except (TypeError, ValueError):
            return None
    return None


# --- InterFAX-style notices -------------------------------------------------------------------------------

_IFX_SUCCESS_RE = re.compile(
    r"\bfax to\s+\+?([\d -]{10,16}?)\s+(?:was\s+)?(?:successfully sent|sent successfully)", re.IGNORECASE
)
_IFX_FAILURE_RE = re.compile(r"\bfax (?:to\s+\+?([\d -]{10,16}?)\s+)?(?:transmission\s+)?failed\b", re.IGNORECASE)
_IFX_OK_STATUS = re.compile(r"^\s*(0\b|ok\b|success|sent\b|completed successfully)", re.IGNORECASE)


def parse_interfax(message: Message) -> ProviderNotice | None:
    """InterFAX-style notice: the subject says sent or failed; the body lists `Field: value` lines."""
    subject = " ".join((_header(message, "Subject") or "").split())
    success_match = _IFX_SUCCESS_RE.search(subject)
    failure_match = None if success_match else _IFX_FAILURE_RE.search(subject)
    body = _body_text(message)
    fields = _fields(body)
    status = _first(fields, "status", "fax status", "result")
    if success_match is None and failure_match is None:
        if status is None or _first(fields, "transaction id", "reference") is None:
            return None
        success = bool(_IFX_OK_STATUS.match(status))
    else:
        success = success_match is not None
    subject_number = success_match or failure_match
    number = _number(_first(fields, "destination fax", "fax number", "destination", "to")) or _number(
        subject_number.group(1) if subject_number and subject_number.group(1) else None
    )
    reason = None if success else (_first(fields, "reason", "error", "error description") or status)
    cause, retryable = (None, False) if success else classify_reason(reason)
    return ProviderNotice(
        job_ref=_job_ref(message, subject, body, fields),
        success=success,
        pages=_pages(_first(fields, "pages sent", "pages", "pages transmitted")),
        reason=reason,
        cause=cause,
        retryable=retryable,
        completed_at=_when(_first(fields, "completed at", "completion time", "completed"), message),
        number=number,
        remote_id=_first(fields, "transaction id", "transaction"),
    )


register_parser("interfax", parse_interfax)


# --- receiving notices ------------------------------------------------------------------------------------


class NoticeInbox:
    """A small SMTP receiver for provider notices, for `ordofax send` and the demo (the service reads them
    through its listener or the Exchange mailbox instead). Only mail for `notice_address` is accepted."""

    def __init__(self, *, host: str, port: int, notice_address: str, notice_format: str) -> None:
        if notice_format not in _PARSERS:
            raise ValueError(f"no notice parser for format {notice_format!r}")
        self.host = host
        self.port = port
        self.notice_address = notice_address.lower()
        self.notice_format = notice_format
        self.notices: list[ProviderNotice] = []
        self.ignored = 0  # mail that was not a notice
        self._server: asyncio.Server | None = None
        self._arrived = asyncio.Event()

    async def start(self) -> NoticeInbox:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self, hostname="ordofax", data_size_limit=1_000_000, loop=loop), self.host, self.port
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def __aenter__(self) -> NoticeInbox:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() != self.notice_address:
            return "550 5.1.1 Not a notice address"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        notice = parse_notice_bytes(envelope.original_content or b"", self.notice_format)
        if notice is None:
            self.ignored += 1
        else:
            self.notices.append(notice)
            self._arrived.set()
        return "250 2.0.0 OK"

    def notice_for(self, job_ref: str) -> ProviderNotice | None:
        return next((n for n in self.notices if n.job_ref == job_ref), None)

    async def wait_for(self, job_ref: str, timeout: float) -> ProviderNotice:
        """The first notice for `job_ref`; TimeoutError when none arrives within `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while (notice := self.notice_for(job_ref)) is None:
                self._arrived.clear()
                await self._arrived.wait()
        return notice
