"""inspect_pdf: scans, passwords, corruption and PDF bombs all end quickly in a PdfInfo a rule can act on."""

from __future__ import annotations

import io
import logging
import multiprocessing
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes, policy
from email.message import EmailMessage
from multiprocessing.queues import Queue
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from gateway.parsing.pdfinspect import TEXT_CAP, analyse_pdf, inspect_pdf

MAX_PAGES = 20
SECONDS = 5.0
CORPUS_SCAN = Path("/work/shared/corpus/08_scanned_prescription.eml")


# --- samples --------------------------------------------------------------------------------------------


def _photo() -> ImageReader:
    picture = Image.new("RGB", (120, 160), "white")
    for x in range(20, 100):
        picture.putpixel((x, 80), (0, 0, 0))  # a stroke of "handwriting"
    return ImageReader(picture)


def text_pdf(*pages: str) -> bytes:
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=letter)
    for text in pages:
        sheet.setFont("Helvetica", 11)
        for number, line in enumerate(text.splitlines()):
            sheet.drawString(72, 720 - 14 * number, line)
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def scan_pdf(*, ocr_layer: str | None = None, visible_caption: str | None = None) -> bytes:
    """A page that paints a photo of the paper, optionally with an invisible OCR layer or a real caption."""
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=letter)
    sheet.drawImage(_photo(), 0, 0, width=612, height=792)
    if ocr_layer is not None:
        layer = sheet.beginText(72, 700)
        layer.setTextRenderMode(3)  # invisible, as OCR tools write it
        layer.textLine(ocr_layer)
        sheet.drawText(layer)
    if visible_caption is not None:
        sheet.drawString(72, 60, visible_caption)
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def encrypted(pdf: bytes, *, user: str, owner: str, algorithm: str = "AES-256") -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user, owner_password=owner, algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF written by hand, objects numbered from 1 (1 is the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def flate_stream(compressed: bytes, extra: bytes = b"") -> bytes:
    head = b"<< /Length %d /Filter /FlateDecode %s >>\nstream\n" % (len(compressed), extra)
    return head + compressed + b"\nendstream"


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
PAGE = (
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
    b" /Resources << /Font << /F1 5 0 R >> /XObject << /Fm 6 0 R >> >> >>"
)


def bomb_pdf(megabytes: int = 256) -> bytes:
    """One page whose content stream is ~1 MB of deflate that inflates to `megabytes` MB."""
    deflate = zlib.compressobj(1)
    zeros = bytes(1 << 20)
    compressed = b"".join([deflate.compress(zeros) for _ in range(megabytes)] + [deflate.flush()])
    return raw_pdf(CATALOG, PAGES, PAGE, flate_stream(compressed), FONT)


def xform_amplifier_pdf() -> bytes:
    """2 KB that pypdf needs minutes for: a page drawing 40 times a form of 90,000 text operators."""
    form = zlib.compress(b"BT /F1 1 Tf " + b"(a) Tj " * 90_000 + b"ET")
    form_dict = b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >>"
    page_content = zlib.compress(b"/Fm Do " * 40)
    return raw_pdf(CATALOG, PAGES, PAGE, flate_stream(page_content), FONT, flate_stream(form, form_dict))


PRESCRIPTION = text_pdf("Ordonnances médicales\nTÉLÉCONSULTATION\nAmoxicilline 500 mg TID x 10 jours")


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return bomb_pdf()


def inspect(data: bytes, *, max_pages: int = MAX_PAGES, max_seconds: float = SECONDS) -> tuple[object, float]:
    started = time.perf_counter()
    info = inspect_pdf(data, max_pages=max_pages, max_seconds=max_seconds)
    return info, time.perf_counter() - started


# --- what a rule sees ---------------------------------------------------------------------------------


def test_a_typed_prescription_is_readable_text_with_the_teleconsultation_mention() -> None:
    info = inspect_pdf(PRESCRIPTION, max_pages=MAX_PAGES, max_seconds=SECONDS)
    assert (info.pages, info.pages_without_text, info.encrypted, info.unreadable) == (1, 0, False, False)
    assert "TÉLÉCONSULTATION" in info.text


def test_a_page_that_is_only_a_picture_is_a_page_without_text() -> None:
    info = inspect_pdf(scan_pdf(), max_pages=MAX_PAGES, max_seconds=SECONDS)
    assert (info.pages, info.pages_without_text, info.unreadable) == (1, 1, False)


def test_a_scan_with_an_invisible_ocr_layer_is_still_a_scan() -> None:
    info = inspect_pdf(scan_pdf(ocr_layer="Amoxicilline 500 mg"), max_pages=MAX_PAGES, max_seconds=SECONDS)
    assert info.pages_without_text == 1
    assert "Amoxicilline" in info.text


def test_a_page_with_a_logo_and_typed_text_is_not_a_scan() -> None:
    info = inspect_pdf(scan_pdf(visible_caption="Dr Tremblay, permis 12345"), max_pages=20, max_seconds=5)
    assert info.pages_without_text == 0


def test_only_the_blank_page_of_three_counts() -> None:
    info = inspect_pdf(text_pdf("page un", " ", "page trois"), max_pages=MAX_PAGES, max_seconds=SECONDS)
    assert (info.pages, info.pages_without_text) == (3, 1)


@pytest.mark.skipif(not CORPUS_SCAN.exists(), reason="shared corpus not present")
def test_the_corpus_scanned_prescription_has_one_page_without_text() -> None:
    message = message_from_bytes(CORPUS_SCAN.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    (attachment,) = list(message.iter_attachments())
    info = inspect_pdf(attachment.get_content(), max_pages=MAX_PAGES, max_seconds=SECONDS)
    assert (info.pages, info.pages_without_text, info.unreadable) == (1, 1, False)


def test_a_user_password_makes_it_encrypted_and_unreadable() -> None:
    for algorithm in ("RC4-128", "AES-128", "AES-256"):
        locked = encrypted(PRESCRIPTION, user="secret", owner="owner", algorithm=algorithm)
        info = inspect_pdf(locked, max_pages=MAX_PAGES, max_seconds=SECONDS)
        assert (info.encrypted, info.unreadable, info.text) == (True, True, ""), algorithm


def test_an_owner_password_alone_is_encrypted_but_readable() -> None:
    info = inspect_pdf(encrypted(PRESCRIPTION, user="", owner="owner"), max_pages=MAX_PAGES, max_seconds=SECONDS)
    assert (info.encrypted, info.unreadable, info.pages, info.pages_without_text) == (True, False, 1, 0)
    assert "TÉLÉCONSULTATION" in info.text


@pytest.mark.parametrize(
    "damaged",
    [
        PRESCRIPTION[: len(PRESCRIPTION) // 2],
        PRESCRIPTION[:-200],
        b"%PDF-1.4\nthis is not a pdf at all\n%%EOF\n",
        b"%PDF-",
        b"",
        raw_pdf(CATALOG, b"<< /Type /Pages /Kids [] /Count 0 >>"),  # no pages
    ],
    ids=["half", "tail-cut", "garbage", "header-only", "empty", "no-pages"],
)
def test_corrupt_truncated_or_empty_is_unreadable(damaged: bytes) -> None:
    assert inspect_pdf(damaged, max_pages=MAX_PAGES, max_seconds=SECONDS).unreadable


def test_padding_after_the_end_marker_is_forgiven() -> None:
    padded = PRESCRIPTION + b"\x00" * 4096 + b"\r\n" * 100
    info = inspect_pdf(padded, max_pages=MAX_PAGES, max_seconds=SECONDS)
    assert (info.pages, info.unreadable) == (1, False)


def test_pages_beyond_the_limit_are_counted_but_not_read() -> None:
    document = text_pdf(*[f"page {n}" for n in range(1, 26)], "")
    info = inspect_pdf(document, max_pages=20, max_seconds=SECONDS)
    assert info.pages == 26
    assert info.pages_without_text == 0  # the blank 26th page was not looked at
    assert "page 20" in info.text
    assert "page 21" not in info.text


def test_text_is_capped() -> None:
    document = text_pdf(*["\n".join(["TÉLÉCONSULTATION " * 5] * 45)] * 8)
    info = inspect_pdf(document, max_pages=MAX_PAGES, max_seconds=SECONDS)
    assert len(info.text) == TEXT_CAP
    assert (info.pages, info.unreadable) == (8, False)


# --- hostile documents ----------------------------------------------------------------------------------


def test_a_deflate_bomb_is_unreadable_in_well_under_a_second(bomb: bytes) -> None:
    assert len(bomb) < 2 * 1024 * 1024  # 256 MB once inflated
    info, seconds = inspect(bomb)
    assert info.unreadable  # type: ignore[attr-defined]
    assert seconds < 1.0


def test_a_small_document_that_would_take_minutes_is_cut_off_at_the_time_budget() -> None:
    info, seconds = inspect(xform_amplifier_pdf(), max_seconds=0.5)
    assert info.unreadable  # type: ignore[attr-defined]
    assert seconds < 1.5


def test_the_next_document_after_a_killed_one_is_read_normally() -> None:
    inspect(xform_amplifier_pdf(), max_seconds=0.3)
    info = inspect_pdf(PRESCRIPTION, max_pages=MAX_PAGES, max_seconds=SECONDS)
    assert (info.pages, info.unreadable) == (1, False)


def test_deeply_nested_and_cyclic_objects_end_in_a_value() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    nested = raw_pdf(CATALOG, PAGES, PAGE.replace(b"/Contents 4 0 R", b"/Contents 4 0 R /Junk " + deep))
    cyclic = raw_pdf(CATALOG, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>")
    loop_parent = raw_pdf(CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", b"<< /Type /Pages /Kids [2 0 R] >>")
    for document in (nested, cyclic, loop_parent):
        info, seconds = inspect(document, max_seconds=2.0)
        assert seconds < 2.5
        assert info.unreadable  # type: ignore[attr-defined]


def test_concurrent_inspections_each_get_their_own_answer() -> None:
    documents = [PRESCRIPTION, scan_pdf(), PRESCRIPTION[:100], text_pdf("a", "b")] * 3
    with ThreadPoolExecutor(max_workers=4) as pool:
        infos = list(pool.map(lambda d: inspect_pdf(d, max_pages=20, max_seconds=10), documents))
    assert [(i.pages, i.pages_without_text, i.unreadable) for i in infos] == [
        (1, 0, False),
        (1, 1, False),
        (0, 0, True),
        (2, 0, False),
    ] * 3


def test_nothing_from_a_broken_document_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    broken = PRESCRIPTION.replace(b"startxref\n", b"startxref\n9").replace(b"xref\n0 ", b"xref\n1 ")
    caplog.set_level(logging.DEBUG)
    analyse_pdf(broken, max_pages=MAX_PAGES, deadline=time.monotonic() + SECONDS)
    analyse_pdf(encrypted(PRESCRIPTION, user="x", owner="y"), max_pages=1, deadline=time.monotonic() + 5)
    assert [r for r in caplog.records if r.name.startswith("pypdf")] == []


def test_in_process_analysis_agrees_with_the_worker() -> None:
    for document in (PRESCRIPTION, scan_pdf(), PRESCRIPTION[:300]):
        here = analyse_pdf(document, max_pages=MAX_PAGES, deadline=time.monotonic() + SECONDS)
        assert here == inspect_pdf(document, max_pages=MAX_PAGES, max_seconds=SECONDS)


def _inspect_and_report(queue: Queue[tuple[int, int, bool, str]], data: bytes) -> None:
    info = inspect_pdf(data, max_pages=MAX_PAGES, max_seconds=SECONDS)
    queue.put((info.pages, info.pages_without_text, info.unreadable, info.text))


def test_inside_a_daemonic_process_which_may_not_have_children_it_still_answers() -> None:
    """multiprocessing.Pool workers are daemonic: there the analysis falls back to running in-process."""
    context = multiprocessing.get_context("forkserver")
    queue: Queue[tuple[int, int, bool, str]] = context.Queue()
    process = context.Process(target=_inspect_and_report, args=(queue, PRESCRIPTION), daemon=True)
    process.start()
    try:
        pages, without_text, unreadable, text = queue.get(timeout=60)
    finally:
        process.join(timeout=10)
    assert (pages, without_text, unreadable) == (1, 0, False)
    assert "TÉLÉCONSULTATION" in text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_between_pdf_markers_never_raise(body: bytes) -> None:
    info = inspect_pdf(b"%PDF-1.4\n" + body + b"\n%%EOF\n", max_pages=5, max_seconds=2.0)
    assert info.pages >= 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_real_documents_never_raise(data: st.DataObject) -> None:
    document = bytearray(data.draw(st.sampled_from([PRESCRIPTION, SMALL_SCAN])))
    for _ in range(data.draw(st.integers(1, 10))):
        document[data.draw(st.integers(0, len(document) - 1))] = data.draw(st.integers(0, 255))
    info = inspect_pdf(bytes(document), max_pages=5, max_seconds=2.0)
    assert info.pages >= 0 and len(info.text) <= TEXT_CAP


SMALL_SCAN = scan_pdf()
