"""A small builder of realistic prescriber e-mails (.eml bytes) for the rule and extraction tests.

The default `Msg()` is a valid drug prescription from an enrolled physician of the shared corpus to a
pharmacy fax of its directory, archives in Cc. Every part a prescriber writes is a knob: the envelope
(From/To/Cc/Subject/extra headers), each body section (greeting, recipient block, patient, orders,
signature, closing), the body format (plain text or Outlook HTML with MsoNormal paragraphs, &nbsp; and a
signature table holding a cid: logo), the charset and transfer encoding, and attachments (text PDF,
image-only PDF, encrypted PDF, JPEG, DOCX, ZIP) built in memory. Tests vary one knob with
`dataclasses.replace` and judge the bytes with the real `check_bytes`, in-process.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import quopri
import zipfile
from dataclasses import dataclass, field
from email.header import Header
from email.utils import formataddr, getaddresses
from functools import cache
from pathlib import Path

from gateway.config import Config, load_config
from gateway.models import CheckResult
from gateway.pipeline import CheckContext, check_bytes

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
TODAY = dt.date(2026, 12, 2)

# The enrolled senders and directory numbers of the shared corpus (config.toml, senders.csv, directory.csv).
NGUYEN = "Julie Nguyen <julie.nguyen.med@ssss.gouv.qc.ca>"
GAGNON = '"Gagnon, Sophie (CIUSSS)" <sophie.gagnon.med@ssss.gouv.qc.ca>'
OUELLET = "Marc Ouellet <marc.ouellet.med@ssss.gouv.qc.ca>"
LEVESQUE = "Karine Lévesque <karine.levesque.ips@ssss.gouv.qc.ca>"
ARCHIVES = "archives.hmr@ssss.gouv.qc.ca"
FAX_DOMAIN = "telecopie.example.org"
LAFLEUR_FAX = f"8195550190@{FAX_DOMAIN}"  # Pharmacie Lafleur et Gendron, pharmacy
PARC_FAX = f"4505550160@{FAX_DOMAIN}"  # Pharmacie du Parc, pharmacy
AUXBONSOINS_FAX = f"5145550150@{FAX_DOMAIN}"  # Pharmacie Auxbonsoins, pharmacy
RADIO_FAX = f"5145550170@{FAX_DOMAIN}"  # Clinique de radiologie Saint-Denis, imaging
LAB_FAX = f"4185550180@{FAX_DOMAIN}"  # Laboratoire Biomed Québec, lab

RECIPIENT = "Pharmacie Lafleur et Gendron\nTél : 819 555-0191\nTélécopieur : 819 555-0190"
PATIENT = (
    "Ordonnance pour Mme Lan Ng, née le 30 septembre 1979.\n"
    "NAM : NGXL 7959 3019\n"
    "Numéro de dossier : 771502\n"
    "Allergies : aucune connue"
)
ORDERS = "Ramipril 5 mg 1 co po DIE, 90 co, Ren 3"
SIGNATURE = "Julie Nguyen, MD — permis 21504 — joignable au 819-555-0177"


@dataclass(frozen=True)
class Part:
    """One MIME leaf to attach: bytes, declared type, file name, and (for inline images) a Content-ID."""

    data: bytes
    ctype: str = "application/pdf"
    filename: str | None = "Ordonnances médicales_771502.pdf"
    cid: str | None = None


@dataclass(frozen=True)
class Msg:
    from_: str | None = NGUYEN
    to: str | None = LAFLEUR_FAX
    cc: str | None = ARCHIVES
    subject: str = "Ordonnance"
    headers: tuple[tuple[str, str], ...] = ()
    greeting: str = "Bonjour,"
    recipient: str = RECIPIENT
    patient: str = PATIENT
    orders: str = ORDERS
    signature: str = SIGNATURE
    closing: str = ""  # after the signature: disclaimer, quoted history…
    body: str | None = None  # the whole body, replacing the sections
    html: bool = False
    html_body: str | None = None  # an HTML-only body, as written (no plain-text alternative)
    logo_cid: str | None = None  # HTML only: a signature table with <img src="cid:…"> and the image part
    charset: str = "utf-8"
    cte: str = "quoted-printable"  # or "base64", "8bit"
    attachments: tuple[Part, ...] = field(default_factory=tuple)
    message_id: str = "<test-0001@ssss.gouv.qc.ca>"

    def text(self) -> str:
        if self.body is not None:
            return self.body
        sections = (self.greeting, self.recipient, self.patient, self.orders, self.signature, self.closing)
        return "\n\n".join(s for s in sections if s) + "\n"

    def build(self) -> bytes:
        return build(self)


def _address_header(value: str) -> str:
    if value.isascii():
        return value
    return ", ".join(formataddr((name, addr), charset="utf-8") for name, addr in getaddresses([value]))


def _encode(data: bytes, cte: str) -> bytes:
    if cte == "quoted-printable":
        return quopri.encodestring(data)
    if cte == "base64":
        return base64.encodebytes(data)
    return data


def _leaf(ctype: str, data: bytes, *, charset: str | None = None, cte: str = "base64", extra: str = "") -> bytes:
    head = f"Content-Type: {ctype}" + (f'; charset="{charset}"' if charset else "") + "\n"
    head += f"Content-Transfer-Encoding: {cte}\n{extra}"
    return head.encode("ascii") + b"\n" + _encode(data, cte)


def _attachment(part: Part) -> bytes:
    extra = ""
    if part.filename is not None:
        name = part.filename
        if not name.isascii():
            name = Header(name, "utf-8").encode()
        ctype = f'{part.ctype}; name="{name}"'
        disposition = "inline" if part.cid else "attachment"
        extra += f'Content-Disposition: {disposition}; filename="{name}"\n'
    else:
        ctype = part.ctype
    if part.cid:
        extra += f"Content-ID: <{part.cid}>\n"
    return _leaf(ctype, part.data, cte="base64", extra=extra)


def _multipart(subtype: str, parts: list[bytes], boundary: str) -> bytes:
    out = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\n'.encode()
    for p in parts:
        out += f"--{boundary}\n".encode() + p + b"\n"
    return out + f"--{boundary}--\n".encode()


def outlook_html(msg: Msg) -> str:
    """The body as Outlook writes it: one MsoNormal paragraph a line, &nbsp; paragraphs for blank lines,
    the signature in a table beside the logo when there is one."""

    def para(line: str) -> str:
        if not line.strip():
            return "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
        escaped = html.escape(line, quote=False).replace(" : ", "&nbsp;: ")
        return f"<p class=MsoNormal>{escaped}<o:p></o:p></p>"

    text = msg.text()
    body_lines = text.split("\n")
    sig_html = ""
    if msg.body is None and msg.logo_cid and msg.signature:
        sections = (msg.greeting, msg.recipient, msg.patient, msg.orders)
        body_lines = [*"\n\n".join(s for s in sections if s).split("\n"), ""]
        rows = "".join(para(line) for line in msg.signature.split("\n"))
        sig_html = (
            f'<table class=MsoNormalTable><tr><td><img width=80 src="cid:{msg.logo_cid}" alt="logo"></td>'
            f"<td>{rows}</td></tr></table>"
        )
        if msg.closing:
            sig_html += "".join(para(line) for line in ("", *msg.closing.split("\n")))
    paragraphs = "\n".join(para(line) for line in body_lines)
    return (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
        f'<meta http-equiv=Content-Type content="text/html; charset={msg.charset}">'
        "<style><!-- p.MsoNormal {margin:0cm; font-family:Calibri} --></style></head>"
        f"<body lang=FR-CA><div class=WordSection1>\n{paragraphs}\n{sig_html}\n</div></body></html>"
    )


def build(msg: Msg) -> bytes:
    headers = []
    if msg.from_ is not None:
        headers.append(f"From: {_address_header(msg.from_)}")
    if msg.to is not None:
        headers.append(f"To: {_address_header(msg.to)}")
    if msg.cc is not None:
        headers.append(f"Cc: {_address_header(msg.cc)}")
    subject = msg.subject if msg.subject.isascii() else Header(msg.subject, "utf-8").encode()
    headers += [
        f"Subject: {subject}",
        "Date: Wed, 02 Dec 2026 09:13:00 -0500",
        f"Message-ID: {msg.message_id}",
        "MIME-Version: 1.0",
    ]
    headers += [f"{k}: {v}" for k, v in msg.headers]
    text = msg.text()
    if msg.html_body is not None:
        body = _leaf("text/html", msg.html_body.encode(msg.charset), charset=msg.charset, cte=msg.cte)
        if msg.logo_cid:
            logo = Part(png_bytes(), "image/png", "image001.png", msg.logo_cid)
            body = _multipart("related", [body, _attachment(logo)], "rel-b0undary")
    elif msg.html:
        html_part = _leaf("text/html", outlook_html(msg).encode(msg.charset), charset=msg.charset, cte=msg.cte)
        plain_part = _leaf("text/plain", text.encode(msg.charset), charset=msg.charset, cte=msg.cte)
        body = _multipart("alternative", [plain_part, html_part], "alt-b0undary")
        if msg.logo_cid:
            logo = Part(png_bytes(), "image/png", "image001.png", msg.logo_cid)
            body = _multipart("related", [body, _attachment(logo)], "rel-b0undary")
    else:
        body = _leaf("text/plain", text.encode(msg.charset), charset=msg.charset, cte=msg.cte)
    if msg.attachments:
        body = _multipart("mixed", [body, *(_attachment(a) for a in msg.attachments)], "mixed-b0undary")
    return "\n".join(headers).encode("ascii") + b"\n" + body


# --- attachments, made once ------------------------------------------------------------------------------


@cache
def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 20), (0, 80, 160)).save(out, "PNG")
    return out.getvalue()


@cache
def jpeg_bytes() -> bytes:
    """A small photo-like JPEG (what a phone picture of a handwritten prescription is, in miniature)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (200, 120), (235, 230, 220))
    draw = ImageDraw.Draw(img)
    draw.line((10, 30, 190, 40), fill=(20, 20, 90), width=3)
    draw.line((10, 70, 150, 65), fill=(20, 20, 90), width=3)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return out.getvalue()


@cache
def pdf_text(
    text: str = "TÉLÉCONSULTATION\nOrdonnances médicales\nRamipril 5 mg 1 co po DIE, 90 co", pages: int = 1
) -> bytes:
    """A PDF produced by a digital tool: every page has a text layer."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=letter)
    for _ in range(pages):
        y = 720
        for line in text.split("\n"):
            c.drawString(72, y, line)
            y -= 18
        c.showPage()
    c.save()
    return out.getvalue()


@cache
def pdf_image_only() -> bytes:
    """A scanned prescription: one page that only paints an image, no text layer."""
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=letter)
    c.drawImage(ImageReader(io.BytesIO(jpeg_bytes())), 72, 400, width=400, height=240)
    c.showPage()
    c.save()
    return out.getvalue()


@cache
def pdf_encrypted() -> bytes:
    """A PDF protected by a user password (cannot be opened without it)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_text())).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@cache
def docx_bytes() -> bytes:
    """A minimal Word document (OOXML zip)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
            'main"><w:body><w:p><w:r><w:t>Ramipril 5 mg</w:t></w:r></w:p></w:body></w:document>',
        )
    return out.getvalue()


@cache
def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("ordonnance.pdf", pdf_text())
    return out.getvalue()


PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- judging ---------------------------------------------------------------------------------------------


@cache
def corpus_config() -> Config:
    return load_config(CORPUS / "config.toml")


@cache
def corpus_context() -> CheckContext:
    return CheckContext.from_config(corpus_config())


def context_with_limits(**limits: int) -> CheckContext:
    """The corpus context with some `[limits]` lowered (to reach size limits with small messages)."""
    config = corpus_config()
    changed = config.model_copy(update={"limits": config.limits.model_copy(update=limits)})
    return CheckContext.from_config(changed)


def check(msg: Msg | bytes, ctx: CheckContext | None = None) -> CheckResult:
    raw = msg if isinstance(msg, bytes) else msg.build()
    return check_bytes(raw, ctx or corpus_context(), file="test.eml", today=TODAY)


def codes(result: CheckResult) -> dict[str, str]:
    """Finding code → severity value."""
    return {f.code: f.severity.value for f in result.findings}


def nam_for(letters: str, born: dt.date, sex: str, admin: int = 1) -> str:
    """A NAM for these letters, birth date and sex whose last digit passes the circulating check."""
    from gateway.extract.nam import check_digit_ok

    month = born.month + (50 if sex == "F" else 0)
    stem = f"{letters}{born:%y}{month:02d}{born:%d}{admin}"
    for digit in range(10):
        if check_digit_ok(stem + str(digit)):
            return stem + str(digit)
    raise ValueError("no check digit fits")  # pragma: no cover


@dataclass(frozen=True)
class Case:
    """A realistic message and what a careful reader applying RULES.md expects of it."""

    name: str
    msg: Msg | bytes
    verdict: str | None  # None: not asserted (the case is about one field or code)
    route: str | None
    document: str | None
    fields: dict[str, str | None]
    present: tuple[str, ...] = ()  # codes that must be reported
    absent: tuple[str, ...] = field(default=())  # codes that must not be


def sections(*parts: str) -> str:
    return "\n\n".join(p.strip("\n") for p in parts) + "\n"


def _value(result_json: dict[str, object], key: str, critical: str | None) -> str | None:
    if key == "critical_values_phone":
        return critical
    extracted = result_json["extracted"]
    assert isinstance(extracted, dict)
    if key == "orders":
        return str(len(extracted["orders"]))
    section, name = key.split(".")
    value = extracted[section][name]
    return None if value is None else str(value)


def _same(key: str, got: str | None, expected: str | None) -> bool:
    if got is None or expected is None:
        return got == expected
    if key == "recipient.name":  # the name may carry a branch or the pharmacist's name after it
        return got.casefold().startswith(expected.casefold())
    if key.endswith("_name"):
        return got.casefold() == expected.casefold()
    return got == expected


def case_problems(case: Case) -> tuple[list[str], dict[str, str]]:
    """Every way the gateway's reading of `case` differs from the expected one, and the codes it found."""
    result = check(case.msg)
    as_json = result.as_json()
    found = codes(result)
    problems = []
    for key, expected in (("verdict", case.verdict), ("route", case.route), ("document", case.document)):
        if expected is not None and as_json[key] != expected:
            problems.append(f"{key}: {as_json[key]!r} != {expected!r}")
    for key, expected in case.fields.items():
        got = _value(as_json, key, result.extracted.critical_values_phone)
        if not _same(key, got, expected):
            problems.append(f"{key}: {got!r} != {expected!r}")
    problems += [f"missing {code}" for code in case.present if code not in found]
    problems += [f"unexpected {code}" for code in case.absent if code in found]
    return problems, found
