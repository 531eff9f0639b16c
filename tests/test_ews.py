"""EWS relay with unmodified exchangelib against the SOAP stand-in on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from exchangelib.protocol import BaseProtocol, NoVerifyHTTPAdapter
from hypothesis import given, settings
from hypothesis import strategies as st

from fakes.ews import FakeEws
from gateway.config import ExchangeSection
from gateway.errors import ConfigError, RelayError
from gateway.relay.base import Outbound, OutboundAttachment, Relay
from gateway.relay.ews import EwsRelay, EwsSession, configure_tls, ews_account
from gateway.relay.mime_build import ExchangeThrottled
from tests.exchange_samples import PDF
from tests.exchange_samples import lab_requisition_to_patient as sample_requisition


@pytest.fixture
def fake() -> Iterator[FakeEws]:
    with FakeEws() as server:
        yield server


def settings_for(fake: FakeEws, **overrides: Any) -> ExchangeSection:
    return ExchangeSection(**{**fake.exchange_settings(), **overrides})


@pytest.fixture
async def relay(fake: FakeEws) -> AsyncIterator[EwsRelay]:
    ews = EwsRelay(settings_for(fake))
    yield ews
    await ews.aclose()


def lab_requisition_to_patient(**changes: Any) -> Outbound:
    return sample_requisition(changes.pop("job_ref", "J-20260101-0002"), **changes)


async def test_patient_mail_carries_the_encryption_header(fake: FakeEws, relay: EwsRelay) -> None:
    receipt = await relay.deliver(lab_requisition_to_patient())

    assert receipt.next_hop == "ews" and receipt.job_ref == "J-20260101-0002"
    [sent] = fake.sent
    assert sent.to == ["usager@courriel.example.com"]
    assert sent.headers == {"X-Ordofax-Encrypt": "true", "X-Ordofax-Job": "J-20260101-0002"}
    assert sent.subject == "Requête de laboratoire"
    assert sent.body == "Veuillez trouver ci-joint votre requête." and sent.body_type == "Text"
    assert [(a.name, a.content_type, a.data) for a in sent.attachments] == [("AH-251.pdf", "application/pdf", PDF)]
    assert sent.saved_to == "sentitems" and not sent.read_receipt
    assert fake.operations.count("CreateItem") == 1


async def test_account_creation_sends_nothing(fake: FakeEws) -> None:
    ews_account(settings_for(fake))
    EwsRelay(settings_for(fake))
    assert fake.operations == []


async def test_subject_keyword_trigger_instead_of_header(fake: FakeEws) -> None:
    relay: Relay = EwsRelay(settings_for(fake, encryption_trigger="subject", encryption_subject_keyword="[secure]"))
    await relay.deliver(lab_requisition_to_patient())
    await relay.aclose()

    [sent] = fake.sent
    assert sent.subject == "[secure] Requête de laboratoire"
    assert "X-Ordofax-Encrypt" not in sent.headers


async def test_internal_mail_requests_a_read_receipt(fake: FakeEws, relay: EwsRelay) -> None:
    await relay.deliver(
        lab_requisition_to_patient(to="pharmacie.hmr@ssss.gouv.qc.ca", encrypt=False, read_receipt=True)
    )

    [sent] = fake.sent
    assert sent.read_receipt is True and "X-Ordofax-Encrypt" not in sent.headers


async def test_large_attachment_arrives_byte_identical(fake: FakeEws, relay: EwsRelay) -> None:
    data = bytes(range(251)) * 20_000  # 5 MB

    await relay.deliver(lab_requisition_to_patient(attachments=[OutboundAttachment("scan.pdf", data)]))

    assert fake.sent[0].attachments[0].data == data


async def test_messages_are_sent_one_after_another_on_one_account(fake: FakeEws, relay: EwsRelay) -> None:
    for n in range(3):
        await relay.deliver(lab_requisition_to_patient(job_ref=f"J-{n}", headers={"X-Trace": str(n)}))

    assert [s.headers["X-Ordofax-Job"] for s in fake.sent] == ["J-0", "J-1", "J-2"]
    assert [s.headers["X-Trace"] for s in fake.sent] == ["0", "1", "2"]
    assert fake.operations.count("GetFolder") == 2  # root and Sent Items, once


async def test_server_busy_with_short_back_off_then_delivered(fake: FakeEws, relay: EwsRelay) -> None:
    await relay.deliver(lab_requisition_to_patient())  # folders resolved, the next request is CreateItem
    fake.fail_next(1, back_off_ms=300)
    started = time.monotonic()

    await relay.deliver(lab_requisition_to_patient())

    assert time.monotonic() - started >= 0.3
    assert len(fake.sent) == 2


async def test_persistent_server_busy_is_retryable(fake: FakeEws, relay: EwsRelay) -> None:
    fake.fail_next(50, back_off_ms=50)

    with pytest.raises(ExchangeThrottled) as caught:
        await relay.deliver(lab_requisition_to_patient())

    assert caught.value.retryable and caught.value.cause == "throttled"
    assert caught.value.retry_after == pytest.approx(0.05)
    assert fake.sent == [] and len(fake.operations) == 3  # bounded in-call retries


async def test_long_back_off_goes_to_the_scheduler(fake: FakeEws, relay: EwsRelay) -> None:
    fake.fail_next(1, back_off_ms=300_000)
    started = time.monotonic()

    with pytest.raises(ExchangeThrottled) as caught:
        await relay.deliver(lab_requisition_to_patient())

    assert caught.value.retry_after == 300 and time.monotonic() - started < 5


async def test_wrong_password_is_not_retryable(fake: FakeEws) -> None:
    relay = EwsRelay(settings_for(fake, ews_password="wrong"))

    with pytest.raises(RelayError) as caught:
        await relay.deliver(lab_requisition_to_patient())
    await relay.aclose()

    assert not caught.value.retryable and caught.value.cause == "auth"
    assert fake.sent == [] and "wrong" not in str(caught.value)


async def test_unreachable_server_is_retryable() -> None:
    with FakeEws() as gone:
        settings = settings_for(gone)
    relay = EwsRelay(settings)

    with pytest.raises(RelayError) as caught:
        await relay.deliver(lab_requisition_to_patient())
    await relay.aclose()

    assert caught.value.retryable and caught.value.cause == "unreachable"


def test_unknown_version_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="ews_version"):
        EwsSession(ExchangeSection(ews_version="Exchange2003"))


@pytest.fixture
def tls_fake() -> Iterator[FakeEws]:
    with FakeEws(tls=True) as server:
        yield server
    configure_tls(ExchangeSection())  # the adapter is process-global: put the default back


async def test_https_with_the_configured_ca_file(tls_fake: FakeEws) -> None:
    relay = EwsRelay(settings_for(tls_fake))
    await relay.deliver(lab_requisition_to_patient())
    await relay.aclose()

    assert tls_fake.url.startswith("https://") and len(tls_fake.sent) == 1


async def test_https_untrusted_certificate_is_refused(tls_fake: FakeEws) -> None:
    relay = EwsRelay(settings_for(tls_fake, ca_file=None))

    with pytest.raises(RelayError) as caught:
        await relay.deliver(lab_requisition_to_patient())
    await relay.aclose()

    assert caught.value.cause == "unreachable" and tls_fake.sent == []


async def test_https_without_verification_when_disabled(tls_fake: FakeEws) -> None:
    relay = EwsRelay(settings_for(tls_fake, ca_file=None, validate_certs=False))
    await relay.deliver(lab_requisition_to_patient())
    await relay.aclose()

    assert BaseProtocol.HTTP_ADAPTER_CLS is NoVerifyHTTPAdapter
    assert len(tls_fake.sent) == 1


_XML_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff") | st.sampled_from("\t\n"),
    max_size=60,
)


def test_any_text_and_file_name_survive_the_soap_round_trip() -> None:
    """Accents, emoji, XML metacharacters, tabs and new lines arrive intact (exchangelib turns control
    characters XML discourages into '?', which is why they are left out)."""
    with FakeEws() as fake:
        relay = EwsRelay(settings_for(fake))

        @settings(max_examples=40, deadline=None)
        @given(subject=_XML_TEXT, body=_XML_TEXT, name=_XML_TEXT.filter(str.strip))
        def check(subject: str, body: str, name: str) -> None:
            before = len(fake.sent)
            attachment = OutboundAttachment(name, b"%PDF")
            outbound = lab_requisition_to_patient(subject=subject, body_text=body, attachments=[attachment])
            asyncio.run(relay.deliver(outbound))
            sent = fake.sent[before]
            assert (sent.subject, sent.body, sent.attachments[0].name) == (subject, body, name)

        check()
