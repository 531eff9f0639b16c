"""The service end to end over loopback: SMTP in, the real relays out to the stand-ins, notices back.

Every test starts the fake fax provider and the fake Graph on free ports, then a `Service` (listener,
workers, sweeper) on a temporary SQLite store, submits real messages over SMTP and judges what the stand-ins
received — the fax, the e-mail, the archives copy, the sender's notice — never the gateway's intentions.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosmtplib
import httpx
import pytest

from fakes.fax_provider import FaxMode, interfax_notice, sample_pdf
from fakes.graph import make_self_signed
from gateway.config import Config, ListenerSection, RetentionSection, RetrySection, default_config, demo_dir
from gateway.models import Severity
from gateway.pipeline import CheckContext, check_bytes
from gateway.relay.base import Outbound, OutboundAttachment
from gateway.relay.mime_build import exchange_relay
from gateway.relay.smtp_fax import SmtpFaxRelay
from gateway.service.app import Service
from gateway.service.once import ExchangeOnce
from gateway.service.standins import StandIns, job_state, running_gateway, submit, wait_final
from gateway.store import JobState, JobUpdate, NewDocument, Outcome, open_store

MESSAGES = demo_dir() / "messages"
DRUG_RX = (MESSAGES / "20_drug_rx_windows1252.eml").read_bytes()
LAB_TO_PATIENT = (MESSAGES / "40_lab_to_patient_encrypted.eml").read_bytes()
REJECTED = (MESSAGES / "50_rejected_spoofed_vague.eml").read_bytes()
PROGRESS_NOTES = (MESSAGES / "30_progress_notes_to_archives.eml").read_bytes()
FAST_RETRY = RetrySection(
    max_tries=3,
    kill_time_seconds=60,
    backoff_busy_seconds=0.2,
    backoff_no_answer_seconds=0.2,
    backoff_unreachable_seconds=0.2,
    backoff_throttled_seconds=0.2,
    confirmation_deadline_seconds=1.0,
)


def with_message_id(raw: bytes, message_id: str) -> bytes:
    return re.sub(rb"(?im)^Message-ID:[^\r\n]*", b"Message-ID: " + message_id.encode(), raw, count=1)


@pytest.fixture
def config() -> Config:
    return default_config().model_copy(update={"retry": FAST_RETRY})


@pytest.fixture
async def gateway(config: Config, tmp_path: Path) -> AsyncIterator[tuple[StandIns, Service]]:
    async with running_gateway(config, tmp_path) as running:
        yield running


async def run_one(service: Service, raw: bytes, timeout: float = 15.0) -> str:
    job_id = await submit(service.listener_port, raw, fax_domain=service.config.gateway.fax_domain)
    assert job_id is not None
    assert await wait_final(service, [job_id], timeout), job_state(service, job_id)
    return job_id


def notice_bodies(standins: StandIns, job_id: str) -> list[tuple[str, str, str]]:
    """(kind, to, body) of every sender notice the Exchange stand-in received for a job."""
    assert standins.graph is not None
    return [
        (m.headers["X-Ordofax-Notice"], m.to[0], m.body)
        for m in standins.graph.sent
        if m.headers.get("X-Ordofax-Job") == job_id and "X-Ordofax-Notice" in m.headers
    ]


# --- routes -------------------------------------------------------------------------------------------------


async def test_drug_rx_is_one_pdf_faxed_to_the_right_number_and_archived(
    gateway: tuple[StandIns, Service],
) -> None:
    standins, service = gateway
    job_id = await run_one(service, DRUG_RX)
    got = standins.received(job_id)
    assert [(f.e164, f.status) for f in got.faxes] == [("+14505550160", "sent")]
    fax = got.faxes[0]
    assert fax.pdf.startswith(b"%PDF-") and fax.pages == 1 and not fax.cover_page
    assert got.archived == 1 and got.routed_mail == []
    assert standins.graph is not None
    copy = next(m for m in standins.graph.sent if m.to == ["archives.hmr@ssss.gouv.qc.ca"])
    assert copy.subject == "Copie au dossier — Ordonnances médicales_300871.pdf"
    assert [a.data for a in copy.attachments] == [fax.pdf]
    assert [(k, to) for k, to, _ in notice_bodies(standins, job_id)] == [
        ("confirmation", "marc.ouellet.med@ssss.gouv.qc.ca")
    ]
    await service.sweep()
    job = service.store.get(job_id)
    assert job.state is JobState.PURGED and job.outcome is not None and job.outcome.value == "delivered"
    assert job.page_count == 1 and job.route == "fax"


async def test_lab_requisition_to_a_patient_goes_through_graph_encrypted(gateway: tuple[StandIns, Service]) -> None:
    standins, service = gateway
    job_id = await run_one(service, LAB_TO_PATIENT)
    got = standins.received(job_id)
    assert got.faxes == [] and got.routed_mail == [("marie.tremblay65@hotmail.com", True)]
    assert standins.graph is not None
    mail = next(m for m in standins.graph.sent if m.to == ["marie.tremblay65@hotmail.com"])
    assert mail.headers.get("X-Ordofax-Encrypt") == "true"
    assert len(mail.attachments) == 1 and mail.attachments[0].data.startswith(b"%PDF-")
    assert got.archived == 1 and [k for k, _, _ in notice_bodies(standins, job_id)] == ["confirmation"]


async def test_progress_notes_go_to_the_archives_once(gateway: tuple[StandIns, Service]) -> None:
    standins, service = gateway
    job_id = await run_one(service, PROGRESS_NOTES)
    got = standins.received(job_id)
    assert got.faxes == [] and got.routed_mail == [] and got.archived == 1


async def test_a_rejection_reaches_the_sender_with_every_reason_and_nothing_is_relayed(
    gateway: tuple[StandIns, Service],
) -> None:
    standins, service = gateway
    job_id = await run_one(service, REJECTED)
    job = service.store.get(job_id)
    assert job.outcome is not None and job.outcome.value == "rejected"
    assert len(job.rule_codes) >= 2
    [(kind, _to, body)] = notice_bodies(standins, job_id)
    assert kind == "rejection"
    result = check_bytes(REJECTED, CheckContext.from_config(service.config))
    errors = [f.code for f in result.findings if f.severity is Severity.ERROR]
    assert len(errors) >= 2 and set(errors) <= set(job.rule_codes)
    for finding in result.findings:
        if finding.severity is not Severity.INFO:
            assert f"({finding.code})" in body
            assert finding.message_fr.split("\n")[0][:40] in body
    got = standins.received(job_id)
    assert got.faxes == [] and got.routed_mail == [] and got.archived == 0
    assert standins.provider.jobs == []


async def test_the_same_message_id_twice_is_one_job_and_one_fax(gateway: tuple[StandIns, Service]) -> None:
    standins, service = gateway
    domain = service.config.gateway.fax_domain
    first = await submit(service.listener_port, DRUG_RX, fax_domain=domain)
    second = await submit(service.listener_port, DRUG_RX, fax_domain=domain)
    assert first is not None and first == second
    assert await wait_final(service, [first], 15)
    third = await submit(service.listener_port, DRUG_RX, fax_domain=domain)  # after the purge, too
    assert third == first
    await asyncio.sleep(0.5)
    assert len(standins.provider.jobs) == 1 and standins.received(first).archived == 1


# --- the listener -------------------------------------------------------------------------------------------


async def test_recipient_policy(gateway: tuple[StandIns, Service]) -> None:
    _, service = gateway
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=service.listener_port, timeout=10)
    await client.connect()
    try:
        await client.mail("someone@outside.example")
        with pytest.raises(aiosmtplib.SMTPRecipientRefused) as refused:
            await client.rcpt("patient@gmail.com")
        assert refused.value.code == 550
        reply = await client.rcpt("5145550150@telecopie.example.org")
        assert reply.code == 250
        with pytest.raises(aiosmtplib.SMTPRecipientRefused) as mixed:
            await client.rcpt(service.config.provider.notice_address)
        assert mixed.value.code == 452
        await client.rset()
        await client.mail("dr.x@ssss.gouv.qc.ca")  # a network sender may reach any address through us
        assert (await client.rcpt("patient@gmail.com")).code == 250
    finally:
        client.close()


async def test_oversized_message_is_refused(config: Config, tmp_path: Path) -> None:
    small = config.model_copy(update={"listener": ListenerSection(max_message_bytes=2000)})
    async with running_gateway(small, tmp_path) as (standins, service):
        big = DRUG_RX + b"\r\n" + b"x" * 5000 + b"\r\n"
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            await aiosmtplib.send(
                big,
                sender="marc.ouellet.med@ssss.gouv.qc.ca",
                recipients=["14505550160@telecopie.example.org"],
                hostname="127.0.0.1",
                port=service.listener_port,
            )
        assert refused.value.code == 552
        assert service.store.status().counts["received"] == 0 and standins.provider.jobs == []


async def test_storage_unavailable_is_a_temporary_failure(gateway: tuple[StandIns, Service]) -> None:
    """While the database cannot commit, the sender's MTA gets 451 and keeps the message; then 250."""
    _, service = gateway
    engine = service.store.engine  # type: ignore[attr-defined]
    with engine._lock:
        engine._conn.execute("PRAGMA busy_timeout=200")  # do not wait 30 s for the lock in a test
    blocker = sqlite3.connect(service.config.storage.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the database
    envelope = {
        "sender": "marc.ouellet.med@ssss.gouv.qc.ca",
        "recipients": ["14505550160@telecopie.example.org"],
        "hostname": "127.0.0.1",
        "port": service.listener_port,
    }
    try:
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            await aiosmtplib.send(DRUG_RX, **envelope)
        assert refused.value.code == 451
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    _, reply = await aiosmtplib.send(DRUG_RX, **envelope)
    assert reply.startswith("2.0.0 Ok: queued as")


async def test_starttls_is_offered_and_required_when_configured(config: Config, tmp_path: Path) -> None:
    cert, key = make_self_signed(tmp_path)
    tls = config.model_copy(update={"listener": ListenerSection(tls_cert=cert, tls_key=key, require_starttls=True)})
    async with running_gateway(tls, tmp_path) as (standins, service):
        plain = aiosmtplib.SMTP(hostname="127.0.0.1", port=service.listener_port, start_tls=False, timeout=10)
        await plain.connect()
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            await plain.mail("marc.ouellet.med@ssss.gouv.qc.ca")
        assert refused.value.code == 530
        plain.close()
        context = ssl.create_default_context(cafile=str(cert))
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=service.listener_port, tls_context=context, timeout=10)
        await client.connect()
        _, reply = await client.sendmail(
            "marc.ouellet.med@ssss.gouv.qc.ca", ["14505550160@telecopie.example.org"], DRUG_RX
        )
        await client.quit()
        job_id = reply.rsplit(" ", 1)[-1]
        [fax] = await standins.provider.wait_for_jobs(1)  # (its notice cannot come back: plain SMTP is refused)
        assert fax.job_ref == job_id


async def test_metrics_count_jobs_and_carry_no_clinical_data(config: Config, tmp_path: Path) -> None:
    metered = config.model_copy(
        update={"operations": config.operations.model_copy(update={"metrics": True, "metrics_port": 0})}
    )
    async with StandIns(metered) as standins:
        service_config = standins.configure(metered, tmp_path, metrics=True, metrics_port=0)
        async with Service(service_config) as service:
            standins.notify_service(service.listener_port)
            await run_one(service, DRUG_RX)
            await run_one(service, REJECTED)
            await service.sweep()
            async with httpx.AsyncClient() as http:
                text = (await http.get(f"http://127.0.0.1:{service.metrics_port}/metrics")).text
    assert 'ordofax_jobs_finished_total{outcome="delivered",route="fax"} 1.0' in text
    assert 'ordofax_rule_findings_total{code="SENDER_SPOOFED",severity="error"} 1.0' in text
    assert "ordofax_jobs_pending 0.0" in text
    for clinical in ("COTJ58061213", "Côté", "Metformine", "1958-06-12", "12 juin 1958", "300871"):
        assert clinical not in text


# --- faults ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [FaxMode.BUSY, FaxMode.TEMPFAIL_RCPT, FaxMode.DISCONNECT_DATA, FaxMode.NO_ANSWER])
async def test_a_passing_fault_is_retried_and_delivered_once(config: Config, tmp_path: Path, mode: FaxMode) -> None:
    """DISCONNECT_DATA drops the line after the document went out: in doubt, the job waits for a notice that
    never comes (this provider dropped it), then is retried at the confirmation deadline — still one fax."""
    async with running_gateway(config, tmp_path) as (standins, service):
        standins.provider.arm(mode)
        job_id = await run_one(service, DRUG_RX)
        job = service.store.get(job_id)
        assert job.outcome is not None and job.outcome.value == "delivered" and job.tries == 2
        sent = [f for f in standins.provider.jobs if f.status == "sent"]
        assert len(sent) == 1 and standins.received(job_id).archived == 1
        assert [k for k, _, _ in notice_bodies(standins, job_id)] == ["confirmation"]


async def test_a_provider_slow_to_answer_data_is_not_faxed_twice(config: Config, tmp_path: Path) -> None:
    """The provider takes the fax but answers DATA after our time-out: the job is in doubt and waits for the
    provider's notice instead of being sent again (issue 5: never fax one twice)."""
    options = {"modes": {"14505550160": FaxMode.SLOW_DATA}, "slow_seconds": 1.5}
    retry = FAST_RETRY.model_copy(update={"confirmation_deadline_seconds": 30.0})
    impatient = config.model_copy(update={"provider": config.provider.model_copy(update={"timeout_seconds": 0.5})})
    async with running_gateway(impatient, tmp_path, provider_options=options, retry=retry) as (standins, service):
        assert service.config.provider.timeout_seconds == 0.5
        job_id = await run_one(service, DRUG_RX, timeout=20)
        job = service.store.get(job_id)
        assert job.outcome is not None and job.outcome.value == "delivered" and job.tries == 1
        assert len(standins.provider.jobs) == 1
        assert standins.received(job_id).archived == 1
        with service.store.engine.transaction(readonly=True) as tx:
            trail = [str(r[0]) for r in tx.all("SELECT details FROM audit WHERE job_id = ? ORDER BY seq", (job_id,))]
        assert any('"awaiting_notice"' in details for details in trail)  # it went through the in-doubt wait


async def test_provider_refusal_ends_in_a_clear_failure_notice(config: Config, tmp_path: Path) -> None:
    async with running_gateway(config, tmp_path) as (standins, service):
        standins.provider.arm(FaxMode.REFUSE_RCPT)
        job_id = await run_one(service, DRUG_RX)
        job = service.store.get(job_id)
        assert job.outcome is not None and job.outcome.value == "failed" and job.tries == 1
        [(kind, to, body)] = notice_bodies(standins, job_id)
        assert kind == "failure" and to == "marc.ouellet.med@ssss.gouv.qc.ca"
        assert "refusé" in body and "refused" in body
        assert standins.received(job_id).archived == 0


async def test_a_provider_that_never_confirms_is_retried_then_reported(config: Config, tmp_path: Path) -> None:
    options = {"modes": {"14505550160": FaxMode.SILENT}}
    retry = FAST_RETRY.model_copy(update={"max_tries": 2, "confirmation_deadline_seconds": 0.5})
    async with running_gateway(config, tmp_path, provider_options=options, retry=retry) as (standins, service):
        job_id = await run_one(service, DRUG_RX, timeout=20)
        job = service.store.get(job_id)
        assert job.outcome is not None and job.outcome.value == "failed" and job.last_cause == "no_notice"
        assert job.tries == 2 and len(standins.provider.jobs) == 2
        [(kind, _, body)] = notice_bodies(standins, job_id)
        assert kind == "failure" and "2" in body


async def test_a_rejected_fax_number_is_not_retried(config: Config, tmp_path: Path) -> None:
    async with running_gateway(config, tmp_path) as (standins, service):
        standins.provider.arm(FaxMode.REJECTED)
        job_id = await run_one(service, DRUG_RX)
        job = service.store.get(job_id)
        assert job.outcome is not None and job.outcome.value == "failed" and job.tries == 1
        assert [k for k, _, _ in notice_bodies(standins, job_id)] == ["failure"]


async def test_graph_throttling_delays_the_archives_copy_without_losing_it(config: Config, tmp_path: Path) -> None:
    async with running_gateway(config, tmp_path) as (standins, service):
        assert standins.graph is not None
        standins.graph.fail_next(3, status=503, retry_after=0)  # more than the relay retries within a call
        job_id = await run_one(service, DRUG_RX, timeout=60)
        got = standins.received(job_id)
        assert len(got.faxes) == 1 and got.archived == 1 and got.notices == ["confirmation"]


async def test_a_job_in_doubt_after_a_crash_waits_for_its_notice(config: Config, tmp_path: Path) -> None:
    """A job this instance left `sending` (killed between handing the fax over and recording it) is not
    resent at restart: it waits for the provider's notice, which closes it."""
    patient = config.model_copy(update={"retry": FAST_RETRY.model_copy(update={"confirmation_deadline_seconds": 60})})
    async with StandIns(patient) as standins:
        service_config = standins.configure(patient, tmp_path, instance_id="gw1", workers=1)
        store = open_store(service_config.storage, service_config.retry)
        job_id = store.receive("<doubt-1@ssss.gouv.qc.ca>", DRUG_RX, sender="marc.ouellet.med@ssss.gouv.qc.ca").job_id
        assert store.claim_next("gw1:0") is not None
        store.record_check(job_id, worker_id="gw1:0", accepted=True, update=JobUpdate(route="fax",
                           destination="+14505550160"))  # fmt: skip
        store.transition(job_id, JobState.RENDERING, worker_id="gw1:0")
        pdf = sample_pdf()
        store.transition(job_id, JobState.QUEUED, worker_id="gw1:0",
                         update=JobUpdate(page_count=1, documents=[NewDocument("fax", pdf, 1)]))  # fmt: skip
        store.transition(job_id, JobState.SENDING, worker_id="gw1:0")
        store.close()
        relay = SmtpFaxRelay(service_config.provider)  # the fax went out; the process died before recording it
        await relay.deliver(Outbound(job_id, "+14505550160", "ordofax AH-251", "", [OutboundAttachment("rx.pdf", pdf)]))
        [fax] = await standins.provider.wait_for_jobs(1, finished=True)
        assert not fax.notice_sent  # nobody was listening: the provider will tell us later

        async with Service(service_config) as service:
            standins.notify_service(service.listener_port)
            await asyncio.sleep(1.0)
            assert job_state(service, job_id) is JobState.AWAITING_NOTICE
            assert len(standins.provider.jobs) == 1
            notice = interfax_notice(fax, sender="noreply@fax.provider.example",
                                     to=service_config.provider.notice_address, seconds=1)  # fmt: skip
            await aiosmtplib.send(notice, hostname="127.0.0.1", port=service.listener_port)
            assert await wait_final(service, [job_id], 15)
            assert len(standins.provider.jobs) == 1 and standins.received(job_id).archived == 1
            assert service.store.get(job_id).outcome is Outcome.DELIVERED


async def _until(predicate: Any, timeout: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def test_on_premises_exchange_through_ews(config: Config, tmp_path: Path) -> None:
    """With `exchange.backend = "ews"` the patient's mail, the archives copy and the notice go through EWS."""
    ews = config.model_copy(update={"exchange": config.exchange.model_copy(update={"backend": "ews"})})
    async with running_gateway(ews, tmp_path) as (standins, service):
        job_id = await run_one(service, LAB_TO_PATIENT, timeout=30)
        got = standins.received(job_id)
        assert got.routed_mail == [("marie.tremblay65@hotmail.com", True)]
        assert got.archived == 1 and got.notices == ["confirmation"] and got.faxes == []
        assert standins.ews is not None
        [mail] = [m for m in standins.ews.sent if m.to == ["marie.tremblay65@hotmail.com"]]
        assert mail.headers.get("X-Ordofax-Encrypt") == "true" and mail.attachments[0].data.startswith(b"%PDF-")


async def test_a_job_pending_past_the_deadline_raises_one_alert(
    config: Config, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    options = {"modes": {"14505550160": FaxMode.SILENT}}
    retry = FAST_RETRY.model_copy(update={"confirmation_deadline_seconds": 60})
    retention = RetentionSection(pending_alert_after_seconds=0.3)
    async with running_gateway(config, tmp_path, provider_options=options, retry=retry, retention=retention) as (
        standins,
        service,
    ):
        caplog.set_level(logging.INFO, logger="ordofax.service")
        job_id = await submit(service.listener_port, DRUG_RX, fax_domain="telecopie.example.org")
        await standins.provider.wait_for_jobs(1, finished=True)
        await asyncio.sleep(0.4)
        await service.sweep()
        await service.sweep()
    alerts = [r.ordofax for r in caplog.records if getattr(r, "ordofax", {}).get("event") == "alert_pending"]
    assert len(alerts) == 1 and alerts[0]["job_id"] == job_id and alerts[0]["state"] == "sent_unconfirmed"
    assert service.metrics.alerts._value.get() == 1  # type: ignore[attr-defined]


async def test_graceful_stop_hands_back_work_that_the_next_start_finishes(config: Config, tmp_path: Path) -> None:
    """SIGTERM's path: stop accepting, finish or hand back in-flight jobs; the next run completes them all,
    each faxed once (the provider's notices for faxes sent meanwhile wait in its queue)."""
    raws = [with_message_id(DRUG_RX, f"<graceful-{n}@ssss.gouv.qc.ca>") for n in range(12)]
    async with StandIns(config, queuing_notices=True) as standins:
        service_config = standins.configure(config, tmp_path, workers=2, instance_id="gw1")
        first = await Service(service_config).start()
        standins.notify_service(first.listener_port)
        ids = [await submit(first.listener_port, raw, fax_domain="telecopie.example.org") for raw in raws]
        await first.stop(grace_seconds=5)
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", first.listener_port)
        port = first.listener_port
        second_config = service_config.model_copy(
            update={"listener": service_config.listener.model_copy(update={"port": port})}
        )
        async with Service(second_config) as second:
            assert await wait_final(second, [j for j in ids if j], 20)
        assert sorted(f.job_ref or "" for f in standins.provider.jobs) == sorted(j or "" for j in ids)


async def test_shared_mailbox_without_a_connector(config: Config, tmp_path: Path) -> None:
    """`operations.mailbox_poll_seconds`: messages in the shared mailbox become jobs (once, even if read
    twice), provider notices found there close their job, and each message is marked read and filed."""
    async with StandIns(config) as standins:
        assert standins.graph is not None
        polling = standins.configure(config, tmp_path, mailbox_poll_seconds=0.1)
        async with Service(polling) as service:
            standins.provider.notify_port = None  # the provider's notices reach us through the mailbox
            standins.graph.seed(DRUG_RX)
            standins.graph.seed(DRUG_RX)  # the same message twice (a resend, or a crash before the move)
            [fax] = await standins.provider.wait_for_jobs(1, finished=True, timeout=10)
            notice = interfax_notice(fax, sender="noreply@fax.provider.example", to="x@y", seconds=1)
            standins.graph.seed(notice.as_bytes())
            assert fax.job_ref is not None
            assert await wait_final(service, [fax.job_ref], 15)
            await asyncio.sleep(0.3)
        assert len(standins.provider.jobs) == 1 and standins.received(fax.job_ref).archived == 1
        assert standins.graph.messages_in("inbox") == []
        filed = standins.graph.messages_in("archive")
        assert len(filed) == 3 and all(m.is_read for m in filed)


async def test_an_email_in_doubt_after_a_crash_is_resumed_without_a_second_copy(config: Config, tmp_path: Path) -> None:
    """Killed after Graph sent the patient's e-mail but before recording it: at restart the job is in doubt;
    its intent names the draft, whose second send finds it already gone — delivered, one e-mail."""
    async with StandIns(config) as standins:
        assert standins.graph is not None
        service_config = standins.configure(config, tmp_path, instance_id="gw1", workers=1)
        store = open_store(service_config.storage, service_config.retry)
        job_id = store.receive("<doubt-2@x>", LAB_TO_PATIENT, sender="sophie.gagnon.med@ssss.gouv.qc.ca").job_id
        assert store.claim_next("gw1:0") is not None
        update = JobUpdate(route="email_encrypted", destination="marie.tremblay65@hotmail.com")
        store.record_check(job_id, worker_id="gw1:0", accepted=True, update=update)
        store.transition(job_id, JobState.RENDERING, worker_id="gw1:0")
        pdf = sample_pdf()
        docs = JobUpdate(page_count=1, documents=[NewDocument("email", pdf, 1), NewDocument("archives", pdf, 1)])
        store.transition(job_id, JobState.QUEUED, worker_id="gw1:0", update=docs)
        store.transition(job_id, JobState.SENDING, worker_id="gw1:0")
        once = ExchangeOnce(service_config, exchange_relay(service_config.exchange), store)
        attachment = OutboundAttachment("a.pdf", pdf)
        outbound = Outbound(job_id, "marie.tremblay65@hotmail.com", "Ordonnances", "", [attachment], encrypt=True)
        await once.send(job_id, "route", outbound)  # the e-mail went out; the process died before recording it
        await once.aclose()
        store.close()
        assert len(standins.graph.sent) == 1

        async with Service(service_config) as service:
            assert await wait_final(service, [job_id], 15)
            job = service.store.get(job_id)
        got = standins.received(job_id)
        assert got.routed_mail == [("marie.tremblay65@hotmail.com", True)] and got.archived == 1
        assert job.outcome is Outcome.DELIVERED


async def test_no_notice_goes_to_a_sender_outside_the_network(gateway: tuple[StandIns, Service]) -> None:
    """A message from outside the network is rejected, relayed nowhere, and its (possibly forged) sender is
    not sent anything: no backscatter."""
    standins, service = gateway
    outsider = re.sub(rb"(?im)^From:[^\r\n]*", b"From: Someone <someone@gmail.example>", DRUG_RX, count=1)
    job_id = await run_one(service, with_message_id(outsider, "<outsider-1@gmail.example>"))
    job = service.store.get(job_id)
    assert job.outcome is Outcome.REJECTED
    assert standins.received(job_id).notices == [] and standins.provider.jobs == []
    assert standins.graph is not None and standins.graph.sent == []


async def test_a_taken_port_fails_the_start_cleanly(config: Config, tmp_path: Path) -> None:
    async with running_gateway(config, tmp_path / "first") as (standins, first):
        taken = standins.configure(config, tmp_path / "second")
        taken = taken.model_copy(update={"listener": taken.listener.model_copy(update={"port": first.listener_port})})
        second = Service(taken)
        with pytest.raises(OSError):
            await second.start()
        assert second._store is None  # closed again
