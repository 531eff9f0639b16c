"""Sender notices: what the prescriber reads in Outlook once the gateway is done with their message.

Three outcomes, each a plain-text e-mail in French with the English below (the network's working language is
French; some prescribers read English): the transmission was confirmed, the message was rejected (each finding
with its fix), or the transmission finally failed. The wording lives in templates/notices/*.txt so it can be
reviewed without reading code; each template's first line is `Subject: …`, then a blank line, then the body,
with `$name` placeholders (string.Template).

A notice carries no clinical content: it cites the job reference and the file number, never the patient's
name, health insurance number or orders; the prescriber finds the original through In-Reply-To threading.
It is marked `Auto-Submitted: auto-replied` and sent with an empty envelope sender (RFC 3834) so that
out-of-office replies and bounces never loop back into the gateway.
"""

from __future__ import annotations

import datetime as dt
import re
import string
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from pathlib import Path
from typing import Concatenate, ParamSpec

from gateway.config import Config
from gateway.models import Finding, Severity
from gateway.relay.smtp_fax import JOB_HEADER, SmtpEndpoint, smtp_send

P = ParamSpec("P")
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates" / "notices"

_MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
_MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

# What a failure cause means, for the prescriber (the provider's own wording is added when it has one).
_CAUSES: dict[str, tuple[str, str]] = {
    "busy": ("la ligne du destinataire était occupée", "the recipient's line was busy"),
    "no_answer": ("le télécopieur du destinataire ne répondait pas", "the recipient's fax did not answer"),
    "rejected": (
        "le numéro n'est pas celui d'un télécopieur ou a refusé l'appel",
        "the number is not a fax machine or refused the call",
    ),
    "unreachable": ("le service de télécopie était injoignable", "the fax service could not be reached"),
    "refused": ("le service de télécopie a refusé l'envoi", "the fax service refused the message"),
    "throttled": ("le service de transmission était surchargé", "the transmission service was overloaded"),
    "expired": (
        "aucune confirmation n'a été reçue dans le délai prévu",
        "no confirmation arrived within the allowed time",
    ),
}
_OTHER = ("erreur de transmission", "transmission error")


@dataclass(frozen=True, slots=True)
class NoticeContext:
    """Who gets the notice and how it is tied to the original message."""

    to: str  # the prescriber's address (the original From)
    job_ref: str
    file_number: str | None = None  # the patient's file number, as written by the sender
    in_reply_to: str | None = None  # the original Message-ID, for threading in Outlook


@cache
def _template(name: str) -> tuple[string.Template, string.Template]:
    text = (TEMPLATES_DIR / f"{name}.txt").read_text(encoding="utf-8")
    first, _, body = text.partition("\n\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"template {name}.txt must start with a 'Subject: ' line")
    return string.Template(first.removeprefix("Subject: ")), string.Template(body)


def _local(when: dt.datetime) -> dt.datetime:
    aware = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    try:
        return aware.astimezone(zoneinfo.ZoneInfo("America/Toronto"))
    except zoneinfo.ZoneInfoNotFoundError:
        return aware.astimezone(dt.UTC)


def format_when_fr(when: dt.datetime) -> str:
    t = _local(when)
    return f"{t.day} {_MONTHS_FR[t.month - 1]} {t.year} à {t.hour} h {t.minute:02d}"


def format_when_en(when: dt.datetime) -> str:
    t = _local(when)
    return f"{_MONTHS_EN[t.month - 1]} {t.day}, {t.year} at {t.hour}:{t.minute:02d}"


def _numbered(messages: Sequence[str], codes: Sequence[str]) -> str:
    return "".join(f"    {i}. {m}\n       ({c})\n" for i, (m, c) in enumerate(zip(messages, codes, strict=True), 1))


def _findings_block(findings: Iterable[Finding], lang: str) -> str:
    items = list(findings)
    errors = [f for f in items if f.severity is Severity.ERROR]
    warnings = [f for f in items if f.severity is Severity.WARNING]
    parts: list[str] = []
    for title_fr, title_en, group in (
        ("À corriger", "To fix", errors),
        ("À noter", "Please note", warnings),
    ):
        if not group:
            continue
        texts = [f.message_fr if lang == "fr" else f.message_en for f in group]
        title = f"{title_fr} :" if lang == "fr" else f"{title_en}:"
        parts.append(f"{title}\n{_numbered(texts, [f.code for f in group])}")
    return "\n".join(parts)


def _warnings_block(warnings: Sequence[Finding], lang: str) -> str:
    group = [f for f in warnings if f.severity is Severity.WARNING]
    if not group:
        return ""
    title = "À noter pour vos prochains envois :" if lang == "fr" else "Please note for your next messages:"
    texts = [f.message_fr if lang == "fr" else f.message_en for f in group]
    return f"\n{title}\n" + _numbered(texts, [f.code for f in group])


@dataclass(frozen=True, slots=True)
class NoticeText:
    """A notice's subject and plain-text body, for a relay that builds the message itself (Exchange): the
    service sends these without building (and re-reading) a MIME message."""

    subject: str
    body: str  # line ends "\n", ending with one, as the MIME message's text part reads


def _text(ctx: NoticeContext, template: str, values: dict[str, str]) -> NoticeText:
    subject_t, body_t = _template(template)
    common = {
        "job_ref": ctx.job_ref,
        "file_number_fr": ctx.file_number or "non indiqué",
        "file_number_en": ctx.file_number or "not given",
    }
    lines = re.split(r"\r\n|\r|\n", body_t.substitute(common, **values))
    if lines and not lines[-1]:
        lines.pop()
    return NoticeText(subject_t.substitute(common, **values), "\n".join(lines) + "\n")


def notice_message(config: Config, ctx: NoticeContext, text: NoticeText) -> EmailMessage:
    """The notice as an e-mail (sent over SMTP with `send_notice`)."""
    msg = EmailMessage()
    msg["From"] = config.exchange.mailbox
    msg["To"] = ctx.to
    msg["Subject"] = text.subject
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain=config.exchange.mailbox.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-replied"
    msg[JOB_HEADER] = ctx.job_ref
    if ctx.in_reply_to:
        msg["In-Reply-To"] = ctx.in_reply_to
        msg["References"] = ctx.in_reply_to
    msg["Content-Language"] = "fr-CA, en-CA"
    msg.set_content(text.body, charset="utf-8")
    return msg


def confirmation_text(
    config: Config,
    ctx: NoticeContext,
    *,
    destination: str,
    pages: int | None,
    completed_at: dt.datetime,
    warnings: Sequence[Finding] = (),
) -> NoticeText:
    """The transmission was confirmed (provider notice, or the next hop's acceptance for e-mail routes)."""
    return _text(
        ctx,
        "confirmation",
        {
            "destination": destination,
            "pages": str(pages) if pages is not None else "—",
            "completed_fr": format_when_fr(completed_at),
            "completed_en": format_when_en(completed_at),
            "warnings_fr": _warnings_block(warnings, "fr"),
            "warnings_en": _warnings_block(warnings, "en"),
        },
    )


def rejection_text(
    config: Config, ctx: NoticeContext, *, findings: Sequence[Finding], received_at: dt.datetime
) -> NoticeText:
    """The message was rejected: every error with its fix, then the warnings, French then English."""
    return _text(
        ctx,
        "rejection",
        {
            "received_fr": format_when_fr(received_at),
            "received_en": format_when_en(received_at),
            "findings_fr": _findings_block(findings, "fr"),
            "findings_en": _findings_block(findings, "en"),
        },
    )


def failure_text(
    config: Config,
    ctx: NoticeContext,
    *,
    destination: str,
    cause: str,
    reason: str | None,
    tries: int,
) -> NoticeText:
    """The gateway gave up: the tries are spent, the deadline passed, or the failure cannot be retried."""
    fr, en = _CAUSES.get(cause, _OTHER)
    detail = f" ({reason})" if reason else ""
    return _text(
        ctx,
        "failure",
        {"destination": destination, "tries": str(tries), "reason_fr": fr + detail, "reason_en": en + detail},
    )


def _as_message(
    text: Callable[Concatenate[Config, NoticeContext, P], NoticeText],
) -> Callable[Concatenate[Config, NoticeContext, P], EmailMessage]:
    def build(config: Config, ctx: NoticeContext, /, *args: P.args, **kwargs: P.kwargs) -> EmailMessage:
        return notice_message(config, ctx, text(config, ctx, *args, **kwargs))

    build.__doc__ = f"`{text.__name__}` as an e-mail (for `send_notice`)."
    return build


confirmation_notice = _as_message(confirmation_text)
rejection_notice = _as_message(rejection_text)
failure_notice = _as_message(failure_text)


async def send_notice(message: EmailMessage, endpoint: SmtpEndpoint) -> str:
    """Send a notice with an empty envelope sender (RFC 3834). Raises RelayError like the relays."""
    return await smtp_send(message, endpoint, sender="", recipients=[str(message["To"])])
