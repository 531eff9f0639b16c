"""The public corpus: every verdict, code and field of expected.json, in-process and through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.pipeline import CheckContext, check_bytes


def _get(d: dict[str, object], dotted: str) -> object:
    value: object = d
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _cases(corpus: Path) -> dict[str, dict[str, object]]:
    return json.loads((corpus / "expected.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_every_corpus_message_gets_its_expected_verdict(corpus_dir: Path, corpus_ctx: CheckContext) -> None:
    for name, exp in _cases(corpus_dir).items():
        result = check_bytes((corpus_dir / name).read_bytes(), corpus_ctx, file=name).as_json()
        assert result["verdict"] == exp["verdict"], name
        codes = {f["code"] for f in result["findings"]}  # type: ignore[attr-defined]
        assert set(exp.get("codes", [])) <= codes, name  # type: ignore[arg-type]
        for key in ("route", "document"):
            if key in exp:
                assert result[key] == exp[key], (name, key)
        for key, value in exp.get("extracted", {}).items():  # type: ignore[attr-defined]
            assert _get(result["extracted"], key) == value, (name, key)  # type: ignore[arg-type]
        facts = exp.get("facts", {})
        extracted = result["extracted"]
        if "nam" in facts:  # type: ignore[operator]
            assert _get(extracted, "patient.nam") in (facts["nam"], None), name  # type: ignore[arg-type,index]
        if "file_number" in facts:  # type: ignore[operator]
            assert _get(extracted, "patient.file_number") == facts["file_number"], name  # type: ignore[arg-type,index]
        if "licence" in facts:  # type: ignore[operator]
            assert _get(extracted, "sender.licence") == facts["licence"], name  # type: ignore[arg-type,index]


def test_accepted_messages_carry_no_error(corpus_dir: Path, corpus_ctx: CheckContext) -> None:
    for name, exp in _cases(corpus_dir).items():
        result = check_bytes((corpus_dir / name).read_bytes(), corpus_ctx, file=name)
        severities = {f.severity.value for f in result.findings}
        assert ("error" in severities) == (exp["verdict"] == "rejected"), name


def test_cli_json_contract_and_exit_status(corpus_dir: Path) -> None:
    files = sorted(str(p) for p in corpus_dir.glob("*.eml"))
    proc = subprocess.run(
        [sys.executable, "-m", "gateway", "check", "--config", str(corpus_dir / "config.toml"), "--json", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr  # some are rejected
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == len(files)
    keys = {"file", "message_id", "verdict", "route", "document", "form", "findings", "extracted"}
    for obj in lines:
        assert keys <= set(obj)
        assert set(obj["extracted"]) == {"recipient", "sender", "patient", "orders"}
        for finding in obj["findings"]:
            assert set(finding) == {"code", "severity", "message_fr", "message_en", "field"}
    first = next(o for o in lines if o["file"].endswith("01_plain_text_prescription.eml"))
    assert first["form"] == "AH-251"
    assert first["extracted"]["recipient"]["fax"] == "+18195550190"


def test_cli_exit_zero_when_all_accepted(corpus_dir: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable, "-m", "gateway", "check", "--config", str(corpus_dir / "config.toml"),
            str(corpus_dir / "01_plain_text_prescription.eml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0
    assert "ACCEPTÉ" in proc.stdout


@pytest.mark.parametrize("missing", ["nope.eml"])
def test_cli_unreadable_file_is_exit_2(corpus_dir: Path, tmp_path: Path, missing: str) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "gateway",
            "check",
            "--config",
            str(corpus_dir / "config.toml"),
            str(tmp_path / missing),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
