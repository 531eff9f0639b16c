"""The fax relay against the stand-in provider over loopback: what the pharmacy gets, and each failure."""

from __future__ import annotations

import asyncio
import base64
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakes.fax_provider import FakeFaxProvider, FaxMode, MailSink, sample_pdf
from gateway.config import ProviderSection
from gateway.errors import RelayError
from gateway.relay import smtp_fax
from gateway.relay.base import Outbound, OutboundAttachment
from gateway.relay.notices import parse_notice
from gateway.relay.smtp_fax import JOB_HEADER, SmtpFaxRelay, fax_address, mime_base64

NUMBER = "+15145550150"


@pytest.fixture
async def sink() -> AsyncIterator[MailSink]:
    async with MailSink() as s:
        yield s


@pytest.fixture
async def provider(sink: MailSink, tmp_path: Path) -> AsyncIterator[FakeFaxProvider]:
    async with FakeFaxProvider(notify_host="127.0.0.1", notify_port=sink.port, outbox=tmp_path / "out") as p:
        yield p


def relay_for(provider: FakeFaxProvider, **overrides: object) -> SmtpFaxRelay:
    settings: dict[str, object] = {"port": provider.port, "timeout_seconds": 2.0, **overrides}
    return SmtpFaxRelay(ProviderSection.model_validate(settings))


def outbound(job_ref: str = "JOB-0001", pages: int = 2, to: str = NUMBER, body: str = "") -> Outbound:
    return Outbound(
        job_ref=job_ref,
        to=to,
        subject="Télécopie ordofax",
        body_text=body,
        attachments=[OutboundAttachment("AH-251.pdf", sample_pdf(pages))],
    )


async def test_pharmacy_receives_one_pdf_and_notice_matches_job(provider: FakeFaxProvider, sink: MailSink) -> None:
    job = outbound("JOB-0001", pages=2)
    receipt = await relay_for(provider).deliver(job)

    received = await provider.wait_for_jobs(1, finished=True)
    assert len(received) == 1
    fax = received[0]
    assert fax.number == "15145550150"
    assert fax.pages == 2 and not fax.cover_page
    assert fax.pdf == job.attachments[0].data
    assert fax.headers[JOB_HEADER] == "JOB-0001"
    assert "[ordofax:JOB-0001]" in fax.subject
    assert [p.suffix for p in fax.outbox_files] == [".pdf"]
    assert receipt.remote_id == fax.transaction_id

    [message] = await sink.wait_for(1)
    notice = parse_notice(message, "interfax")
    assert notice is not None
    assert (notice.job_ref, notice.success, notice.pages, notice.number) == ("JOB-0001", True, 2, NUMBER)
    assert notice.remote_id == receipt.remote_id


async def test_cover_page_only_when_configured(provider: FakeFaxProvider) -> None:
    await relay_for(provider).deliver(outbound("JOB-A", pages=1, body="Page couverture"))
    await relay_for(provider, cover_page=True).deliver(outbound("JOB-B", pages=1, body="Page couverture"))
    jobs = await provider.wait_for_jobs(2)
    assert [(j.job_ref, j.cover_page, j.pages) for j in jobs] == [("JOB-A", False, 1), ("JOB-B", True, 2)]


async def test_ten_digit_address_template(sink: MailSink) -> None:
    async with FakeFaxProvider(domain="fax.example.net") as provider:
        relay = relay_for(provider, address_template="{number10}@fax.example.net")
        await relay.deliver(outbound())
        [fax] = await provider.wait_for_jobs(1)
        assert fax.headers["To"] == "5145550150@fax.example.net"


def test_address_template_placeholders() -> None:
    assert fax_address("{digits}@p.example", NUMBER) == "15145550150@p.example"
    assert fax_address("{e164_digits}@p.example", NUMBER) == "15145550150@p.example"
    assert fax_address("{number10}@p.example", NUMBER) == "5145550150@p.example"
    for bad in ("+33123456789", "5145550150", "+15145550150x2"):
        with pytest.raises(RelayError) as caught:
            fax_address("{digits}@p.example", bad)
        assert not caught.value.retryable


async def test_provider_refusal_is_not_retryable(provider: FakeFaxProvider) -> None:
    provider.arm(FaxMode.REFUSE_RCPT)
    with pytest.raises(RelayError) as caught:
        await relay_for(provider).deliver(outbound())
    assert (caught.value.retryable, caught.value.cause) == (False, "refused")
    assert provider.jobs == []


async def test_wrong_provider_domain_is_refused(provider: FakeFaxProvider) -> None:
    with pytest.raises(RelayError) as caught:
        await relay_for(provider, address_template="{digits}@elsewhere.example").deliver(outbound())
    assert (caught.value.retryable, caught.value.cause) == (False, "refused")


async def test_temporary_refusal_at_rcpt_is_retryable(provider: FakeFaxProvider) -> None:
    provider.arm(FaxMode.TEMPFAIL_RCPT)
    relay = relay_for(provider)
    with pytest.raises(RelayError) as caught:
        await relay.deliver(outbound())
    assert caught.value.retryable and caught.value.cause == "busy"
    await relay.deliver(outbound())  # the next try goes through
    assert len(await provider.wait_for_jobs(1)) == 1


async def test_disconnect_during_data_is_retryable(provider: FakeFaxProvider) -> None:
    provider.arm(FaxMode.DISCONNECT_DATA)
    with pytest.raises(RelayError) as caught:
        await relay_for(provider).deliver(outbound())
    assert (caught.value.retryable, caught.value.cause) == (True, "unreachable")
    assert provider.jobs == []


async def test_slow_provider_times_out_as_unreachable(provider: FakeFaxProvider) -> None:
    provider.slow_seconds = 3.0
    provider.arm(FaxMode.SLOW)
    started = time.monotonic()
    with pytest.raises(RelayError) as caught:
        await relay_for(provider, timeout_seconds=0.3).deliver(outbound())
    elapsed = time.monotonic() - started
    assert (caught.value.retryable, caught.value.cause) == (True, "unreachable")
    assert 0.25 < elapsed < 1.5
    assert provider.jobs == []


async def test_timeout_after_data_warns_the_provider_may_have_it(provider: FakeFaxProvider) -> None:
    provider.slow_seconds = 0.8
    provider.arm(FaxMode.SLOW_DATA)
    with pytest.raises(RelayError) as caught:
        await relay_for(provider, timeout_seconds=0.3).deliver(outbound("JOB-DUP"))
    assert caught.value.retryable and "may have it" in str(caught.value)
    # the provider did accept it: a retry would send a second fax, only the notice tells
    [fax] = await provider.wait_for_jobs(1, timeout=3)
    assert fax.job_ref == "JOB-DUP"


async def test_nobody_listening_is_retryable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    relay = SmtpFaxRelay(ProviderSection(port=port, timeout_seconds=1.0))
    with pytest.raises(RelayError) as caught:
        await relay.deliver(outbound())
    assert (caught.value.retryable, caught.value.cause) == (True, "unreachable")


async def test_busy_line_gives_retryable_failure_notice(provider: FakeFaxProvider, sink: MailSink) -> None:
    provider.modes["15145550150"] = FaxMode.BUSY
    await relay_for(provider).deliver(outbound("JOB-BUSY"))
    [message] = await sink.wait_for(1)
    notice = parse_notice(message, "interfax")
    assert notice is not None
    assert (notice.job_ref, notice.success, notice.cause, notice.retryable) == (
        "JOB-BUSY",
        False,
        "busy",
        True,
    )
    assert notice.pages == 0
    [fax] = provider.jobs
    assert fax.outbox_files == []  # nothing reached the pharmacy


async def test_notice_never_sent(provider: FakeFaxProvider, sink: MailSink) -> None:
    provider.arm(FaxMode.SILENT)
    await relay_for(provider).deliver(outbound("JOB-SILENT"))
    [fax] = await provider.wait_for_jobs(1, finished=True)
    assert fax.status == "sent" and not fax.notice_sent
    with pytest.raises(TimeoutError):
        await sink.wait_for(1, timeout=0.5)


async def test_invalid_job_reference_is_not_sent(provider: FakeFaxProvider) -> None:
    with pytest.raises(RelayError) as caught:
        await relay_for(provider).deliver(outbound("JOB\r\nBcc: x@evil.example"))
    assert not caught.value.retryable
    await asyncio.sleep(0.05)
    assert provider.jobs == []


async def test_line_break_in_subject_is_not_sent(provider: FakeFaxProvider) -> None:
    job = outbound("JOB-NL")
    job.subject = "Télécopie\r\nBcc: x@evil.example"
    with pytest.raises(RelayError) as caught:
        await relay_for(provider).deliver(job)
    assert (caught.value.retryable, caught.value.cause) == (False, "invalid")


async def test_auth_required(sink: MailSink) -> None:
    async with FakeFaxProvider(username="ordofax", password="s3cret") as provider:
        await relay_for(provider, username="ordofax", password="s3cret").deliver(outbound())
        assert len(await provider.wait_for_jobs(1)) == 1
        with pytest.raises(RelayError) as caught:
            await relay_for(provider, username="ordofax", password="wrong").deliver(outbound())
        assert (caught.value.retryable, caught.value.cause) == (False, "refused")


@pytest.fixture(scope="module")
def tls_context(tmp_path_factory: pytest.TempPathFactory) -> object:
    import ssl

    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


@pytest.mark.parametrize("mode", ["starttls", "implicit"])
async def test_tls_modes(tls_context: object, mode: str) -> None:
    import ssl

    assert isinstance(tls_context, ssl.SSLContext)
    async with FakeFaxProvider(tls_context=tls_context, implicit_tls=mode == "implicit") as provider:
        await relay_for(provider, tls=mode, validate_certs=False).deliver(outbound())
        assert len(await provider.wait_for_jobs(1)) == 1
        with pytest.raises(RelayError) as caught:  # a self-signed certificate does not validate
            await relay_for(provider, tls=mode, validate_certs=True).deliver(outbound())
        assert caught.value.retryable


@pytest.mark.parametrize("settings", [{"tls": "starttls"}, {"username": "ordofax", "password": "s3cret"}])
async def test_no_fallback_when_starttls_or_auth_is_not_offered(
    provider: FakeFaxProvider, settings: dict[str, object]
) -> None:
    with pytest.raises(RelayError) as caught:
        await relay_for(provider, **settings).deliver(outbound())
    assert (caught.value.retryable, caught.value.cause) == (False, "refused")
    assert "not supported" in str(caught.value)
    assert provider.jobs == []


@pytest.mark.parametrize(
    ("filename", "subject", "body", "cover"),
    [
        ("Ordonnances médicales_771502.pdf", "ordofax AH-251", "", False),
        ("AH-251.pdf", "Télécopie ordofax", "", False),
        ("AH-251.pdf", "ordofax", "Page de garde\nCover page", True),
        ("AH-251.pdf", "ordofax", "Télé", True),
    ],
)
def test_message_bytes_say_what_the_email_package_says(filename: str, subject: str, body: str, cover: bool) -> None:
    import email
    import email.policy

    from gateway.relay.smtp_fax import build_fax_message, fax_message_bytes

    provider = ProviderSection.model_validate({"cover_page": cover})
    job = Outbound(
        "JOB-0001", NUMBER, subject, body, [OutboundAttachment(filename, sample_pdf(2))], headers={"X-A": "b"}
    )

    def seen(data: bytes) -> list[object]:
        message = email.message_from_bytes(data, policy=email.policy.default)
        headers = [(k, str(v)) for k, v in message.items() if k not in ("Date", "Message-ID", "Content-Type")]
        parts = [(p.get_content_type(), p.get_filename(), p.get_content(), p.defects) for p in message.iter_parts()]
        return [headers, parts, message.defects]

    to, data = fax_message_bytes(job, provider)
    assert to.startswith("15145550150@")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert seen(data) == seen(build_fax_message(job, provider).as_bytes(policy=email.policy.SMTP))


@given(st.binary(max_size=400))
def test_mime_base64_is_encodebytes_with_crlf(data: bytes) -> None:
    assert mime_base64(data) == base64.encodebytes(data).replace(b"\n", b"\r\n")


async def test_ehlo_name_is_looked_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    looked_up: list[str] = []

    def getfqdn(name: str = "") -> str:
        looked_up.append(name)
        return "gateway.ssss.gouv.qc.ca"

    monkeypatch.setattr(smtp_fax, "_local_hostname", None)
    monkeypatch.setattr(socket, "getfqdn", getfqdn)
    greeted: list[str] = []
    monkeypatch.setattr(aiosmtplib.SMTP, "ehlo", _recording_ehlo(aiosmtplib.SMTP.ehlo, greeted))

    async with FakeFaxProvider() as provider:  # sends no notices: aiosmtplib would look the name up for them
        await relay_for(provider).deliver(outbound("JOB-E1", pages=1))
        await relay_for(provider).deliver(outbound("JOB-E2", pages=1))

    assert looked_up == [""] and greeted == ["gateway.ssss.gouv.qc.ca"] * 2
    assert [j.job_ref for j in provider.jobs] == ["JOB-E1", "JOB-E2"]


def _recording_ehlo(ehlo: Any, greeted: list[str]) -> Any:
    async def recording(self: aiosmtplib.SMTP, **kwargs: Any) -> Any:
        greeted.append(str(self.local_hostname))
        return await ehlo(self, **kwargs)

    return recording
