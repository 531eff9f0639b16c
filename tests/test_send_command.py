"""`ordofax send`: a corpus message through check, render, the stand-in provider and back as a notice."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from fakes.fax_provider import FakeFaxProvider, FaxMode
from gateway.cli import main

PRESCRIPTION = "01_plain_text_prescription.eml"  # drug_rx to +1 819-555-0190, accepted
TWO_RECIPIENTS = "03_two_recipients.eml"  # rejected


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def notice_port() -> int:
    return free_port()


def config_for(corpus_dir: Path, tmp_path: Path, provider_port: int) -> Path:
    for name in ("config.toml", "directory.csv", "senders.csv"):
        shutil.copy(corpus_dir / name, tmp_path / name)
    config = tmp_path / "config.toml"
    with config.open("a", encoding="utf-8") as f:
        f.write(f"\n[provider]\nport = {provider_port}\ntimeout_seconds = 2\n")
    return config


def send(config: Path, message: Path, notice_port: int, *extra: str) -> int:
    return main(["send", "--config", str(config), "--notice-port", str(notice_port), *extra, str(message)])


def test_prescription_is_faxed_and_confirmed(
    corpus_dir: Path, tmp_path: Path, notice_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeFaxProvider(notify_host="127.0.0.1", notify_port=notice_port, outbox=tmp_path / "out") as provider:
        status = send(config_for(corpus_dir, tmp_path, provider.port), corpus_dir / PRESCRIPTION, notice_port)
    out = capsys.readouterr().out
    assert status == 0, out
    [fax] = provider.jobs
    assert fax.number == "18195550190" and fax.job_ref is not None and fax.job_ref.startswith("OFX-")
    assert f"job {fax.job_ref}" in out and f"provider id {fax.transaction_id}" in out
    assert f"delivered: {fax.pages} page(s) to +18195550190" in out
    assert fax.outbox_files[0].read_bytes().startswith(b"%PDF-")


def test_busy_line_is_reported_with_the_retry_delay(
    corpus_dir: Path, tmp_path: Path, notice_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeFaxProvider(
        notify_host="127.0.0.1", notify_port=notice_port, modes={"18195550190": FaxMode.BUSY}
    ) as provider:
        status = send(config_for(corpus_dir, tmp_path, provider.port), corpus_dir / PRESCRIPTION, notice_port)
    out = capsys.readouterr().out
    assert status == 1
    assert "fax failed: Busy (cause busy, retryable" in out and "try again in 300 s" in out


def test_no_notice_means_not_confirmed(
    corpus_dir: Path, tmp_path: Path, notice_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeFaxProvider(notify_host="127.0.0.1", notify_port=notice_port) as provider:
        provider.arm(FaxMode.SILENT)
        config = config_for(corpus_dir, tmp_path, provider.port)
        status = send(config, corpus_dir / PRESCRIPTION, notice_port, "--wait", "0.5")
    assert status == 1
    assert "delivery NOT confirmed" in capsys.readouterr().out
    assert len(provider.jobs) == 1


def test_provider_down(corpus_dir: Path, tmp_path: Path, notice_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    status = send(config_for(corpus_dir, tmp_path, free_port()), corpus_dir / PRESCRIPTION, notice_port)
    out = capsys.readouterr().out
    assert status == 1
    assert "relay failed" in out and "cannot connect" in out and "try again in 60 s" in out


def test_rejected_message_is_not_sent(
    corpus_dir: Path, tmp_path: Path, notice_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeFaxProvider(notify_host="127.0.0.1", notify_port=notice_port) as provider:
        status = send(config_for(corpus_dir, tmp_path, provider.port), corpus_dir / TWO_RECIPIENTS, notice_port)
    out = capsys.readouterr().out
    assert status == 1
    assert "rejected — nothing sent" in out and "RECIPIENT_MULTIPLE" in out
    assert provider.jobs == []
