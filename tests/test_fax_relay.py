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


_RELAYS: list[SmtpFaxRelay] = []


@pytest.fixture(autouse=True)
async def _close_relays() -> AsyncIterator[None]:
    """Relays keep connections open: each test's are closed at its end, on its loop."""
    yield
    while _RELAYS:
        await _RELAYS.pop().aclose()


def relay_for(provider: FakeFaxProvider, **overrides: object) -> SmtpFaxRelay:
    settings: dict[str, object] = {"port": provider.port, "timeout_seconds": 2.0, **overrides}
    relay = SmtpFaxRelay(ProviderSection.model_validate(settings))
    _RELAYS.append(relay)
    return relay


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


async def test_connection_lost_after_the_document_went_out_is_in_doubt(provider: FakeFaxProvider) -> None:
    """The provider may have queued the fax before the line dropped: never resent blindly."""
    provider.arm(FaxMode.DISCONNECT_DATA)
    with pytest.raises(RelayError) as caught:
        await relay_for(provider).deliver(outbound())
    assert (caught.value.retryable, caught.value.cause, caught.value.in_doubt) == (True, "unreachable", True)
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

    monkeypatch.setattr(socket, "getfqdn", getfqdn)
    greeted: list[str] = []
    monkeypatch.setattr(aiosmtplib.SMTP, "ehlo", _recording_ehlo(aiosmtplib.SMTP.ehlo, greeted))

    async with FakeFaxProvider() as provider:  # sends no notices: aiosmtplib would look the name up for them
        relay = relay_for(provider, idle_seconds=0)  # a new connection for each fax, one lookup for the relay
        await relay.deliver(outbound("JOB-E1", pages=1))
        await relay.deliver(outbound("JOB-E2", pages=1))

    assert looked_up == [""] and greeted == ["gateway.ssss.gouv.qc.ca"] * 2
    assert [j.job_ref for j in provider.jobs] == ["JOB-E1", "JOB-E2"]


def _recording_ehlo(ehlo: Any, greeted: list[str]) -> Any:
    async def recording(self: aiosmtplib.SMTP, **kwargs: Any) -> Any:
        greeted.append(str(self.local_hostname))
        return await ehlo(self, **kwargs)

    return recording


# --- kept connections ----------------------------------------------------------------------------------------


def count_quits(provider: FakeFaxProvider) -> list[str]:
    """The QUITs the provider receives (install before the sessions it should see are opened)."""
    quits: list[str] = []

    async def handle_QUIT(server: object, session: object, envelope: object) -> str:
        quits.append("QUIT")
        return "221 Bye"

    provider.handle_QUIT = handle_QUIT  # type: ignore[attr-defined]
    return quits


def close_at_mail(provider: FakeFaxProvider) -> list[str]:
    """Put a reply in the returned list and the next MAIL gets it instead of the usual one: a server closing
    a connection it found idle too long answers 421 (install before the sessions are opened)."""
    replies: list[str] = []
    usual = provider.handle_MAIL

    async def handle_MAIL(server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if replies:
            return replies.pop(0)
        return await usual(server, session, envelope, address, options)

    provider.handle_MAIL = handle_MAIL  # type: ignore[method-assign]
    return replies


def refs(provider: FakeFaxProvider) -> list[str | None]:
    return [job.job_ref for job in provider.jobs]


async def test_sequential_faxes_share_one_connection(provider: FakeFaxProvider) -> None:
    relay = relay_for(provider)
    jobs = [outbound(f"JOB-S{i}", pages=1) for i in range(10)]
    for job in jobs:
        await relay.deliver(job)
    assert provider.connections == 1
    assert refs(provider) == [job.job_ref for job in jobs]


@pytest.mark.parametrize("size", [1, 3])
async def test_concurrent_faxes_use_at_most_max_connections(provider: FakeFaxProvider, size: int) -> None:
    relay = relay_for(provider, max_connections=size)
    jobs = [outbound(f"JOB-C{i}", pages=1) for i in range(12)]
    receipts = await asyncio.gather(*(relay.deliver(job) for job in jobs))
    # the first `size` start together, each on a connection of its own; the others wait for a free one
    assert provider.connections == size
    assert sorted(refs(provider)) == sorted(job.job_ref for job in jobs)  # nothing refused: no MAIL nested
    assert len({r.remote_id for r in receipts}) == 12


@pytest.mark.parametrize("noticed", [True, False], ids=["closed-seen", "closed-found-at-mail"])
async def test_a_connection_dropped_while_idle_is_replaced_and_the_fax_sent_once(
    provider: FakeFaxProvider, noticed: bool
) -> None:
    relay = relay_for(provider)
    await relay.deliver(outbound("JOB-D1", pages=1))
    provider.drop_connections()
    if noticed:  # the relay has seen the close; otherwise MAIL on the dead connection is what finds it
        await asyncio.sleep(0.05)
    receipt = await relay.deliver(outbound("JOB-D2", pages=1))
    assert receipt.remote_id is not None
    assert refs(provider) == ["JOB-D1", "JOB-D2"]
    assert provider.connections == 2


async def test_421_at_mail_on_a_kept_connection_is_retried_once_on_a_new_one(provider: FakeFaxProvider) -> None:
    closing = close_at_mail(provider)
    relay = relay_for(provider)
    await relay.deliver(outbound("JOB-I1", pages=1))
    closing.append("421 4.4.2 fax.provider.example idle too long, closing connection")
    await relay.deliver(outbound("JOB-I2", pages=1))
    assert refs(provider) == ["JOB-I1", "JOB-I2"] and provider.connections == 2

    closing.extend(["421 4.7.0 Too many connections, closing"] * 2)  # the new connection is refused too
    with pytest.raises(RelayError) as caught:
        await relay.deliver(outbound("JOB-I3", pages=1))
    assert (caught.value.retryable, caught.value.cause, caught.value.in_doubt) == (True, "throttled", False)
    assert provider.connections == 3  # the kept one and one new one: tried once more, no further
    assert refs(provider) == ["JOB-I1", "JOB-I2"]


async def test_a_refusal_at_mail_on_a_kept_connection_is_not_retried(provider: FakeFaxProvider) -> None:
    relay = relay_for(provider)
    await relay.deliver(outbound("JOB-M1", pages=1))
    provider.allowed_senders = {"someone.else@ssss.gouv.qc.ca"}
    with pytest.raises(RelayError) as caught:
        await relay.deliver(outbound("JOB-M2", pages=1))
    assert (caught.value.retryable, caught.value.cause) == (False, "refused")
    assert provider.connections == 1 and refs(provider) == ["JOB-M1"]


async def test_disconnect_during_data_on_a_kept_connection_is_reported_as_on_a_new_one(
    provider: FakeFaxProvider,
) -> None:
    provider.arm(FaxMode.DISCONNECT_DATA)
    with pytest.raises(RelayError) as on_new:
        await relay_for(provider).deliver(outbound("JOB-X0", pages=1))
    relay = relay_for(provider)
    await relay.deliver(outbound("JOB-X1", pages=1))
    connections = provider.connections

    provider.arm(FaxMode.DISCONNECT_DATA)
    with pytest.raises(RelayError) as on_kept:
        await relay.deliver(outbound("JOB-X2", pages=1))
    assert (on_kept.value.retryable, on_kept.value.cause, on_kept.value.in_doubt) == (
        on_new.value.retryable,
        on_new.value.cause,
        on_new.value.in_doubt,
    )
    assert provider.connections == connections  # the document went out: never sent again by the relay

    await relay.deliver(outbound("JOB-X3", pages=1))
    assert provider.connections == connections + 1  # the broken connection was not reused
    assert refs(provider) == ["JOB-X1", "JOB-X3"]


async def test_timeout_after_data_on_a_kept_connection_stays_in_doubt(provider: FakeFaxProvider) -> None:
    provider.slow_seconds = 0.8
    relay = relay_for(provider, timeout_seconds=0.3)
    await relay.deliver(outbound("JOB-T1", pages=1))
    provider.arm(FaxMode.SLOW_DATA)
    with pytest.raises(RelayError) as caught:
        await relay.deliver(outbound("JOB-T2", pages=1))
    assert caught.value.retryable and caught.value.in_doubt and "may have it" in str(caught.value)
    assert provider.connections == 1  # not sent again on another connection

    await relay.deliver(outbound("JOB-T3", pages=1))
    assert provider.connections == 2
    await provider.wait_for_jobs(3, timeout=3)
    assert refs(provider) == ["JOB-T1", "JOB-T2", "JOB-T3"]  # the provider had it, once


@pytest.mark.parametrize("mode", [FaxMode.REFUSE_RCPT, FaxMode.TEMPFAIL_RCPT])
async def test_a_refused_fax_does_not_poison_the_next(provider: FakeFaxProvider, mode: FaxMode) -> None:
    relay = relay_for(provider)
    await relay.deliver(outbound("JOB-P1", pages=1))
    provider.arm(mode)
    with pytest.raises(RelayError):
        await relay.deliver(outbound("JOB-P2", pages=1))
    await relay.deliver(outbound("JOB-P3", pages=1))
    await relay.deliver(outbound("JOB-P4", pages=1))
    assert refs(provider) == ["JOB-P1", "JOB-P3", "JOB-P4"]
    assert provider.connections == 2  # the one that saw the refusal was dropped, its successor kept


async def test_idle_connections_are_closed_after_idle_seconds(provider: FakeFaxProvider) -> None:
    quits = count_quits(provider)
    relay = relay_for(provider, idle_seconds=0.5)
    await relay.deliver(outbound("JOB-L1", pages=1))
    await relay.deliver(outbound("JOB-L2", pages=1))  # within idle_seconds: the same connection
    assert (provider.connections, quits) == (1, [])
    idle_since = time.monotonic()
    while not quits and time.monotonic() - idle_since < 5:
        await asyncio.sleep(0.02)
    assert quits == ["QUIT"] and time.monotonic() - idle_since >= 0.45
    await relay.deliver(outbound("JOB-L3", pages=1))
    assert provider.connections == 2


async def test_idle_seconds_zero_keeps_no_connection(provider: FakeFaxProvider) -> None:
    quits = count_quits(provider)
    relay = relay_for(provider, idle_seconds=0)
    for i in range(3):
        await relay.deliver(outbound(f"JOB-Z{i}", pages=1))
    assert provider.connections == 3 and quits == ["QUIT"] * 3


async def test_aclose_quits_every_connection(provider: FakeFaxProvider) -> None:
    quits = count_quits(provider)
    relay = relay_for(provider, max_connections=3)
    jobs = [outbound(f"JOB-Q{i}", pages=1) for i in range(6)]
    await asyncio.gather(*(relay.deliver(job) for job in jobs))
    assert provider.connections == 3 and quits == []
    await relay.aclose()
    assert quits == ["QUIT"] * 3
    await relay.deliver(outbound("JOB-Q6", pages=1))  # still works after aclose, keeping nothing
    assert provider.connections == 4 and quits == ["QUIT"] * 4


async def test_aclose_is_not_held_up_by_a_provider_that_does_not_say_goodbye(provider: FakeFaxProvider) -> None:
    async def handle_QUIT(server: object, session: object, envelope: object) -> str:
        await asyncio.sleep(10)
        return "221 Bye"

    provider.handle_QUIT = handle_QUIT  # type: ignore[attr-defined]
    relay = relay_for(provider, timeout_seconds=30)
    await relay.deliver(outbound("JOB-G1", pages=1))
    started = time.monotonic()
    await relay.aclose()
    assert time.monotonic() - started < 2.5  # not timeout_seconds: a shutdown must not wait on a goodbye


async def test_kept_connections_with_starttls_and_auth(tls_context: object) -> None:
    import ssl

    assert isinstance(tls_context, ssl.SSLContext)
    async with FakeFaxProvider(tls_context=tls_context, username="ordofax", password="s3cret") as provider:
        relay = relay_for(provider, tls="starttls", validate_certs=False, username="ordofax", password="s3cret")
        for i in range(3):
            await relay.deliver(outbound(f"JOB-K{i}", pages=1))
        provider.drop_connections()
        await relay.deliver(outbound("JOB-K3", pages=1))
        assert provider.connections == 2
        assert refs(provider) == ["JOB-K0", "JOB-K1", "JOB-K2", "JOB-K3"]
