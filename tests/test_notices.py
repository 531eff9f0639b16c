"""Provider notices: what the gateway concludes from the provider's e-mails, and from mail that is not one."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.relay.notices import classify_reason, parse_notice, parse_notice_bytes

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
