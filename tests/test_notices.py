"""Provider notices: what the gateway concludes from the provider's e-mails, and from mail that is not one."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import html
import re
from email.message import EmailMessage, Message

import aiosmtplib
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fakes.fax_provider import MailSink
from gateway.config import Config
from gateway.models import Finding, Severity
from gateway.notify import NoticeContext, confirmation_notice, failure_notice, rejection_notice, send_notice
from gateway.relay import notices
from gateway.relay.notices import NoticeInbox, classify_reason, parse_notice, parse_notice_bytes
from gateway.relay.smtp_fax import SmtpEndpoint

SUCCESS = b"""\
From: InterFAX <noreply@interfax.net>
To: ordofax-notices@ssss.gouv.qc.ca
Subject: Fax to 15145550150 successfully sent
Date: Wed, 02 Dec 2026 10:15:02 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Your fax was sent.

Transaction ID: 73948811
Destination fax: 15145550150
Status: 0 (OK)
Pages sent: 3 of 3
Transmission time: 00:01:12
Completed at: 2026-12-02 10:15:01 UTC
Original subject: T\xc3\xa9l\xc3\xa9copie ordofax [ordofax:2026-0042]
"""

FAILURE_BUSY = b"""\
From: InterFAX <noreply@interfax.net>
To: ordofax-notices@ssss.gouv.qc.ca
Subject: Fax transmission failed
Date: Wed, 02 Dec 2026 10:20:00 +0000
Content-Type: text/plain

Transaction ID: 73948812
Destination fax: 1 (450) 555-0199
Status: Failed
Pages sent: 0 of 2
Reason: Busy
Reference: 2026-0043
"""


def notice_with(subject: str, body: str, *, html: bool = False) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "noreply@interfax.net"
    msg["Subject"] = subject
    msg["Date"] = "Wed, 02 Dec 2026 10:20:00 +0000"
    msg.set_content(body, subtype="html" if html else "plain")
    return msg


def test_success_notice() -> None:
    notice = parse_notice_bytes(SUCCESS, "interfax")
    assert notice is not None
    assert notice.success and notice.job_ref == "2026-0042"
    assert notice.pages == 3 and notice.number == "+15145550150" and notice.remote_id == "73948811"
    assert notice.cause is None and notice.reason is None
    assert notice.completed_at == dt.datetime(2026, 12, 2, 10, 15, 1, tzinfo=dt.UTC)


def test_busy_failure_notice() -> None:
    notice = parse_notice_bytes(FAILURE_BUSY, "interfax")
    assert notice is not None
    assert not notice.success and notice.job_ref == "2026-0043"
    assert (notice.cause, notice.retryable, notice.reason, notice.pages) == ("busy", True, "Busy", 0)
    assert notice.number == "+14505550199"
    # no completion line: the Date header is used
    assert notice.completed_at == dt.datetime(2026, 12, 2, 10, 20, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("reason", "cause", "retryable"),
    [
        ("No answer", "no_answer", True),
        ("Ring timeout - no response", "no_answer", True),
        ("Line busy", "busy", True),
        ("Rejected: called number is not a fax machine", "rejected", False),
        ("Voice answered", "rejected", False),
        ("Invalid number", "rejected", False),
        ("Communication error (page 2)", "other", True),
        (None, "other", True),
    ],
)
def test_failure_causes(reason: str | None, cause: str, retryable: bool) -> None:
    assert classify_reason(reason) == (cause, retryable)
    body = "Transaction ID: 1\nStatus: Failed\n" + (f"Reason: {reason}\n" if reason else "")
    notice = parse_notice(notice_with("Fax to 15145550150 failed [ordofax:J-9]", body), "interfax")
    assert notice is not None and not notice.success
    assert (notice.job_ref, notice.cause, notice.retryable) == ("J-9", cause, retryable)


def test_html_only_notice_with_reference_in_quoted_subject() -> None:
    body = (
        "<html><body><table><tr><td>Status:</td></tr></table>"
        "<p>Transaction ID: 555</p><p>Status: Failed</p><p>Reason: No answer</p>"
        "<p>Subject: T&eacute;l&eacute;copie [ordofax:JOB-7]</p></body></html>"
    )
    notice = parse_notice(notice_with("Fax transmission failed", body, html=True), "interfax")
    assert notice is not None
    assert (notice.job_ref, notice.success, notice.cause) == ("JOB-7", False, "no_answer")


def test_generic_subject_decided_by_status() -> None:
    body = "Transaction ID: 77\nStatus: 0 OK\nPages: 1\nReference: JOB-8\n"
    notice = parse_notice(notice_with("InterFAX notification", body), "interfax")
    assert notice is not None and notice.success and notice.job_ref == "JOB-8" and notice.pages == 1


def test_notice_without_reference_is_unmatched_not_guessed() -> None:
    notice = parse_notice(notice_with("Fax to 15145550150 successfully sent", "Status: OK\n"), "interfax")
    assert notice is not None and notice.success and notice.job_ref is None


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Absence du bureau / Out of office", "Je suis absent jusqu'au 5 janvier.\nStatus: away\n"),
        ("Undelivered Mail Returned to Sender", "This is the mail system at host mx.example.\n"),
        ("Re: Télécopie [ordofax:JOB-1]", "Merci, bien reçu.\n"),
    ],
)
def test_mail_that_is_not_a_notice(subject: str, body: str) -> None:
    assert parse_notice(notice_with(subject, body), "interfax") is None


def test_unknown_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="no notice parser"):
        parse_notice(notice_with("x", "y"), "efax")


@given(subject=st.text(max_size=200), body=st.text(max_size=2000))
def test_parser_never_raises(subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["Subject"] = " ".join(subject.split())
    msg.set_content(body)
    notice = parse_notice(msg, "interfax")
    assert notice is None or isinstance(notice.success, bool)


@given(raw=st.binary(max_size=3000))
def test_parser_never_raises_on_raw_bytes(raw: bytes) -> None:
    for prefix in (b"", b"Subject: Fax transmission failed\r\n\r\nStatus: Failed\r\nReason: "):
        notice = parse_notice_bytes(prefix + raw, "interfax")
        assert notice is None or isinstance(notice.success, bool)


def test_body_in_an_unknown_charset_is_read_as_utf8() -> None:
    raw = FAILURE_BUSY.replace(b"Content-Type: text/plain", b"Content-Type: text/plain; charset=x-no-such")

    notice = parse_notice_bytes(raw.replace(b"Reason: Busy", "Reason: Occupé".encode()), "interfax")

    assert notice is not None and notice.job_ref == "2026-0043" and notice.reason == "Occupé"


# --- compat32 parsing reads what policy.default reads -----------------------------------------------------


def with_policy(raw: bytes, policy: email.policy.Policy) -> Message:
    return email.message_from_bytes(raw, policy=policy)


def body_as_policy_default_reads_it(raw: bytes) -> str:
    """The notice text as the parser read it when it parsed with policy.default."""
    message = with_policy(raw, email.policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content()
    assert isinstance(text, str)
    return html.unescape(re.sub(r"<[^>]+>", "\n", text)) if part.get_content_subtype() == "html" else text


_text = st.text(st.characters(codec="utf-8"), max_size=200)
_one_line = st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=60)


@st.composite
def notice_mime(draw: st.DrawFn) -> bytes:
    """Notice-like messages in every shape the body search must handle, as a provider's mailer writes them."""
    plain, markup = draw(_text), "<p>" + html.escape(draw(_text)) + "</p>"
    charset = draw(st.sampled_from(["utf-8", "iso-8859-1"]))
    if charset != "utf-8" and not all(c.encode(charset, "ignore") for c in plain + markup):
        charset = "utf-8"
    cte = draw(st.sampled_from([None, "quoted-printable", "base64", "8bit"]))
    shape = draw(st.sampled_from(["plain", "html", "alternative", "html-first", "mixed", "related", "attached"]))
    msg = EmailMessage()
    msg["Subject"] = " ".join(draw(_one_line).split()) or "Fax"
    if shape in ("html", "html-first", "related", "attached"):
        msg.set_content(markup, subtype="html", charset=charset, cte=cte)
    else:
        msg.set_content(plain, charset=charset, cte=cte)
    if shape == "alternative":
        msg.add_alternative(markup, subtype="html", charset=charset, cte=cte)
    elif shape == "html-first":
        msg.add_alternative(plain, charset=charset, cte=cte)
    elif shape == "mixed":
        msg.add_attachment(b"%PDF-1.4 ...", maintype="application", subtype="pdf", filename="fax.pdf")
        msg.add_attachment(draw(_text), filename="log.txt")
    elif shape == "related":  # only the root part counts, even when a later one is text
        msg.add_related(b"\x89PNG...", maintype="image", subtype="png", cid="<logo@fax.example>")
        msg.add_related(plain, cid="<text@fax.example>")
    elif shape == "attached":  # an attached text file is not the body
        msg.add_attachment(plain, filename="notice.txt")
    for number, part in enumerate(msg.walk()):
        if part.is_multipart():
            part.set_boundary(f"==boundary-{number}==")  # the email package would draw one with `random`
    return bytes(msg.as_bytes(policy=email.policy.SMTP))


@given(notice_mime())
def test_body_as_policy_default_reads_it(raw: bytes) -> None:
    message = with_policy(raw, email.policy.compat32)
    assert notices._body_text(message) == body_as_policy_default_reads_it(raw)


_header_value = st.lists(
    st.one_of(
        st.text(st.characters(max_codepoint=127, exclude_characters="\r\n"), max_size=20),
        _one_line,
        st.sampled_from(["=?utf-8?q?T=C3=A9l=C3=A9copie?=", "=?iso-8859-1?b?6Q==?=", "=?x-bogus?q?a?=", "=?"]),
        st.sampled_from([" ", "\t", "é"]),
        st.just("\r\n "),  # folded onto the next line
    ),
    max_size=6,
).map("".join)


@given(_header_value)
@example("Fax to 15145550150\r\n successfully sent")
@example("T=C3=A9l=C3=A9copie=?utf-8?q?T=C3=A9l=C3=A9copie?=\r\n\t=?utf-8?q?_ordofax?= [ordofax:J-1]")
@example("Télécopie\t ordofax ")
def test_headers_as_policy_default_reads_them(value: str) -> None:
    raw = f"Subject: {value}\r\nX-Ordofax-Job: {value}\r\n\r\nStatus: OK\r\n".encode()
    if b"\r\n \r\n" in raw or raw.startswith(b"Subject: \r\n"):  # not one header any more
        return
    compat, default = with_policy(raw, email.policy.compat32), with_policy(raw, email.policy.default)

    for name in ("Subject", "x-ordofax-job"):
        assert notices._header(compat, name) == str(default[name])
    assert notices._header(compat, "Date") is None


@given(
    st.one_of(
        st.datetimes(timezones=st.timezones()).map(email.utils.format_datetime),
        st.sampled_from(["Wed, 2 Dec 2026 10:20:00 EST", "2 Dec 2026 10:20 -0000", "31 Feb 2026", "soon"]),
        _one_line,
    )
)
def test_dates_as_policy_default_reads_them(value: str) -> None:
    raw = f"Date: {value}\r\n\r\n".encode()
    compat, default = with_policy(raw, email.policy.compat32), with_policy(raw, email.policy.default)
    try:
        expected = email.utils.parsedate_to_datetime(str(default["Date"])) if default["Date"] else None
    except (TypeError, ValueError):
        expected = None

    assert notices._when(None, compat) == expected


# --- sender notices (gateway.notify) ----------------------------------------------------------------------

FINDINGS = [
    Finding(
        "SENDER_LICENCE_MISSING",
        Severity.ERROR,
        "Ajoutez votre numéro de permis à la signature, p. ex. « #Lic 12345 ».",
        "Add your licence number to the signature, e.g. “#Lic 12345”.",
        "body",
    ),
    Finding(
        "RECIPIENT_MULTIPLE",
        Severity.ERROR,
        "Un seul destinataire par envoi : retirez les autres adresses.",
        "One recipient per message: remove the other addresses.",
        "to",
    ),
    Finding(
        "ARCHIVES_NOT_CC",
        Severity.WARNING,
        "Mettez les archives en copie conforme; la passerelle leur a envoyé la copie.",
        "Put the archives in Cc; the gateway sent them the copy.",
        "cc",
    ),
]
CTX = NoticeContext(
    to="marie.tremblay@ssss.gouv.qc.ca", job_ref="2026-0042", file_number="087231", in_reply_to="<abc@x>"
)


def french_and_english(msg: EmailMessage) -> tuple[str, str]:
    body = msg.get_content()
    assert isinstance(body, str)
    french, marker, english = body.partition("----- English -----")
    assert marker, "the English block is missing"
    return french, english


def test_rejection_lists_each_finding_french_then_english() -> None:
    msg = rejection_notice(Config(), CTX, findings=FINDINGS, received_at=dt.datetime(2026, 12, 2, 15, 4, tzinfo=dt.UTC))
    french, english = french_and_english(msg)
    assert french.lstrip().startswith("Bonjour")
    for finding in FINDINGS:
        assert finding.message_fr in french and finding.message_fr not in english
        assert finding.message_en in english and finding.message_en not in french
        assert finding.code in french and finding.code in english
    assert french.index("À corriger") < french.index(FINDINGS[0].message_fr) < french.index("À noter")
    assert french.index(FINDINGS[1].message_fr) < french.index(FINDINGS[2].message_fr)
    assert "2 décembre 2026 à 10 h 04" in french and "December 2, 2026 at 10:04" in english
    assert "087231" in french and "087231" in english
    assert msg["To"] == CTX.to and msg["In-Reply-To"] == "<abc@x>"
    assert msg["Auto-Submitted"] == "auto-replied" and msg["X-Ordofax-Job"] == "2026-0042"
    assert str(msg["Subject"]).startswith("Envoi refusé / Message rejected")


def test_confirmation_gives_destination_pages_time_and_warnings() -> None:
    msg = confirmation_notice(
        Config(),
        CTX,
        destination="Pharmacie du Parc, +1 514-555-0150",
        pages=2,
        completed_at=dt.datetime(2026, 7, 1, 14, 30, tzinfo=dt.UTC),
        warnings=[FINDINGS[2]],
    )
    french, english = french_and_english(msg)
    for part in (french, english):
        assert "Pharmacie du Parc, +1 514-555-0150" in part and "2026-0042" in part
    assert "Pages                : 2" in french and "Pages         : 2" in english
    assert "1 juillet 2026 à 10 h 30" in french and "July 1, 2026 at 10:30" in english  # EDT
    assert FINDINGS[2].message_fr in french and FINDINGS[2].message_en in english


def test_confirmation_without_file_number_or_warnings() -> None:
    ctx = NoticeContext(to="x@ssss.gouv.qc.ca", job_ref="J-1")
    msg = confirmation_notice(
        Config(), ctx, destination="+1 514-555-0150", pages=None, completed_at=dt.datetime.now(dt.UTC)
    )
    french, english = french_and_english(msg)
    assert "non indiqué" in french and "not given" in english
    assert "À noter" not in french and msg["In-Reply-To"] is None


@pytest.mark.parametrize(
    ("cause", "fr", "en"),
    [
        ("busy", "ligne du destinataire était occupée", "line was busy"),
        ("no_answer", "ne répondait pas", "did not answer"),
        ("something_new", "erreur de transmission", "transmission error"),
    ],
)
def test_failure_gives_reason_in_both_languages(cause: str, fr: str, en: str) -> None:
    msg = failure_notice(Config(), CTX, destination="+1 514-555-0150", cause=cause, reason="Busy", tries=6)
    french, english = french_and_english(msg)
    assert fr in french and en in english
    assert "(Busy)" in french and "Tentatives           : 6" in french and "Attempts      : 6" in english


async def test_notice_sent_over_smtp_with_null_sender() -> None:
    msg = rejection_notice(Config(), CTX, findings=FINDINGS, received_at=dt.datetime.now(dt.UTC))
    async with MailSink() as sink:
        await send_notice(msg, SmtpEndpoint(host="127.0.0.1", port=sink.port, timeout_seconds=5))
        [received] = await sink.wait_for(1)
    assert sink.envelopes == [("<>", [CTX.to])]  # MAIL FROM:<>, RFC 3834
    french, _ = french_and_english(received)
    assert FINDINGS[0].message_fr in french  # accents and guillemets survive the trip


# --- the notice inbox used by `ordofax send` --------------------------------------------------------------


async def test_notice_inbox_accepts_only_the_notice_address_and_matches_jobs() -> None:
    async with NoticeInbox(
        host="127.0.0.1", port=0, notice_address="Notices@ssss.gouv.qc.ca", notice_format="interfax"
    ) as inbox:
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
            await aiosmtplib.send(
                SUCCESS,
                sender="x@y",
                recipients=["other@ssss.gouv.qc.ca"],
                hostname="127.0.0.1",
                port=inbox.port,
            )
        ooo = notice_with("Absence du bureau", "Je suis absent.")
        await aiosmtplib.send(ooo, recipients=["notices@ssss.gouv.qc.ca"], hostname="127.0.0.1", port=inbox.port)
        with pytest.raises(TimeoutError):
            await inbox.wait_for("2026-0042", timeout=0.1)
        await aiosmtplib.send(
            SUCCESS,
            sender="x@y",
            recipients=["notices@ssss.gouv.qc.ca"],
            hostname="127.0.0.1",
            port=inbox.port,
        )
        notice = await inbox.wait_for("2026-0042", timeout=2)
    assert notice.success and inbox.ignored == 1 and len(inbox.notices) == 1
