"""`ordofax send`: corpus messages through check, render, the stand-in provider (and its notice) and the
stand-in Exchange (Graph) for e-mail routes and the archives copy."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.fax_provider import FakeFaxProvider, FaxMode
from fakes.graph import FakeGraph
from gateway.cli import main

PRESCRIPTION = "01_plain_text_prescription.eml"  # drug_rx to +1 819-555-0190, accepted
TWO_RECIPIENTS = "03_two_recipients.eml"  # rejected
LAB_TO_PATIENT = "06_lab_requisition_to_patient.eml"  # email_encrypted, accepted
ARCHIVES = "archives.hmr@ssss.gouv.qc.ca"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def notice_port() -> int:
    return free_port()


def config_for(corpus_dir: Path, tmp_path: Path, provider_port: int, graph: FakeGraph | None = None) -> Path:
    for name in ("config.toml", "directory.csv", "senders.csv"):
        shutil.copy(corpus_dir / name, tmp_path / name)
    config = tmp_path / "config.toml"
    with config.open("a", encoding="utf-8") as f:
        f.write(f"\n[provider]\nport = {provider_port}\ntimeout_seconds = 2\n")
        if graph is not None:
            f.write("\n[exchange]\n")
            for key, value in graph.exchange_settings().items():
                f.write(f"{key} = {json.dumps(str(value))}\n")
    return config


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


def send(config: Path, message: Path, notice_port: int, *extra: str) -> int:
    return main(["send", "--config", str(config), "--notice-port", str(notice_port), *extra, str(message)])


def send_fax_only(config: Path, message: Path, notice_port: int, *extra: str) -> int:
    return send(config, message, notice_port, "--no-archives", *extra)


def test_prescription_is_faxed_confirmed_and_copied_to_archives(
    corpus_dir: Path, tmp_path: Path, notice_port: int, graph: FakeGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeFaxProvider(notify_host="127.0.0.1", notify_port=notice_port, outbox=tmp_path / "out") as provider:
        config = config_for(corpus_dir, tmp_path, provider.port, graph)
        status = send(config, corpus_dir / PRESCRIPTION, notice_port)
    out = capsys.readouterr().out
    assert status == 0, out
    [fax] = provider.jobs
    assert fax.number == "18195550190" and fax.job_ref is not None and fax.job_ref.startswith("OFX-")
    assert f"job {fax.job_ref}" in out and f"id {fax.transaction_id}" in out
    assert f"fax: delivered: {fax.pages} page(s) to +1 819-555-0190" in out
    assert fax.outbox_files[0].read_bytes().startswith(b"%PDF-")
    [copy] = graph.sent
    assert copy.to == [ARCHIVES] and copy.headers["X-Ordofax-Job"] == fax.job_ref
    assert [a.data for a in copy.attachments] == [fax.pdf]  # the archives file what the pharmacy got
    assert copy.subject == "Copie au dossier — Ordonnances médicales_771502.pdf"
    assert copy.headers["X-Ordofax-Copy"] == "archives"


def test_lab_requisition_emailed_encrypted_to_patient(
    corpus_dir: Path, tmp_path: Path, notice_port: int, graph: FakeGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    status = send(config_for(corpus_dir, tmp_path, free_port(), graph), corpus_dir / LAB_TO_PATIENT, notice_port)
    out = capsys.readouterr().out
    assert status == 0, out
    patient, archives = graph.sent
    assert archives.to == [ARCHIVES] and patient.to != [ARCHIVES]
    assert patient.headers.get("X-Ordofax-Encrypt") == "true" and "X-Ordofax-Encrypt" not in archives.headers
    assert "waiting" not in out  # no provider notice for an e-mail


def test_exchange_refusing_means_archives_copy_failed(
    corpus_dir: Path, tmp_path: Path, notice_port: int, graph: FakeGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    graph.fail_next(20, status=503, retry_after=None)
    with FakeFaxProvider(notify_host="127.0.0.1", notify_port=notice_port) as provider:
        status = send(config_for(corpus_dir, tmp_path, provider.port, graph), corpus_dir / PRESCRIPTION, notice_port)
    out = capsys.readouterr().out
    assert status == 1
    assert "fax: delivered" in out and "archives copy: failed" in out and "NOT complete: archives copy failed" in out
    assert graph.sent == []


def test_busy_line_is_reported_with_the_retry_delay(
    corpus_dir: Path, tmp_path: Path, notice_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeFaxProvider(
        notify_host="127.0.0.1", notify_port=notice_port, modes={"18195550190": FaxMode.BUSY}
    ) as provider:
        status = send_fax_only(config_for(corpus_dir, tmp_path, provider.port), corpus_dir / PRESCRIPTION, notice_port)
    out = capsys.readouterr().out
    assert status == 1
    assert "fax: failed: Busy (cause busy, retryable" in out and "try again in 300 s" in out


def test_no_notice_means_not_confirmed(
    corpus_dir: Path, tmp_path: Path, notice_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeFaxProvider(notify_host="127.0.0.1", notify_port=notice_port) as provider:
        provider.arm(FaxMode.SILENT)
        config = config_for(corpus_dir, tmp_path, provider.port)
        status = send_fax_only(config, corpus_dir / PRESCRIPTION, notice_port, "--wait", "0.5")
    assert status == 1
    assert "delivery NOT confirmed" in capsys.readouterr().out
    assert len(provider.jobs) == 1


def test_provider_down(corpus_dir: Path, tmp_path: Path, notice_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    status = send_fax_only(config_for(corpus_dir, tmp_path, free_port()), corpus_dir / PRESCRIPTION, notice_port)
    out = capsys.readouterr().out
    assert status == 1
    assert "fax: failed" in out and "cannot connect" in out and "try again in 60 s" in out


def test_rejected_message_is_not_sent(
    corpus_dir: Path, tmp_path: Path, notice_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeFaxProvider(notify_host="127.0.0.1", notify_port=notice_port) as provider:
        status = send(config_for(corpus_dir, tmp_path, provider.port), corpus_dir / TWO_RECIPIENTS, notice_port)
    out = capsys.readouterr().out
    assert status == 1
    assert "rejected — nothing sent" in out and "RECIPIENT_MULTIPLE" in out
    assert provider.jobs == []
