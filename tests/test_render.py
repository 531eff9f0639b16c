"""The rendered AH-251 / AH-253 as a pharmacy, the archives and a PDF reader see them.

The check results are built by hand (gateway.render.samples) so these tests do not depend on the parser.
OCR tests rasterize the fax as a G3 fax machine would and read it back with tesseract.
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from pypdf.constants import UserAccessPermissions
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFontParser
from reportlab.pdfgen.canvas import Canvas

from gateway.config import Config, RenderSection
from gateway.errors import RenderError
from gateway.models import DocumentKind, Finding, Form, Route, Sender, Severity
from gateway.render import RenderedDocument, flate, job_ref_for, render_documents
from gateway.render.embed import EmbeddedTTFont, to_unicode_cmap
from gateway.render.fonts import Face, FontPair, load_fonts, shipped_font
from gateway.render.pdftext import draw_centred_string, draw_right_string, draw_string
from gateway.render.samples import STANDARD_ORDERS, sample_result, with_patient
from gateway.render.subset import BASE_CHARS, CACHE_SIZE, SubsetBuilder, adler32_combine
from gateway.render.text import clean, greedy_wrap, wrap

REF = "OFX-1A2B3C4D5E"
CONFIG = Config()


def render(**kwargs: object) -> RenderedDocument:
    return render_documents(sample_result(**kwargs), CONFIG, REF)[0]  # type: ignore[arg-type]


def reader(doc: RenderedDocument) -> PdfReader:
    r = PdfReader(io.BytesIO(doc.data))
    if r.is_encrypted:
        assert r.decrypt("")
    return r


def page_texts(doc: RenderedDocument) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in reader(doc).pages]


def squash(text: str) -> str:
    return " ".join(text.split())


def attachment_pdf(pages: int, size: tuple[float, float] = (595.0, 842.0), rotate: int = 0) -> bytes:
    buf = io.BytesIO()
    cv = Canvas(buf, pagesize=size)
    for i in range(pages):
        cv.setFont("Helvetica", 14)
        cv.drawString(72, size[1] / 2, f"Requisition jointe feuillet {i + 1}")
        cv.showPage()
    cv.save()
    if not rotate:
        return buf.getvalue()
    w = PdfWriter(clone_from=PdfReader(buf))
    for p in w.pages:
        p.rotate(rotate)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


# --- what the pharmacy receives ------------------------------------------------------------------------


def fax_ocr(pdf: bytes, tmp_path: Path, page: int = 1) -> str:
    for tool in ("gs", "tesseract"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (CI installs ghostscript and tesseract-ocr-fra)")
    src, tif = tmp_path / "fax.pdf", tmp_path / "fax.tif"
    src.write_bytes(pdf)
    subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffg3", "-r204x196",
         f"-dFirstPage={page}", f"-dLastPage={page}", f"-sOutputFile={tif}", str(src)],
        check=True,
    )  # fmt: skip
    out = subprocess.run(
        ["tesseract", str(tif), "-", "-l", "fra"],
        check=True,
        capture_output=True,
        env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    return squash(out.stdout.decode("utf-8"))


def test_a_faxed_prescription_reads_back_exactly_after_g3_fax_and_ocr(tmp_path: Path) -> None:
    doc = render()
    text = fax_ocr(doc.data, tmp_path)
    for fact in ("NGXL79593019", "771502", "21504", "1979-09-30", *STANDARD_ORDERS):
        assert squash(fact) in text, fact
    for mention in ("ORDONNANCES", "TÉLÉCONSULTATION", "Pharmacie Lafleur et Gendron", "819 555-0190", "Page 1 de 1"):
        assert mention in text


def test_progress_notes_read_back_after_g3_fax_and_ocr(tmp_path: Path) -> None:
    notes = (
        "Patiente vue en téléconsultation pour suivi de tension artérielle.",
        "Plan : revoir dans 2 semaines.",
    )
    doc = render(document=DocumentKind.PROGRESS_NOTES, route=Route.ARCHIVES, orders=notes)
    text = fax_ocr(doc.data, tmp_path)
    assert "NOTES D'ÉVOLUTION" in text.replace("’", "'")
    for fact in ("NGXL79593019", "771502", "21504", *notes):
        assert squash(fact) in text, fact


def test_a_standard_prescription_is_one_page_with_routing_and_signature() -> None:
    doc = render(orders=tuple(f"Médicament {i} 10 mg 1 co po DIE, 30 co, Ren 2" for i in range(8)))
    assert doc.pages == 1
    (text,) = page_texts(doc)
    assert "ORDONNANCES MÉDICALES" in text
    assert "TÉLÉCONSULTATION" in text
    assert "Destinataire : Pharmacie Lafleur et Gendron — télécopieur 819 555-0190" in text
    assert "NGUYEN, Julie — médecin" in text
    assert "N° de permis : 21504" in text
    assert "boîte courriel du réseau : julie.nguyen.med@ssss.gouv.qc.ca" in text
    assert "un seul destinataire" in text and "ne pas réutiliser" in text
    assert "Page 1 de 1" in text and REF in text and "AH-251" in text
    assert "Date / Heure" in text and "Initiales" in text and "2026-11-03 09:13" in text


def test_the_patient_box_labels_and_values() -> None:
    (text,) = page_texts(render())
    for expected in ("Nom NG", "Prénom Lan", "N° de dossier 771502", "NAM NGXL79593019", "Sexe F"):
        assert expected in text
    assert "Date de naissance (AAAA-MM-JJ) 1979-09-30" in text


def test_long_content_flows_onto_pages_that_each_name_the_patient() -> None:
    orders = tuple(f"Ordre numéro {i:03d} : Amoxicilline 500 mg 1 caps po TID x 10 jours" for i in range(200))
    doc = render(orders=orders)
    texts = page_texts(doc)
    assert doc.pages == len(texts) > 5
    for n, text in enumerate(texts, start=1):
        assert "NGXL79593019" in text and "771502" in text, f"page {n} lacks the patient box"
        assert f"Page {n} de {doc.pages}" in text
        assert "Ordonnances" in text  # the grid heading is repeated
    whole = " ".join(texts)
    positions = [whole.index(f"Ordre numéro {i:03d}") for i in range(200)]
    assert positions == sorted(positions)
    assert "N° de permis : 21504" in texts[-1]


def test_progress_notes_use_the_ah253_grid() -> None:
    doc = render(document=DocumentKind.PROGRESS_NOTES, route=Route.ARCHIVES, orders=("Note.",))
    (text,) = page_texts(doc)
    assert doc.form is Form.AH_253
    assert "NOTES D'ÉVOLUTION" in text and "AH-253" in text
    assert "Date Heure Notes" in text and "2026-11-03 09:13 Note." in text


# --- files, routes, locking ----------------------------------------------------------------------------


def test_file_names_follow_the_guide() -> None:
    assert render().filename == "Ordonnances médicales_771502.pdf"
    notes = render(document=DocumentKind.PROGRESS_NOTES, route=Route.ARCHIVES)
    assert notes.filename == "Notes d'évolution_771502.pdf"
    no_number = render_documents(with_patient(sample_result(), file_number=None), CONFIG, REF)[0]
    assert no_number.filename == f"Ordonnances médicales_{REF}.pdf"
    hostile = render_documents(with_patient(sample_result(), file_number="../../etc/ 0872"), CONFIG, REF)[0]
    assert hostile.filename == "Ordonnances médicales_etc0872.pdf"


@pytest.mark.parametrize(
    ("route", "purposes"),
    [
        (Route.FAX, ["fax", "archives"]),
        (Route.EMAIL_INTERNAL, ["email", "archives"]),
        (Route.EMAIL_ENCRYPTED, ["email", "archives"]),
        (Route.ARCHIVES, ["archives"]),
    ],
)
def test_each_route_gets_its_document_and_the_archives_copy(route: Route, purposes: list[str]) -> None:
    document = DocumentKind.PROGRESS_NOTES if route is Route.ARCHIVES else DocumentKind.LAB_RX
    docs = render_documents(sample_result(route=route, document=document), CONFIG, REF)
    assert [d.purpose for d in docs] == purposes
    assert all(d.data == docs[0].data and d.filename == docs[0].filename for d in docs)


def test_email_routes_name_the_address_not_a_fax() -> None:
    (text,) = page_texts(render(route=Route.EMAIL_INTERNAL, document=DocumentKind.LAB_RX))
    assert "pharmacie.hmr@ssss.gouv.qc.ca" in text and "télécopieur" not in text


def test_a_lab_requisition_says_whom_to_call_with_critical_values() -> None:
    doc = render(route=Route.EMAIL_ENCRYPTED, document=DocumentKind.LAB_RX, critical_values_phone="+18195550177")
    (text,) = page_texts(doc)
    assert "Valeurs critiques : joindre le 819 555-0177" in text


def test_a_rejected_message_is_not_rendered() -> None:
    result = sample_result()
    result.findings.append(Finding("RECIPIENT_MULTIPLE", Severity.ERROR, "…", "…", "to"))
    with pytest.raises(RenderError):
        render_documents(result, CONFIG, REF)


def test_the_pdf_opens_without_password_prints_and_cannot_be_modified() -> None:
    doc = render()
    r = PdfReader(io.BytesIO(doc.data))
    assert r.is_encrypted
    assert r.decrypt("") != 0
    perms = r.user_access_permissions
    assert perms is not None
    assert perms & UserAccessPermissions.PRINT
    assert not perms & UserAccessPermissions.MODIFY
    assert not perms & UserAccessPermissions.ASSEMBLE_DOC
    assert not perms & UserAccessPermissions.ADD_OR_MODIFY


def test_two_renders_use_different_owner_passwords() -> None:
    a, b = (PdfReader(io.BytesIO(render().data)) for _ in range(2))
    o_a, o_b = (r.trailer["/Encrypt"].get_object()["/O"] for r in (a, b))  # type: ignore[index]
    assert o_a != o_b


def test_metadata_names_the_form_and_prescriber_not_the_patient() -> None:
    meta = reader(render()).metadata
    assert meta is not None
    assert meta.title == "Ordonnances médicales_771502"
    assert meta.author == "Julie Nguyen"
    everything = " ".join(str(v) for v in meta.values())
    assert "Ng " not in everything and "NGXL" not in everything and "1979" not in everything


def test_a_missing_font_file_is_a_render_error(tmp_path: Path) -> None:
    config = Config(render=RenderSection(font_regular=tmp_path / "absent.ttf"))
    with pytest.raises(RenderError):
        render_documents(sample_result(), config, REF)


def test_job_reference_is_stable_and_short() -> None:
    a = job_ref_for("<abc@ssss.gouv.qc.ca>", b"x")
    assert a == job_ref_for(" <abc@ssss.gouv.qc.ca> ", b"y")
    assert re.fullmatch(r"OFX-[0-9A-F]{10}", a)
    assert job_ref_for(None, b"raw1") != job_ref_for(None, b"raw2")
    assert job_ref_for("", b"raw1") == job_ref_for(None, b"raw1")


# --- attached PDFs -------------------------------------------------------------------------------------


def test_attached_pdfs_follow_the_form_each_page_stamped() -> None:
    doc = render(pdfs=(attachment_pdf(2), attachment_pdf(1, size=(612, 792), rotate=90)))
    texts = page_texts(doc)
    assert doc.pages == len(texts) == 4
    assert "Page 1 de 4" in texts[0]
    assert "Voir ordonnance jointe (2 fichiers PDF)" in texts[0]
    for n in (2, 3, 4):
        assert f"Réf. {REF} — pièce jointe — Page {n} de 4" in texts[n - 1]
    assert "Requisition jointe feuillet 1" in texts[1] and "feuillet 2" in texts[2]


def test_a_password_protected_attachment_is_a_render_error() -> None:
    w = PdfWriter(clone_from=PdfReader(io.BytesIO(attachment_pdf(1))))
    w.encrypt(user_password="secret", algorithm="AES-128")
    locked = io.BytesIO()
    w.write(locked)
    with pytest.raises(RenderError):
        render(pdfs=(locked.getvalue(),))


def test_a_broken_attachment_is_a_render_error() -> None:
    with pytest.raises(RenderError):
        render(pdfs=(b"%PDF-1.4\nnot really",))


# --- hostile or incomplete input -----------------------------------------------------------------------


def word_boxes(doc: RenderedDocument, tmp_path: Path) -> list[tuple[float, float, float, float]]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    src = tmp_path / "doc.pdf"
    src.write_bytes(doc.data)
    html = subprocess.run(["pdftotext", "-bbox", str(src), "-"], check=True, capture_output=True).stdout
    found = re.findall(rb'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', html)
    return [(float(a), float(b), float(c), float(d)) for a, b, c, d in found]


def test_hostile_text_wraps_inside_the_page(tmp_path: Path) -> None:
    orders = (
        "x" * 5000,
        "Acétaminophène " * 400,
        "Emoji 😀🧪👨‍👩‍👧 漢字 — עברית العربية \u202eRLO\u202c fin",
        "contrôle\x00\x07\udcff fin",
    )
    patient = {"last_name": "O'Brien-Lévesque de la Montagne " * 4, "first_name": "Marie-Ève", "nam": None,
               "alt_id": "Mère : Josée D'Amours", "file_number": None, "dob": None, "sex": None}  # fmt: skip
    result = with_patient(sample_result(orders=orders, allergies="« pénicilline » " * 300), **patient)
    doc = render_documents(result, CONFIG, REF)[0]
    boxes = word_boxes(doc, tmp_path)
    assert boxes
    for x0, y0, x1, y1 in boxes:
        assert x0 >= 30 and x1 <= 582 and y0 >= 0 and y1 <= 792, (x0, y0, x1, y1)
    texts = page_texts(doc)
    assert all("Autre identification (sans NAM)" in t and "D'Amours" in t for t in texts)
    whole = "".join(t.replace(" ", "") for t in texts)
    assert whole.count("x") >= 5000  # nothing of the long line is lost, it is only wrapped
    assert "\ufffd" in whole  # 漢 and the emoji family are not in DejaVu Sans: replaced, not dropped silently


def test_missing_optional_fields_still_render() -> None:
    empty = Sender()
    base = sample_result(sender=empty, allergies=None, clinical_info=None, orders=())
    missing: dict[str, object] = dict.fromkeys(("last_name", "first_name", "dob", "sex", "nam", "file_number"))
    result = with_patient(base, **missing)
    doc = render_documents(result, CONFIG, REF)[0]
    (text,) = page_texts(doc)
    assert doc.pages == 1 and "N° de permis : —" in text and "Allergies : non précisées" in text


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    orders=st.lists(st.text(max_size=300), max_size=12),
    name=st.text(max_size=80),
)
def test_any_text_renders_to_a_valid_pdf(orders: list[str], name: str) -> None:
    result = with_patient(sample_result(orders=tuple(orders)), last_name=name, file_number=name)
    doc = render_documents(result, CONFIG, REF)[0]
    assert doc.pages == len(reader(doc).pages) >= 1
    assert doc.filename.endswith(".pdf") and "/" not in doc.filename


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=1, max_size=400), width=st.floats(min_value=20, max_value=500))
def test_wrapped_lines_never_exceed_their_width(text: str, width: float) -> None:
    fonts = load_fonts(RenderSection())
    line = clean(text, fonts)
    lines = wrap(line, fonts.regular, 11, width)
    widest_glyph = max((fonts.regular.width(ch, 11) for ch in line), default=0.0)
    assert all(fonts.regular.width(x, 11) <= max(width, widest_glyph) + 0.01 for x in lines)
    assert "".join(lines).replace(" ", "") == line.replace(" ", "")


def test_only_black_and_white_are_used() -> None:
    colour = re.compile(rb"(?<![\w.])((?:[\d.]+ ){1,4})(rg|RG|g|G|k|K)\b")
    for page in reader(render(pdfs=(attachment_pdf(1),))).pages:
        contents = page.get_contents()
        assert contents is not None
        for values, _op in colour.findall(contents.get_data()):
            assert {float(v) for v in values.split()} <= {0.0, 1.0}, values


def test_a_document_without_a_form_still_renders_as_a_clinical_document() -> None:
    doc = render(document=DocumentKind.OTHER_DOCUMENT, route=Route.EMAIL_INTERNAL, orders=("Billet médical.",))
    (text,) = page_texts(doc)
    assert doc.form is None and doc.filename == "Document_771502.pdf"
    assert "DOCUMENT CLINIQUE" in text and "TÉLÉCONSULTATION" in text and "Billet médical." in text


def test_worker_threads_render_side_by_side_without_mixing_patients() -> None:
    numbers = [f"{n:06d}" for n in range(24)]

    def one(number: str) -> tuple[str, str]:
        doc = render_documents(with_patient(sample_result(), file_number=number), CONFIG, REF)[0]
        return number, page_texts(doc)[0]

    with ThreadPoolExecutor(max_workers=4) as pool:
        for number, text in pool.map(one, numbers):
            assert f"N° de dossier {number}" in text


def test_configured_fonts_are_used(tmp_path: Path) -> None:
    regular, bold = tmp_path / "Reg.ttf", tmp_path / "Gras.ttf"
    regular.write_bytes(shipped_font("DejaVuSans.ttf").read_bytes())
    bold.write_bytes(shipped_font("DejaVuSans-Bold.ttf").read_bytes())
    config = Config(render=RenderSection(font_regular=regular, font_bold=bold))
    doc = render_documents(sample_result(), config, REF)[0]
    assert "NGXL79593019" in page_texts(doc)[0]
    chosen, default = load_fonts(config.render), load_fonts(RenderSection())
    assert chosen.regular.name != default.regular.name and "Gras" in chosen.bold.name


def test_every_font_on_the_form_is_embedded() -> None:
    doc = render(orders=("Acétaminophène 500 mg « au besoin » œdème",))
    fonts = reader(doc).pages[0]["/Resources"]["/Font"]  # type: ignore[index]
    for ref in fonts.values():
        font = ref.get_object()
        assert "/FontFile2" in font["/FontDescriptor"].get_object(), font["/BaseFont"]


# --- embedding from cached font programs ---------------------------------------------------------------

FONTS = load_fonts(RenderSection())


def embedded(face: Face) -> EmbeddedTTFont:
    font = pdfmetrics.getFont(face.name)
    assert isinstance(font, EmbeddedTTFont)
    return font


def test_characters_outside_the_cached_ascii_base_are_drawn_and_extracted() -> None:
    rare = ("Gaëtan Ŋgata — Ω Ж ½ € ŀ", "Œdème « réévaluer » 😀")
    text = squash(" ".join(page_texts(render(orders=rare))))
    for line in rare:
        assert squash(line) in text, line


def test_characters_beyond_the_first_256_codes_are_drawn_and_extracted() -> None:
    many = "".join(chr(c) for c in range(0x100, 0x250) if FONTS.has(c))
    assert len(many) > 300  # more than one subset: reportlab puts 256 codes in each
    chunks = tuple(many[i : i + 30] for i in range(0, len(many), 30))
    doc = render(orders=chunks)
    text = " ".join(page_texts(doc))
    assert all(chunk in text for chunk in chunks)
    assert len(reader(doc).pages[0]["/Resources"]["/Font"]) >= 3  # type: ignore[index]


def test_documents_rendered_one_after_another_each_extract_their_own_text() -> None:
    first, second = "Zoé Ærøskøbing ŧ", "Ĳsselmeer Ŋguyen ő"
    a, b = render(orders=(first,)), render(orders=(second,))
    (text_a,), (text_b,) = page_texts(a), page_texts(b)
    assert first in text_a and second not in text_a and "Ĳ" not in text_a
    assert second in text_b and first not in text_b and "Æ" not in text_b


def test_worker_threads_with_uncommon_letters_get_their_own_glyphs() -> None:
    letters = [chr(c) for c in range(0x100, 0x180) if FONTS.has(c)][:24]

    def one(letter: str) -> tuple[str, str]:
        doc = render_documents(with_patient(sample_result(), first_name=f"Lan{letter}"), CONFIG, REF)[0]
        return letter, page_texts(doc)[0]

    with ThreadPoolExecutor(max_workers=4) as pool:
        for letter, text in pool.map(one, letters):
            assert f"Prénom Lan{letter}" in text
            assert not any(f"Lan{other}" in text for other in letters if other != letter)


def _glyph_table(program: bytes) -> dict[int, tuple[object, tuple[int, int]]]:
    """Character code → (outline, with composites resolved; advance and side bearing) of a font program."""
    font = TTFontParser(io.BytesIO(program), validate=1)  # checks every table checksum and the whole file's

    def table(tag: str) -> bytes:
        offset, length = font.get_table_pos(tag)
        return program[offset : offset + length]

    glyphs = struct.unpack_from(">H", table("maxp"), 4)[0]
    long_loca = struct.unpack_from(">h", table("head"), 50)[0]
    loca = struct.unpack_from(f">{glyphs + 1}{'L' if long_loca else 'H'}", table("loca"))
    starts = [o if long_loca else o * 2 for o in loca]
    glyf, hmtx = table("glyf"), table("hmtx")
    full = struct.unpack_from(">H", table("hhea"), 34)[0]

    def outline(gid: int) -> object:
        data = glyf[starts[gid] : starts[gid + 1]]
        if len(data) <= 2 or struct.unpack_from(">h", data)[0] >= 0:
            return data
        parts, at, flags, buf = [], 10, 0x20, bytearray(data)
        while flags & 0x20:
            flags, comp = struct.unpack_from(">HH", data, at)
            parts.append(outline(comp))
            struct.pack_into(">H", buf, at + 2, 0)
            at += 4 + (4 if flags & 1 else 2) + (2 if flags & 8 else 4 if flags & 0x40 else 8 if flags & 0x80 else 0)
        return bytes(buf), tuple(parts)

    def metrics(gid: int) -> tuple[int, int]:
        advance = struct.unpack_from(">H", hmtx, 4 * min(gid, full - 1))[0]
        side_bearing_at = 4 * gid + 2 if gid < full else 4 * full + 2 * (gid - full)
        return advance, struct.unpack_from(">H", hmtx, side_bearing_at)[0]

    cmap = table("cmap")
    ids = struct.unpack_from(f">{struct.unpack_from('>H', cmap, 20)[0]}H", cmap, 22)
    return {code: (outline(gid), metrics(gid)) for code, gid in enumerate(ids)}


@pytest.mark.parametrize("face", ["regular", "bold"])
@pytest.mark.parametrize(
    "subset",
    [
        [0, *map(ord, "éÉàçœ—«»’ŋ😀€"), *[0] * 19, *range(32, 128)],  # a first subset, as reportlab fills it
        [0, *range(0x400, 0x41F), 32, *range(0x41F, 0x470)],  # a later one: code 32 is always the space
        [0, *range(0x20, 0x40), 0x1E9E, 0x2030],  # fewer ASCII characters: another base
    ],
)
def test_font_programs_hold_exactly_the_glyphs_reportlab_would_embed(face: str, subset: list[int]) -> None:
    font = embedded(getattr(FONTS, face))
    program, length = font.builder.font_program(subset)
    ours = zlib.decompress(program)
    assert len(ours) == length
    theirs = font.face.makeSubset(subset)
    assert _glyph_table(ours) == _glyph_table(theirs)
    assert len(program) <= len(zlib.compress(theirs)) + 64  # never meaningfully larger than reportlab's


def test_the_font_program_cache_is_bounded_and_keyed_by_ascii_only() -> None:
    builder = SubsetBuilder(embedded(FONTS.regular).face)  # a fresh one: the process's is in use
    for n in range(CACHE_SIZE * 3):
        builder.font_program([0, *range(0x20, 0x21 + n), 0xE9])
        assert len(builder.cached_keys()) <= CACHE_SIZE
    render(orders=("Ærø ŋ 😀 Ж",), pdfs=(attachment_pdf(1),))
    for face in (FONTS.regular, FONTS.bold):
        keys = embedded(face).builder.cached_keys()
        assert 1 <= len(keys) <= CACHE_SIZE and all(key <= BASE_CHARS for key in keys)


def test_the_embedded_program_lengths_are_declared() -> None:
    for ref in reader(render()).pages[0]["/Resources"]["/Font"].values():  # type: ignore[index]
        program = ref.get_object()["/FontDescriptor"].get_object()["/FontFile2"].get_object()
        assert program["/Length1"] == len(program.get_data())


def test_a_standard_prescription_is_smaller_than_reportlabs_own_embedding() -> None:
    assert len(render().data) < 45_500  # 46.8 KB when reportlab subset and deflated the faces itself


def test_text_is_written_as_reportlabs_draw_string_writes_it() -> None:
    font = embedded(FONTS.regular)
    texts = ["Ordonnance", "Acétaminophène « 500 mg » — œdème", "".join(chr(c) for c in range(0x100, 0x230)), "x"]

    def canvas() -> Canvas:
        return Canvas(io.BytesIO(), initialFontName=font.fontName)

    theirs, ours = canvas(), canvas()
    for i, text in enumerate(texts):
        size, x, y = 8 + i * 1.5, 36.0 + i, 700.25 - i * 13
        theirs.setFont(font.fontName, size)
        theirs.drawString(x, y, text)
        theirs.drawRightString(x + 400, y, text)
        theirs.drawCentredString(x + 200, y, text)
        draw_string(ours, font, size, x, y, text)
        draw_right_string(ours, font, size, x + 400, y, text)
        draw_centred_string(ours, font, size, x + 200, y, text)
    assert ours._code == theirs._code


def test_tounicode_maps_ranges_within_256_characters_and_pairs_beyond_the_bmp() -> None:
    subset = [0, 0xE9, 0x1F600, *[0] * 29, *range(32, 128), 0x1FE, 0x1FF, 0x200, 0x201]
    cmap = to_unicode_cmap("AAAAAA+X", subset).decode("ascii")
    assert "<20> <7F> <0020>" in cmap and "<01> <00E9>" in cmap and "<02> <D83DDE00>" in cmap
    assert "<80> <81> <01FE>" in cmap and "<82> <83> <0200>" in cmap  # not one range across U+01FF/U+0200
    assert "<00> <" not in cmap.split("endcodespacerange")[1]  # codes never drawn are not mapped


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_cleaning_plain_text_in_one_pass_is_cleaning_it_character_by_character(text: str) -> None:
    slow = FontPair(FONTS.regular, FONTS.bold)  # no plain characters: always the character loop
    assert clean(text, FONTS) == clean(text, slow)
    assert clean(text + " é  e\u00a0x ", FONTS) == clean(text + " é  e\u00a0x ", slow)


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=1, max_size=200), width=st.floats(min_value=5, max_value=600))
def test_a_line_that_fits_wraps_as_the_word_by_word_loop_wraps_it(text: str, width: float) -> None:
    line = clean(text, FONTS)
    for indent in (0.0, -14.0, 30.0):
        expected = greedy_wrap(line, FONTS.regular, 11, width, indent) if line else [""]
        assert wrap(line, FONTS.regular, 11, width, indent) == expected


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=70_000))
def test_small_windows_deflate_as_zlib_does(data: bytes) -> None:
    ours = flate.compress(data)
    assert zlib.decompress(ours) == data
    assert ours[2:] == zlib.compress(data)[2:]  # same deflate stream and checksum; the header names the window


@settings(max_examples=100, deadline=None)
@given(parts=st.lists(st.binary(max_size=5000), min_size=1, max_size=4))
def test_deflate_segments_join_into_one_stream(parts: list[bytes]) -> None:
    body = b"".join(flate.segment(p, last=i == len(parts) - 1, blocks=(len(p) // 2,)) for i, p in enumerate(parts))
    assert zlib.decompress(body, -15) == b"".join(parts)
    whole = zlib.adler32(parts[0])
    for part in parts[1:]:
        whole = adler32_combine(whole, zlib.adler32(part), len(part))
    assert whole == zlib.adler32(b"".join(parts))
