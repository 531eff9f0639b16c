"""The stand-in provider refuses what a real provider refuses and reports what it actually received."""

from __future__ import annotations

import os
import shutil
import smtplib
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest

from fakes.fax_provider import FakeFaxProvider, FaxMode, MailSink, nanp_digits, sample_pdf

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
