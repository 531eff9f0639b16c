"""Crash safety: ~200 messages over SMTP while the `serve` process is SIGKILLed and restarted several times.

The submitter behaves like the connector's MTA: a message counts as handed over only once it got a 250, and
anything else (refused connection, dropped session, 4xx) is tried again with the same Message-ID. The fake
provider behaves like a real one whose notices are queued on its side (`QueuingFaxProvider`): a notice that
cannot be delivered while the gateway is down is tried again. Afterwards every message that got a 250 was
faxed (or e-mailed to the patient) exactly once, archived exactly once and its sender notified; the rejected
ones were relayed nowhere; nothing else was sent.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiosmtplib
import pytest

from gateway.config import default_config, demo_dir, load_config
from gateway.service.standins import StandIns, envelope_of, serve_sections, write_config
from gateway.store import JobState, open_store
from gateway.store.pgserver import storage_for_test, unavailable_reason

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = demo_dir() / "messages"
DRUG_RX = (MESSAGES / "20_drug_rx_windows1252.eml").read_bytes()
REJECTED = (MESSAGES / "60_rejected_two_recipients.eml").read_bytes()
TO_PATIENT = (MESSAGES / "40_lab_to_patient_encrypted.eml").read_bytes()
TOTAL = 200
REJECT_EVERY = 10  # one message in ten is one the rules reject
EMAIL_EVERY = 7  # and one in seven (not rejected) goes to a patient by encrypted e-mail


def kind_of(n: int) -> str:
    return "rejected" if n % REJECT_EVERY == 0 else ("email" if n % EMAIL_EVERY == 0 else "fax")


KILLS = 4
FINAL = {JobState.NOTIFIED, JobState.PURGED}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def with_message_id(raw: bytes, n: int) -> bytes:
    return re.sub(rb"(?im)^Message-ID:[^\r\n]*", f"Message-ID: <crash-{n}@ssss.gouv.qc.ca>".encode(), raw, count=1)


class Serve:
    """The real `ordofax serve` in a subprocess, killed with SIGKILL and started again."""

    def __init__(self, config_path: Path, port: int, log: Path) -> None:
        self.config_path, self.port, self.log = config_path, port, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gateway", "serve", "--config", str(self.config_path)],
                cwd=ROOT,
                stdout=out,
                stderr=out,
            )
        self.starts += 1

    async def ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.05)
        raise TimeoutError("serve did not start")

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)


async def submit_until_accepted(port: int, raw: bytes, accepted: dict[int, str], n: int) -> None:
    sender, recipients = envelope_of(raw, "telecopie.example.org")
    for _ in range(600):
        try:
            _, reply = await aiosmtplib.send(
                raw, sender=sender, recipients=recipients, hostname="127.0.0.1", port=port, timeout=10
            )
        except (aiosmtplib.SMTPException, OSError):
            await asyncio.sleep(0.05)
            continue
        match = re.search(r"queued as (\S+)", reply)
        assert match is not None
        accepted[n] = match.group(1)
        return
    raise AssertionError(f"message {n} was never accepted")


_PG_MISSING = unavailable_reason()
ENGINES = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(_PG_MISSING is not None, reason=_PG_MISSING or "")),
]


@pytest.mark.skipif(sys.platform != "linux", reason="SIGKILL semantics")
@pytest.mark.parametrize("engine", ENGINES)
async def test_sigkill_loses_and_duplicates_nothing(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    base = default_config()
    port = free_port()
    async with StandIns(base, queuing_notices=True) as standins:
        provider = standins.provider
        provider.notify_port = port
        sections = serve_sections(base, standins, tmp_path, port)
        sections["retry"] = {"confirmation_deadline_seconds": 8.0, "backoff_unreachable_seconds": 0.5}
        sections["operations"].update(workers=4, sweep_seconds=0.5)
        if engine == "postgresql":
            pg = storage_for_test("postgresql", tmp_path, request.node.name)
            sections["storage"] = {"engine": "postgresql", "dsn": pg.dsn, "data_dir": tmp_path / "files"}
        config_path = write_config(tmp_path / "serve.toml", sections)
        serve = Serve(config_path, port, tmp_path / "serve.out")
        serve.start()
        await serve.ready()

        accepted: dict[int, str] = {}
        source = {"rejected": REJECTED, "email": TO_PATIENT, "fax": DRUG_RX}
        messages = {n: with_message_id(source[kind_of(n)], n) for n in range(TOTAL)}
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in messages:
            queue.put_nowait(n)

        async def submitter() -> None:
            while not queue.empty():
                n = queue.get_nowait()
                await submit_until_accepted(port, messages[n], accepted, n)

        async def killer() -> None:
            for k in range(KILLS):
                target = (k + 1) * TOTAL // (KILLS + 1)
                while len(accepted) < target:
                    await asyncio.sleep(0.01)
                await asyncio.sleep(0.05 * k)
                serve.kill()
                await asyncio.sleep(0.2)
                serve.start()
                await serve.ready()

        started = time.monotonic()
        await asyncio.gather(killer(), *(submitter() for _ in range(8)))
        submit_seconds = time.monotonic() - started

        store = open_store(load_config(config_path).storage, create=False)
        job_ids = set(accepted.values())
        deadline = time.monotonic() + 90
        while True:
            states = {j: store.get(j).state for j in job_ids}
            if all(s in FINAL for s in states.values()) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        assert serve.terminate() == 0
        total_seconds = time.monotonic() - started

        assert len(accepted) == TOTAL and len(job_ids) == TOTAL, "one job per Message-ID"
        stuck = {j: s.value for j, s in states.items() if s not in FINAL}
        assert not stuck, f"jobs not finished: {list(stuck.items())[:5]}"
        rejected_ids = {accepted[n] for n in messages if kind_of(n) == "rejected"}
        emailed_ids = {accepted[n] for n in messages if kind_of(n) == "email"}
        faxed_ids = job_ids - rejected_ids - emailed_ids

        faxes: dict[str, int] = {}
        for fax in provider.jobs:
            assert fax.job_ref is not None
            faxes[fax.job_ref] = faxes.get(fax.job_ref, 0) + 1
        assert set(faxes) == faxed_ids, "a fax for every accepted prescription and for nothing else"
        duplicates = {j: c for j, c in faxes.items() if c != 1}
        assert not duplicates, f"faxed more than once: {duplicates}"

        assert standins.graph is not None
        archived: dict[str, int] = {}
        notified: dict[str, int] = {}
        emailed: dict[str, int] = {}
        for mail in standins.graph.sent:
            job = mail.headers.get("X-Ordofax-Job", "")
            if "X-Ordofax-Notice" in mail.headers:
                notified[job] = notified.get(job, 0) + 1
            elif mail.to == ["marie.tremblay65@hotmail.com"]:
                assert mail.headers.get("X-Ordofax-Encrypt") == "true"
                emailed[job] = emailed.get(job, 0) + 1
            else:
                assert mail.subject.startswith("Copie au dossier — "), mail.subject
                archived[job] = archived.get(job, 0) + 1
        assert set(archived) == faxed_ids | emailed_ids and all(c == 1 for c in archived.values()), {
            j: c for j, c in archived.items() if c != 1
        }
        assert set(emailed) == emailed_ids and all(c == 1 for c in emailed.values()), {
            j: c for j, c in emailed.items() if c != 1
        }
        assert set(notified) == job_ids
        for job_id in job_ids:
            expected = "rejected" if job_id in rejected_ids else "delivered"
            outcome = store.get(job_id).outcome
            assert outcome is not None and outcome.value == expected
        assert store.verify_audit().ok
        store.close()
        print(
            f"\ncrash test ({engine}): {TOTAL} messages, {KILLS} SIGKILLs, {serve.starts} starts, submitted in "
            f"{submit_seconds:.1f} s, all final in {total_seconds:.1f} s; faxes {len(provider.jobs)}, "
            f"patient e-mails {sum(emailed.values())}, "
            f"archives copies {sum(archived.values())}, notices {sum(notified.values())} "
            f"(repeated notices: {sum(c - 1 for c in notified.values())})"
        )
