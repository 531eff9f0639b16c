"""`ordofax demo` — the README's main job — as a user runs it: a subprocess, JSON lines out.

Each line's fax, e-mail, archives and notice fields come from what the stand-ins received; the test holds
them against what each message should get (the corpus's expected.json, and the bundled examples' names).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def demo(*args: str) -> tuple[int, list[dict[str, object]], float]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "gateway", "demo", "--json", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return proc.returncode, rows, time.monotonic() - started


def assert_outcome(row: dict[str, object], verdict: str, route: str | None) -> None:
    assert row["verdict"] == verdict, row
    assert row["sender_notified"] is True, row
    if verdict == "rejected":
        assert row["state"] == "rejected" and row["fax"] is None and row["email"] is None, row
        assert row["archived"] is False, row
        return
    assert row["state"] == "delivered" and row["archived"] is True, row
    assert row["route"] == route, row
    if route == "fax":
        fax = row["fax"]
        assert isinstance(fax, dict) and str(fax["number"]).startswith("+1") and int(fax["pages"]) >= 1, row
        assert row["email"] is None
    elif route in ("email_encrypted", "email_internal"):
        email = row["email"]
        assert isinstance(email, dict) and email["encrypted"] is (route == "email_encrypted"), row
        assert row["fax"] is None
    else:
        assert row["fax"] is None and row["email"] is None


def test_default_demo_runs_every_bundled_example_in_seconds() -> None:
    code, rows, seconds = demo()
    assert code == 0
    by_file = {str(r["file"]): r for r in rows}
    assert len(rows) == 6
    assert_outcome(by_file["10_imaging_html_outlook.eml"], "accepted", "fax")
    assert_outcome(by_file["20_drug_rx_windows1252.eml"], "accepted", "fax")
    assert_outcome(by_file["30_progress_notes_to_archives.eml"], "accepted", "archives")
    assert_outcome(by_file["40_lab_to_patient_encrypted.eml"], "accepted", "email_encrypted")
    assert_outcome(by_file["50_rejected_spoofed_vague.eml"], "rejected", None)
    assert_outcome(by_file["60_rejected_two_recipients.eml"], "rejected", None)
    assert by_file["20_drug_rx_windows1252.eml"]["fax"] == {"number": "+14505550160", "pages": 1}
    assert by_file["40_lab_to_patient_encrypted.eml"]["email"] == {
        "to": "marie.tremblay65@hotmail.com",
        "encrypted": True,
    }
    assert seconds < 30


def test_corpus_messages_get_their_expected_outcome(corpus_dir: Path) -> None:
    expected = json.loads((corpus_dir / "expected.json").read_text(encoding="utf-8"))
    files = sorted(str(p) for p in corpus_dir.glob("*.eml"))
    code, rows, _ = demo("--config", str(corpus_dir / "config.toml"), *files)
    assert code == 0
    assert {r["file"] for r in rows} == set(expected)
    for row in rows:
        want = expected[str(row["file"])]
        assert_outcome(row, want["verdict"], want.get("route"))
