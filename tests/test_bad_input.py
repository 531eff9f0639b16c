"""Any bytes at all end as a verdict with findings — never a traceback — within the configured limits."""

from __future__ import annotations

import base64
import io
import os
import time
import zipfile
import zlib
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.config import Config
from gateway.pipeline import CheckContext, check_bytes

HEAD = (
    b"From: Julie Nguyen <julie.nguyen.med@ssss.gouv.qc.ca>\r\n"
    b"To: 8195550190@telecopie.example.org\r\nCc: archives.hmr@ssss.gouv.qc.ca\r\n"
    b"Subject: Ordonnance\r\nMessage-ID: <bad@ssss.gouv.qc.ca>\r\nMIME-Version: 1.0\r\n"
)


def _codes(raw: bytes, ctx: CheckContext) -> set[str]:
    started = time.monotonic()
    result = check_bytes(raw, ctx, file="x.eml")
    assert time.monotonic() - started < ctx.config.limits.parse_seconds * 3
    assert result.verdict in ("accepted", "rejected")
    return {f.code for f in result.findings}


def _ctx_with(config: Config, **limits: object) -> CheckContext:
    changed = config.model_copy(update={"limits": config.limits.model_copy(update=limits)})
    return CheckContext.from_config(changed)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_always_get_a_verdict(corpus_ctx: CheckContext, data: bytes) -> None:
    result = check_bytes(data, corpus_ctx)
    assert result.verdict == "rejected" or result.findings == [] or result.accepted


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2000))
def test_truncated_corpus_messages_never_crash(corpus_ctx: CheckContext, corpus_dir: object, cut: int) -> None:
    from pathlib import Path

    raw = (Path(str(corpus_dir)) / "04_photo_of_prescription.eml").read_bytes()
    result = check_bytes(raw[: len(raw) * cut // 2000], corpus_ctx)
    assert result.verdict in ("accepted", "rejected")


def test_binary_garbage_is_a_malformed_rejection(corpus_ctx: CheckContext) -> None:
    codes = _codes(os.urandom(20_000), corpus_ctx)
    assert "MESSAGE_MALFORMED" in codes


def test_truncated_multipart_is_malformed(corpus_ctx: CheckContext) -> None:
    raw = HEAD + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nRamip'
    assert "MESSAGE_MALFORMED" in _codes(raw, corpus_ctx)


def test_oversized_message_is_refused_without_parsing_the_body(corpus_config: Config) -> None:
    ctx = _ctx_with(corpus_config, max_message_bytes=10 * 1024 * 1024)
    payload = base64.encodebytes(b"\0" * (50 * 1024 * 1024 // 4 * 3))
    raw = HEAD + b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + payload
    assert "MESSAGE_LIMIT_EXCEEDED" in _codes(raw, ctx)


def test_large_attachment_under_message_limit_is_too_large(corpus_config: Config) -> None:
    ctx = _ctx_with(corpus_config, max_attachment_bytes=1024 * 1024)
    msg = EmailMessage()
    msg["From"] = "julie.nguyen.med@ssss.gouv.qc.ca"
    msg["To"] = "8195550190@telecopie.example.org"
    msg["Subject"] = "Ordonnance"
    msg.set_content("Voir pièce jointe.")
    msg.add_attachment(
        b"%PDF-1.4\n" + os.urandom(3 * 1024 * 1024), maintype="application", subtype="pdf", filename="x.pdf"
    )
    assert "ATTACHMENT_TOO_LARGE" in _codes(msg.as_bytes(), ctx)


def test_thousands_of_parts_hit_the_part_limit(corpus_ctx: CheckContext) -> None:
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(5000))
    raw = HEAD + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + parts + b"--b--\r\n"
    assert "MESSAGE_LIMIT_EXCEEDED" in _codes(raw, corpus_ctx)


def test_deep_nesting_hits_the_depth_limit(corpus_ctx: CheckContext) -> None:
    depth = 60
    body = b"x\r\n"
    for i in range(depth):
        b = f"b{i}".encode()
        body = (
            b'Content-Type: multipart/mixed; boundary="'
            + b
            + b'"\r\n\r\n--'
            + b
            + b"\r\n"
            + body
            + b"\r\n--"
            + b
            + b"--\r\n"
        )
    assert "MESSAGE_LIMIT_EXCEEDED" in _codes(HEAD + body, corpus_ctx)


def _attach(data: bytes, filename: str, subtype: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "julie.nguyen.med@ssss.gouv.qc.ca"
    msg["To"] = "8195550190@telecopie.example.org"
    msg["Subject"] = "Ordonnance"
    msg.set_content("Voir pièce jointe.")
    msg.add_attachment(data, maintype="application", subtype=subtype, filename=filename)
    return msg.as_bytes()


def test_pdf_bomb_is_bounded(corpus_ctx: CheckContext) -> None:
    stream = zlib.compress(b"0" * (200 * 1024 * 1024), 9)
    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj\n"
        b"4 0 obj<</Length "
        + str(len(stream)).encode()
        + b"/Filter/FlateDecode>>stream\n"
        + stream
        + b"\nendstream endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    codes = _codes(_attach(pdf, "bombe.pdf", "pdf"), corpus_ctx)
    assert codes & {"ATTACHMENT_UNREADABLE", "ATTACHMENT_SCANNED"}


def test_zip_bomb_is_refused_by_type_without_inflating(corpus_ctx: CheckContext) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ordonnance.txt", b"0" * (100 * 1024 * 1024))
    assert "ATTACHMENT_TYPE" in _codes(_attach(buffer.getvalue(), "ordonnance.pdf", "pdf"), corpus_ctx)


@pytest.mark.parametrize("charset", [b"x-unknown-charset", b"utf-7\xff", b"", b"windows-1252"])
def test_invalid_charsets_still_read_the_body(corpus_ctx: CheckContext, charset: bytes) -> None:
    raw = HEAD + b'Content-Type: text/plain; charset="' + charset + b'"\r\n\r\nNum\xe9ro de dossier : 771502\r\n'
    result = check_bytes(raw, corpus_ctx)
    assert result.extracted.patient.file_number == "771502"


def test_headers_with_broken_encoded_words_do_not_crash(corpus_ctx: CheckContext) -> None:
    raw = (
        b"From: =?utf-8?q?Dr=C3?= <julie.nguyen.med@ssss.gouv.qc.ca>\r\n"
        b"To: <<>>@@, 8195550190@telecopie.example.org\r\n"
        b"Subject: =?x-bad?b?////?=\r\nDate: not a date\r\nMessage-ID: <\r\n\r\nbody\r\n"
    )
    result = check_bytes(raw, corpus_ctx)
    assert result.verdict == "rejected"
