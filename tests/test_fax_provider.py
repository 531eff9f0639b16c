"""The stand-in provider refuses what a real provider refuses and reports what it actually received."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import io
import os
import re
import shutil
import smtplib
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from email.message import EmailMessage, Message
from pathlib import Path

import aiosmtplib
import pytest
from aiosmtpd.smtp import Envelope
from aiosmtplib.email import flatten_message
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from fakes.fax_provider import (
    FakeFaxProvider,
    FaxMode,
    MailSink,
    ReceivedFax,
    _Document,
    _NoticeLine,
    interfax_notice,
    nanp_digits,
    notice_bytes,
    sample_pdf,
)
from fakes.mime_parts import leaf_parts
from fakes.pdf_pages import _Narrow, _pypdf_pages, _Unsupported, page_count
from gateway.config import default_config, demo_dir
from gateway.pipeline import CheckContext, check_bytes
from gateway.render import render_documents
from gateway.render.aes import AesV2Encryption
from gateway.render.lock import PERMISSIONS

OK = FaxMode.OK

DOMAIN = "fax.provider.example"


@pytest.fixture
async def provider(tmp_path: Path) -> AsyncIterator[FakeFaxProvider]:
    async with FakeFaxProvider(outbox=tmp_path / "out", max_pages=3) as p:
        yield p


def fax_mail(number: str = "15145550150", *, pdf: bytes | None = None, extra: bytes | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "ordofax@ssss.gouv.qc.ca"
    msg["To"] = f"{number}@{DOMAIN}"
    msg["Subject"] = "Télécopie [ordofax:J-1]"
    msg["X-Ordofax-Job"] = "J-1"
    msg.set_content("")
    if pdf is not None:
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="f.pdf")
    if extra is not None:
        msg.add_attachment(extra, maintype="application", subtype="msword", filename="f.doc")
    return msg


async def send(provider: FakeFaxProvider, msg: EmailMessage) -> None:
    await aiosmtplib.send(msg, hostname="127.0.0.1", port=provider.port, timeout=5)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("5145550150", "15145550150"),
        ("15145550150", "15145550150"),
        ("4185550100", "14185550100"),
        ("1514555015", None),  # too short
        ("25145550150", None),  # 11 digits without the leading 1
        ("1145550150", None),  # area code starts with 1
        ("5945550150", None),  # area code with 9 in the middle
        ("5144110150", None),  # N11 exchange
        ("5141550150", None),  # exchange starts with 1
        ("514555015O", None),  # a letter O
    ],
)
def test_nanp_numbers(local: str, expected: str | None) -> None:
    assert nanp_digits(local) == expected


async def test_invalid_number_refused_at_rcpt(provider: FakeFaxProvider) -> None:
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as caught:
        await send(provider, fax_mail("5144110150", pdf=sample_pdf()))
    assert caught.value.recipients[0].code == 550
    assert provider.jobs == []


@pytest.mark.parametrize(
    ("pdf", "extra", "why"),
    [
        (None, None, "Exactly one PDF"),
        (b"%PDF-1.4 truncated garbage", None, "cannot be read"),
        (b"not a pdf at all", None, "cannot be read"),
        (sample_pdf(4), None, "Too many pages"),
        (sample_pdf(1), b"\xd0\xcf\x11\xe0 word document", "Unsupported attachment"),
    ],
)
async def test_document_checks(provider: FakeFaxProvider, pdf: bytes | None, extra: bytes | None, why: str) -> None:
    with pytest.raises(aiosmtplib.SMTPDataError) as caught:
        await send(provider, fax_mail(pdf=pdf, extra=extra))
    assert caught.value.code == 554 and why in caught.value.message
    assert provider.jobs == []


async def test_size_limit() -> None:
    async with FakeFaxProvider(max_bytes=20_000) as provider:
        with pytest.raises(aiosmtplib.SMTPResponseException) as caught:
            await send(provider, fax_mail(pdf=sample_pdf(1) + b"%" + os.urandom(30_000)))
        assert caught.value.code == 552


async def test_allowed_senders_only() -> None:
    async with FakeFaxProvider(allowed_senders={"someone@else.example"}) as provider:
        with pytest.raises(aiosmtplib.SMTPSenderRefused):
            await send(provider, fax_mail(pdf=sample_pdf()))


async def test_outbox_holds_pdf_and_g3_image(tmp_path: Path) -> None:
    if shutil.which("gs") is None:
        pytest.skip("Ghostscript not installed")
    async with FakeFaxProvider(outbox=tmp_path, fax_image=True) as provider:
        pdf = sample_pdf(2)
        await send(provider, fax_mail(pdf=pdf))
        [job] = await provider.wait_for_jobs(1, finished=True, timeout=20)
    pdf_path, tiff_path = job.outbox_files
    assert pdf_path.read_bytes() == pdf
    tiff = tiff_path.read_bytes()
    assert tiff[:4] in (b"II*\x00", b"MM\x00*")
    assert tiff.count(b"\x03\x01\x03\x00\x01\x00\x00\x00\x03\x00") == 2  # Compression=3 (CCITT G3), per page


async def test_transmission_time_per_page(tmp_path: Path) -> None:
    async with (
        MailSink() as sink,
        FakeFaxProvider(notify_host="127.0.0.1", notify_port=sink.port, seconds_per_page=0.2) as provider,
    ):
        started = time.monotonic()
        await send(provider, fax_mail(pdf=sample_pdf(2)))
        await sink.wait_for(1)
        elapsed = time.monotonic() - started
    assert 0.4 <= elapsed < 1.5
    assert provider.jobs[0].status == "sent" and provider.jobs[0].notice_sent


async def test_arm_next_calls_then_normal(provider: FakeFaxProvider) -> None:
    provider.arm(FaxMode.TEMPFAIL_RCPT, count=2)
    for _ in range(2):
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
            await send(provider, fax_mail(pdf=sample_pdf()))
    await send(provider, fax_mail(pdf=sample_pdf()))
    assert [stage for stage, _ in provider.refusals] == ["rcpt", "rcpt"]
    assert len(await provider.wait_for_jobs(1)) == 1


async def test_mode_by_number(provider: FakeFaxProvider) -> None:
    provider.modes["15145550199"] = FaxMode.NO_ANSWER
    await send(provider, fax_mail("5145550199", pdf=sample_pdf()))
    await send(provider, fax_mail("5145550150", pdf=sample_pdf()))
    jobs = await provider.wait_for_jobs(2, finished=True)
    assert {j.number: j.status for j in jobs} == {"15145550199": "failed", "15145550150": "sent"}


def test_thread_mode_with_standard_smtplib(tmp_path: Path) -> None:
    with (
        MailSink() as sink,
        FakeFaxProvider(outbox=tmp_path, notify_host="127.0.0.1", notify_port=sink.port) as provider,
        smtplib.SMTP("127.0.0.1", provider.port, timeout=5) as client,
    ):
        client.send_message(fax_mail(pdf=sample_pdf(1)))
        [job] = provider.wait_for_jobs_blocking(1, finished=True)
        [notice] = sink.wait_for_blocking(1)
    assert job.pages == 1 and job.outbox_files and job.notice_sent
    assert notice["Subject"] == "Fax to 15145550150 successfully sent"


async def test_command_line(tmp_path: Path) -> None:
    async with MailSink() as sink:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fakes.fax_provider",
                "--port",
                "0",
                "--outbox",
                str(tmp_path),
                "--notify-port",
                str(sink.port),
                "--mode",
                "+15145550199=busy",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            banner = proc.stdout.readline()
            port = int(banner.rsplit(":", 1)[1])
            await aiosmtplib.send(fax_mail("5145550199", pdf=sample_pdf()), hostname="127.0.0.1", port=port)
            [notice] = await sink.wait_for(1)
            assert notice["Subject"] == "Fax transmission failed"
            assert "Reason: Busy" in notice.get_content()
        finally:
            proc.terminate()
            assert proc.wait(timeout=5) == 0
        report = proc.stdout.read()
        assert "ref=J-1 to=15145550199 pages=1 status=failed notice=sent" in report


# --- the cheap paths agree with the standard library and pypdf ---------------------------------------------


def test_job_is_the_first_fax_of_a_reference() -> None:
    provider = FakeFaxProvider()
    envelope = Envelope()
    first = provider._record(envelope, "15145550150@x", _Document(b"%PDF-1", 1, False, {"X-Ordofax-Job": "J"}), OK)
    provider._record(envelope, "15145550150@x", _Document(b"%PDF-2", 1, False, {"X-Ordofax-Job": "J"}), OK)
    assert provider.job("J") is first and provider.job("K") is None and len(provider.jobs) == 2


def _locked_by_reportlab(pages: int) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, encrypt=AesV2Encryption(int(PERMISSIONS)))
    for number in range(pages):
        canvas.drawString(72, 720, f"page {number + 1}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _locked_by_pypdf(data: bytes, *, user: str = "", algorithm: str = "AES-128") -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user, owner_password="owner", algorithm=algorithm)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _hand_made(count: int) -> bytes:
    """Three pages under a nested page tree, whose root claims `count` pages."""
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [ 3 0 R 4 0 R ] /Count %d >>" % count,
        b"<< /Type /Pages /Parent 2 0 R /Kids [5 0 R 6 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [ << /Contents (a (nested) \\) string) >> ] >>",
        b"<</Type/Page/Parent 3 0 R/MediaBox[0 0 612 792]>>",
        b"<< /Type /Page % a comment\n /Parent 3 0 R /MediaBox [0 0 612.0 792] >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(out)


def _updated(data: bytes) -> bytes:
    """`data` with an incremental update: one more object, a cross-reference section pointing back (/Prev)."""
    size = int(re.findall(rb"/Size (\d+)", data)[-1])
    root = re.findall(rb"/Root (\d+ \d+ R)", data)[-1]
    previous = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    update = b"%d 0 obj\n<< /Producer (update) >>\nendobj\n" % size
    xref = len(data) + len(update)
    update += b"xref\n%d 1\n%010d 00000 n \n" % (size, len(data))
    update += b"trailer\n<< /Size %d /Root %s /Info %d 0 R /Prev %d >>\n" % (size + 1, root, size, previous)
    return data + update + b"startxref\n%d\n%%%%EOF\n" % xref


def _updated_by_pypdf(data: bytes) -> bytes:
    writer = PdfWriter(io.BytesIO(data), incremental=True)
    writer.add_metadata({"/Title": "updated"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def gateway_fax_pdf() -> bytes:
    config = default_config()
    raw = (demo_dir() / "messages" / "20_drug_rx_windows1252.eml").read_bytes()
    result = check_bytes(raw, CheckContext.from_config(config))
    return render_documents(result, config, "REF0000000000000001")[0].data


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("reportlab, 3 pages", lambda: sample_pdf(3)),
        ("reportlab, locked, 1 page", lambda: _locked_by_reportlab(1)),
        ("reportlab, locked, 4 pages", lambda: _locked_by_reportlab(4)),
        ("pypdf, locked, 5 pages", lambda: _locked_by_pypdf(sample_pdf(5))),
        ("nested page tree", lambda: _hand_made(3)),
    ],
)
def test_narrow_page_count_agrees_with_pypdf(name: str, make: Callable[[], bytes]) -> None:
    data = make()
    assert _Narrow(data).pages() == _pypdf_pages(data) == page_count(data)  # read without pypdf


def test_gateway_fax_is_counted_without_pypdf(gateway_fax_pdf: bytes) -> None:
    assert _Narrow(gateway_fax_pdf).pages() == _pypdf_pages(gateway_fax_pdf) == 1


@pytest.mark.parametrize(
    ("name", "make", "pages"),
    [
        ("a user password", lambda: _locked_by_pypdf(sample_pdf(2), user="secret"), None),
        ("AES-256", lambda: _locked_by_pypdf(sample_pdf(2), algorithm="AES-256"), 2),
        ("a /Count that disagrees", lambda: _hand_made(5), 3),
        ("an incremental update", lambda: _updated(sample_pdf(3)), 3),
        ("a cross-reference stream", lambda: _updated_by_pypdf(sample_pdf(2)), 2),
        ("a truncated file", lambda: sample_pdf(2)[:-200], None),
        ("garbage", lambda: b"%PDF-1.4 truncated garbage", None),
    ],
)
def test_pypdf_decides_what_the_narrow_reading_does_not(
    name: str, make: Callable[[], bytes], pages: int | None
) -> None:
    data = make()
    with pytest.raises(_Unsupported):
        _Narrow(data).pages()
    assert page_count(data) == _pypdf_pages(data) == pages


async def test_pdf_needing_a_user_password_is_still_refused(provider: FakeFaxProvider) -> None:
    with pytest.raises(aiosmtplib.SMTPDataError) as caught:
        await send(provider, fax_mail(pdf=_locked_by_pypdf(sample_pdf(1), user="secret")))
    assert caught.value.code == 554 and "cannot be read" in caught.value.message
    assert provider.jobs == []


async def test_locked_multi_page_fax_is_counted(provider: FakeFaxProvider) -> None:
    await send(provider, fax_mail(pdf=_locked_by_reportlab(3)))
    [job] = await provider.wait_for_jobs(1)
    assert job.pages == 3 and job.headers["Subject"] == "Télécopie [ordofax:J-1]" and job.job_ref == "J-1"


def _multipart(body: bytes) -> bytes:
    return b'From: a@b.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary="==B=="\r\n\r\n' + body


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


MIME_CASES = {
    "gateway style": _crlf(fax_mail(pdf=sample_pdf(2), extra=b"\xd0\xcf word").as_bytes()),
    "bare LF": fax_mail(pdf=sample_pdf(1)).as_bytes(),
    "preamble, padding, epilogue": _multipart(
        b"preamble\r\n--==B==\r\nContent-Type: text/plain\r\n\r\nhello\r\n--==B==  \r\n"
        b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%PDF=3D\r\n"
        b"--==B==-- \r\nepilogue\r\n"
    ),
    "lines that only look like delimiters": _multipart(b"--==B==\r\n\r\n--==B==x\r\n--==B==--x\r\n--==B==--\r\n"),
    "a part without headers": _multipart(
        b"--==B==\r\n\r\nbody\r\n--==B==\r\nContent-Type: text/plain\r\n\r\n\r\n--==B==--"
    ),
    "an empty body": _multipart(b"--==B==\r\nContent-Type: text/plain\r\n\r\n--==B==--\r\n"),
    "two delimiters in a row": _multipart(b"--==B==\r\n--==B==\r\nContent-Type: text/plain\r\n\r\nx\r\n--==B==--\r\n"),
    "no closing delimiter": _multipart(b"--==B==\r\nContent-Type: text/plain\r\n\r\nx\r\n"),
    "closing delimiter first": _multipart(b"--==B==--\r\n--==B==\r\n\r\nx\r\n--==B==--\r\n"),
    "nested multipart": _multipart(
        b"--==B==\r\nContent-Type: multipart/alternative; boundary=in\r\n\r\n--in\r\n\r\nx\r\n--in--\r\n--==B==--\r\n"
    ),
    "attached message": _multipart(
        b"--==B==\r\nContent-Type: message/rfc822\r\n\r\nSubject: i\r\n\r\nb\r\n--==B==--\r\n"
    ),
    "no blank line after headers": _multipart(
        b"--==B==\r\nContent-Type: text/plain\r\nnot a header\r\n\r\nx\r\n--==B==--"
    ),
    "bad base64": _multipart(
        b"--==B==\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVB!x\r\n--==B==--\r\n"
    ),
    "8-bit file name": _multipart(
        b'--==B==\r\nContent-Disposition: attachment; filename="\xc3\xa9.pdf"\r\n\r\nx\r\n--==B==--\r\n'
    ),
    "folded headers": b'Content-Type: multipart/mixed;\r\n boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain;\r\n'
    b"\tcharset=utf-8\r\n\r\nx\r\n--b--\r\n",
}


@pytest.mark.parametrize("name", MIME_CASES)
def test_leaf_parts_are_what_email_parses(name: str) -> None:
    raw = MIME_CASES[name]
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    expected = (message, [p for p in message.walk() if not p.is_multipart()])
    assert _described(leaf_parts(raw)) == _described(expected)


def _described(parsed: tuple[Message, list[Message]]) -> object:
    message, parts = parsed
    leaves = [(p.items(), p.get_payload(decode=True), p.get_filename(), p.get_content_disposition()) for p in parts]
    return message.items(), leaves


# --- notices over kept connections -------------------------------------------------------------------------


def _received(status: str = "sent", subject: str = "Télécopie [ordofax:J-1]") -> ReceivedFax:
    return ReceivedFax("1000001", "15145550150", 2, "J-1", subject, "a@b.example", {}, "", False, OK,
                       dt.datetime.now(dt.UTC), b"", status=status)  # fmt: skip


@pytest.mark.parametrize("subject", ["ordofax AH-251 [ordofax:J-1]", "Télécopie [ordofax:J-1]", "x" * 90])
@pytest.mark.parametrize("status", ["sent", "failed"])
def test_notice_bytes_are_the_email_message_as_sent(subject: str, status: str) -> None:
    job, at, msgid = _received(status, subject), dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "<1@fax.example>"
    sender, to = "noreply@fax.provider.example", "n@ssss.gouv.qc.ca"
    message = interfax_notice(job, sender=sender, to=to, seconds=75, at=at, message_id=msgid)
    sent = notice_bytes(job, sender=sender, to=to, seconds=75, at=at, message_id=msgid)
    assert sent == flatten_message(message)


async def _faxes_and_notices(provider: FakeFaxProvider, count: int) -> None:
    for _ in range(count):
        await send(provider, fax_mail(pdf=sample_pdf(1)))
        await provider.wait_for_jobs(len(provider.jobs), finished=True)


async def test_notices_share_one_connection_and_survive_it_dropping() -> None:
    async with MailSink() as sink, FakeFaxProvider(notify_host="127.0.0.1", notify_port=sink.port) as provider:
        await _faxes_and_notices(provider, 3)
        assert (len(sink.messages), sink.connections) == (3, 1)
        sink.drop_connections()  # the gateway restarted, or timed the idle session out
        await asyncio.sleep(0.05)
        await _faxes_and_notices(provider, 2)
        assert (len(sink.messages), sink.connections) == (5, 2)
    assert all(job.notice_sent for job in provider.jobs)
    assert [m["Subject"] for m in sink.messages] == ["Fax to 15145550150 successfully sent"] * 5


async def test_a_connection_dropped_unnoticed_is_replaced_without_losing_the_notice() -> None:
    async with MailSink() as sink:
        line = _NoticeLine()
        address = ("127.0.0.1", sink.port)
        assert await line.deliver(address, "a@b.example", "c@d.example", b"Subject: 1\r\n\r\none\r\n")
        sink.drop_connections()  # no await in between: the client has not seen the close yet
        assert await line.deliver(address, "a@b.example", "c@d.example", b"Subject: 2\r\n\r\ntwo\r\n")
        line.drop()
        assert [m["Subject"] for m in await sink.wait_for(2)] == ["1", "2"] and sink.connections == 2


async def test_notices_at_once_use_a_few_connections() -> None:
    async with MailSink() as sink, FakeFaxProvider(notify_host="127.0.0.1", notify_port=sink.port) as provider:
        await asyncio.gather(*(send(provider, fax_mail(pdf=sample_pdf(1))) for _ in range(20)))
        await provider.wait_for_jobs(20, finished=True)
        assert len(await sink.wait_for(20)) == 20 and 1 <= sink.connections <= 8


async def test_notice_to_nobody_listening_is_lost_as_before() -> None:
    async with MailSink() as sink:
        port = sink.port
    async with FakeFaxProvider(notify_host="127.0.0.1", notify_port=port) as provider:
        await send(provider, fax_mail(pdf=sample_pdf(1)))
        [job] = await provider.wait_for_jobs(1, finished=True)
    assert job.status == "sent" and not job.notice_sent
