"""Graph relay against the HTTPS Graph stand-in on 127.0.0.1: what Exchange Online actually receives."""

from __future__ import annotations

import asyncio
import base64
import json
import math
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakes.graph import FakeGraph
from gateway.config import Config, ExchangeSection, parse_config
from gateway.errors import ConfigError, RelayError
from gateway.relay import graph as graph_module
from gateway.relay.base import Outbound, OutboundAttachment, Relay
from gateway.relay.ews import EwsRelay
from gateway.relay.graph import (
    CHUNK_SIZE,
    INLINE_LIMIT,
    GraphClient,
    GraphRelay,
    _file_attachment,
    attachment_body,
    message_body,
    message_json,
)
from gateway.relay.mime_build import ExchangeMessage, ExchangeThrottled, encrypted_subject, exchange_relay
from gateway.service.once import ExchangeOnce
from gateway.store import JobState, open_store
from tests.exchange_samples import PDF
from tests.exchange_samples import lab_requisition_to_patient as sample_requisition


@pytest.fixture
def fake() -> Iterator[FakeGraph]:
    with FakeGraph() as server:
        yield server


def settings_for(fake: FakeGraph, **overrides: Any) -> ExchangeSection:
    return ExchangeSection(**{**fake.exchange_settings(), **overrides})


@pytest.fixture
async def relay(fake: FakeGraph) -> AsyncIterator[GraphRelay]:
    settings = settings_for(fake)
    graph = GraphRelay(settings, client=GraphClient(settings, default_wait_seconds=0.05))
    yield graph
    await graph.aclose()


def lab_requisition_to_patient(**changes: Any) -> Outbound:
    return sample_requisition(changes.pop("job_ref", "J-20260101-0001"), **changes)


async def test_patient_mail_carries_the_encryption_header(fake: FakeGraph, relay: GraphRelay) -> None:
    receipt = await relay.deliver(lab_requisition_to_patient())

    assert receipt.next_hop == "graph" and receipt.job_ref == "J-20260101-0001"
    [sent] = fake.sent
    assert sent.to == ["usager@courriel.example.com"] and sent.cc == []
    assert sent.headers["X-Ordofax-Encrypt"] == "true"
    assert sent.headers["X-Ordofax-Job"] == "J-20260101-0001"
    assert sent.subject == "Requête de laboratoire"
    assert [(a.name, a.content_type, a.data) for a in sent.attachments] == [("AH-251.pdf", "application/pdf", PDF)]
    assert sent.via == "sendMail" and not sent.read_receipt


async def test_subject_keyword_trigger_instead_of_header(fake: FakeGraph) -> None:
    settings = settings_for(fake, encryption_trigger="subject")
    relay: Relay = GraphRelay(settings)
    await relay.deliver(lab_requisition_to_patient())
    await relay.aclose()

    [sent] = fake.sent
    assert sent.subject == "[chiffré] Requête de laboratoire"
    assert "X-Ordofax-Encrypt" not in sent.headers


async def test_internal_mail_requests_a_read_receipt_and_no_encryption(fake: FakeGraph, relay: GraphRelay) -> None:
    await relay.deliver(
        lab_requisition_to_patient(to="pharmacie.hmr@ssss.gouv.qc.ca", encrypt=False, read_receipt=True)
    )

    [sent] = fake.sent
    assert sent.read_receipt is True
    assert "X-Ordofax-Encrypt" not in sent.headers
    assert sent.body == "Veuillez trouver ci-joint votre requête."


async def test_non_x_headers_are_dropped_x_headers_kept(fake: FakeGraph, relay: GraphRelay) -> None:
    await relay.deliver(lab_requisition_to_patient(headers={"X-Trace": "abc", "Reply-To": "x@example.com"}))

    assert fake.sent[0].headers["X-Trace"] == "abc"
    assert "Reply-To" not in fake.sent[0].headers


@pytest.mark.parametrize("size", [INLINE_LIMIT, INLINE_LIMIT + 1, 2 * CHUNK_SIZE, 5 * 1024 * 1024 + 7])
async def test_attachment_sizes_arrive_byte_identical(fake: FakeGraph, relay: GraphRelay, size: int) -> None:
    data = (bytes(range(251)) * (size // 251 + 1))[:size]

    receipt = await relay.deliver(lab_requisition_to_patient(attachments=[OutboundAttachment("scan.pdf", data)]))

    [sent] = fake.sent
    [attachment] = sent.attachments
    assert attachment.data == data
    puts = [r for r in fake.requests if r[0] == "PUT"]
    if size <= INLINE_LIMIT:
        assert sent.via == "sendMail" and attachment.via == "inline" and puts == []
        assert receipt.remote_id is None
    else:  # draft + upload session, chunked, PUTs without the bearer token (the fake refuses them)
        assert sent.via == "draft" and attachment.via == "upload-session"
        assert len(puts) == math.ceil(size / CHUNK_SIZE)
        assert receipt.remote_id is not None
        assert sent.headers["X-Ordofax-Encrypt"] == "true"
    assert fake.open_drafts == 0


async def test_small_and_large_attachments_together(fake: FakeGraph, relay: GraphRelay) -> None:
    large = bytes(4_000_000)
    small = [OutboundAttachment(f"p{i}.pdf", PDF) for i in range(2)]
    await relay.deliver(lab_requisition_to_patient(attachments=[*small, OutboundAttachment("big.pdf", large)]))

    [sent] = fake.sent
    got = {a.name: (a.data, a.via) for a in sent.attachments}
    assert got == {
        "p0.pdf": (PDF, "attachment"),
        "p1.pdf": (PDF, "attachment"),
        "big.pdf": (large, "upload-session"),
    }


async def test_throttled_with_retry_after_then_delivered(fake: FakeGraph, relay: GraphRelay) -> None:
    fake.fail_next(1, status=429, retry_after=1)
    started = time.monotonic()

    await relay.deliver(lab_requisition_to_patient())

    assert time.monotonic() - started >= 1.0
    assert len(fake.sent) == 1
    assert [r[2] for r in fake.requests if r[1].endswith("/sendMail")] == [429, 202]


async def test_persistent_503_is_a_retryable_relay_error(fake: FakeGraph, relay: GraphRelay) -> None:
    fake.fail_next(50, status=503, retry_after=None)

    with pytest.raises(ExchangeThrottled) as caught:
        await relay.deliver(lab_requisition_to_patient())

    assert isinstance(caught.value, RelayError)
    assert caught.value.retryable and caught.value.cause == "throttled"
    assert caught.value.retry_after is None
    assert fake.sent == []
    assert len([r for r in fake.requests if r[2] == 503]) == 3  # bounded in-call retries


async def test_long_retry_after_is_handed_to_the_scheduler(fake: FakeGraph, relay: GraphRelay) -> None:
    fake.fail_next(1, status=429, retry_after=120)
    started = time.monotonic()

    with pytest.raises(ExchangeThrottled) as caught:
        await relay.deliver(lab_requisition_to_patient())

    assert caught.value.retry_after == 120 and caught.value.retryable
    assert time.monotonic() - started < 5


async def test_other_4xx_is_not_retryable(fake: FakeGraph, relay: GraphRelay) -> None:
    fake.fail_next(1, status=400, retry_after=None)

    with pytest.raises(RelayError) as caught:
        await relay.deliver(lab_requisition_to_patient())

    assert not caught.value.retryable and caught.value.cause == "refused"
    assert "ErrorInjected" in str(caught.value) and "usager" not in str(caught.value)


async def test_failed_draft_is_deleted(fake: FakeGraph, relay: GraphRelay) -> None:
    fake.fail_next(1, status=400, retry_after=None, after=2)  # draft and upload session pass, send fails

    with pytest.raises(RelayError):
        await relay.deliver(lab_requisition_to_patient(attachments=[OutboundAttachment("big.pdf", bytes(3_500_000))]))

    assert fake.sent == [] and fake.open_drafts == 0


async def test_revoked_token_is_renewed_once(fake: FakeGraph, relay: GraphRelay) -> None:
    await relay.deliver(lab_requisition_to_patient())
    await relay.deliver(lab_requisition_to_patient())
    assert fake.tokens_issued == 1  # msal's cache keeps the token between messages

    fake.revoke_tokens()
    await relay.deliver(lab_requisition_to_patient())

    assert fake.tokens_issued == 2 and len(fake.sent) == 3


async def test_wrong_client_secret_is_not_retryable(fake: FakeGraph) -> None:
    relay = GraphRelay(settings_for(fake, client_secret="wrong"))

    with pytest.raises(RelayError) as caught:
        await relay.deliver(lab_requisition_to_patient())
    await relay.aclose()

    assert not caught.value.retryable and caught.value.cause == "auth"
    assert "wrong" not in str(caught.value)


async def test_untrusted_certificate_is_refused(fake: FakeGraph) -> None:
    relay = GraphRelay(settings_for(fake, ca_file=None))

    with pytest.raises(RelayError) as caught:
        await relay.deliver(lab_requisition_to_patient())
    await relay.aclose()

    assert caught.value.cause == "unreachable" and fake.sent == []


def test_unreadable_ca_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"exchange\.ca_file"):
        GraphRelay(ExchangeSection(ca_file=tmp_path / "missing.pem"))


async def test_unreachable_graph_is_retryable() -> None:
    with FakeGraph() as gone:
        settings = settings_for(gone, ca_file=None)
    relay = GraphRelay(settings)

    with pytest.raises(RelayError) as caught:
        await relay.deliver(lab_requisition_to_patient())
    await relay.aclose()

    assert caught.value.retryable and caught.value.cause == "unreachable"


@given(st.text(max_size=40), st.sampled_from(["[chiffré]", "[encrypt]", "#OME"]))
def test_subject_keyword_is_added_exactly_once(subject: str, keyword: str) -> None:
    once = encrypted_subject(subject, keyword)
    assert keyword in once
    assert encrypted_subject(once, keyword) == once


@pytest.mark.parametrize("name", ["Encrypt", "X-", "X-Chiffré", "X-Ordofax Encrypt"])
def test_encryption_header_must_be_a_custom_x_header(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match=r"exchange\.encryption_header"):
        parse_config({"exchange": {"encryption_header": name}}, tmp_path / "ordofax.toml")


def test_exchange_relay_follows_the_backend() -> None:
    assert isinstance(exchange_relay(ExchangeSection(backend="graph")), GraphRelay)
    assert isinstance(exchange_relay(ExchangeSection(backend="ews")), EwsRelay)


async def test_identity_platform_outage_is_retryable_then_recovers(fake: FakeGraph, relay: GraphRelay) -> None:
    fake.fail_token_requests(1)

    with pytest.raises(RelayError) as caught:
        await relay.deliver(lab_requisition_to_patient())
    assert caught.value.retryable and fake.sent == []

    await asyncio.sleep(1.1)  # msal itself holds token requests back for the identity platform's Retry-After
    await relay.deliver(lab_requisition_to_patient())  # the scheduler's next try
    assert len(fake.sent) == 1


# --- what the relay sends, built without the generic machinery ----------------------------------------------

_texts = st.text(st.characters(codec="utf-8"), max_size=60)


@given(
    subject=_texts,
    body=_texts,
    names=st.lists(_texts, max_size=3),
    header=_texts,
    read_receipt=st.booleans(),
    send=st.booleans(),
)
def test_message_body_is_the_json_httpx_would_send(
    subject: str, body: str, names: list[str], header: str, read_receipt: bool, send: bool
) -> None:
    attachments = tuple(OutboundAttachment(n, n.encode() * 7, "application/pdf") for n in names)
    message = ExchangeMessage("J-1", "a@b.example", subject, body, {"X-A": header}, read_receipt, attachments)
    payload = message_json(message, attachments)

    expected = httpx_json({"message": payload, "saveToSentItems": True} if send else payload)
    assert message_body(message, attachments, send=send) == expected
    for attachment in attachments:
        assert attachment_body(attachment) == httpx_json(_file_attachment(attachment))


def httpx_json(payload: dict[str, Any]) -> bytes:
    return httpx.Request("POST", "https://graph.example/", json=payload).content


async def test_encoded_body_goes_out_as_json(fake: FakeGraph) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202)

    client = GraphClient(settings_for(fake))
    client._http = httpx.AsyncClient(base_url=fake.graph_url, transport=httpx.MockTransport(answer))
    await GraphRelay(client.settings, client=client).deliver(lab_requisition_to_patient())
    await client.aclose()

    [request] = seen
    assert request.headers["Content-Type"] == "application/json"
    assert int(request.headers["Content-Length"]) == len(request.content)
    sent = json.loads(request.content)
    assert sent["message"]["attachments"][0]["contentBytes"] == base64.b64encode(PDF).decode()
    assert request.url == f"{fake.graph_url}/users/ordofax%40ssss.gouv.qc.ca/sendMail"


@pytest.mark.parametrize("mailbox", ["ordofax@ssss.gouv.qc.ca", "boîte+télécopie@ssss.gouv.qc.ca", "a b/c?d#e"])
@pytest.mark.parametrize("suffix", ["/sendMail", "/messages", "/mailFolders/inbox/messages?$top=5"])
def test_endpoint_is_the_url_httpx_merges(mailbox: str, suffix: str) -> None:
    client = GraphClient(ExchangeSection(mailbox=mailbox, graph_url="https://graph.example/v1.0/"))

    assert client.endpoint(suffix) == client._http.build_request("POST", client.mailbox_path + suffix).url
    assert client.endpoint(suffix) is client.endpoint(suffix)


async def test_token_is_kept_until_msal_would_renew_it(fake: FakeGraph, relay: GraphRelay) -> None:
    client = relay._client
    calls: list[bool] = []
    acquire = client._acquire

    def counted(refresh: bool) -> Any:
        calls.append(refresh)
        return acquire(refresh)

    client._acquire = counted  # type: ignore[method-assign]

    for _ in range(3):
        await relay.deliver(lab_requisition_to_patient())
    assert calls == [False] and fake.tokens_issued == 1  # one worker-thread call, then the kept token

    fake.revoke_tokens()
    await relay.deliver(lab_requisition_to_patient())
    await relay.deliver(lab_requisition_to_patient())
    assert calls == [False, True] and fake.tokens_issued == 2 and len(fake.sent) == 5


@pytest.mark.parametrize(
    ("result", "kept_for"),
    [
        ({"expires_in": 3599}, 3299),
        ({"expires_in": 3599, "refresh_on": 1800}, 1800),  # refresh_on relative to now here, see below
        ({"expires_in": 299}, None),  # msal no longer serves it from its cache
        ({}, None),
        ({"expires_in": "3599"}, None),
    ],
)
def test_kept_token_lifetime(monkeypatch: pytest.MonkeyPatch, result: dict[str, Any], kept_for: float | None) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_000_000.0)
    if "refresh_on" in result:
        result = {**result, "refresh_on": 1_000_000 + result["refresh_on"]}

    kept = graph_module._kept_token(result, "t")

    assert (kept.good_until - 1_000_000.0 if kept else None) == kept_for


# --- exactly once through drafts (gateway.service.once) -----------------------------------------------------


async def test_intent_resends_the_same_draft_until_the_send_is_recorded(fake: FakeGraph, tmp_path: Path) -> None:
    config = Config(exchange=settings_for(fake), storage={"path": tmp_path / "s.sqlite3"})  # type: ignore[arg-type]
    store = open_store(config.storage)
    job_id = store.receive("<intent@x>", b"m", sender=None).job_id
    relay = GraphRelay(config.exchange)
    once = ExchangeOnce(config, relay, store)

    await once.send(job_id, "archives-0", lab_requisition_to_patient(job_ref=job_id))
    draft = store.exchange_intent(job_id, "archives-0")
    await once.send(job_id, "archives-0", lab_requisition_to_patient(job_ref=job_id))  # after a crash: no resend
    assert len(fake.sent) == 1 and fake.sent[0].via == "draft" and draft
    assert store.exchange_intent(job_id, "archives-9") is None

    assert store.claim_next("w1") is not None  # the send recorded: the intent goes in the same commit
    store.record_check(job_id, worker_id="w1", accepted=True)
    for state in (JobState.RENDERING, JobState.QUEUED, JobState.SENDING):
        store.transition(job_id, state, worker_id="w1")
    assert store.exchange_intent(job_id, "archives-0") == draft
    store.transition(job_id, JobState.SENT_UNCONFIRMED, worker_id="w1")
    assert store.exchange_intent(job_id, "archives-0") is None
    await once.aclose()
    await relay.aclose()
    store.close()
