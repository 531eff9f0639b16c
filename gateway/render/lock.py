"""Joining the form and the attached PDFs into one fax, stamping every page, then locking the file.

The MSSS guide asks for a PDF «afin que personne ne puisse modifier votre fichier»: the result is encrypted
with a random owner password that is thrown away and no user password, so it opens anywhere, prints, and
cannot be edited by a conforming reader. Attached PDFs follow the form; each of their pages is stamped with
the job reference and its page number in the whole fax, so a receiving pharmacy can tell a page is missing.
AES-128 is used: with no user password the cipher protects nothing but the permissions, and it is four
times cheaper to set up than AES-256's hardened key derivation.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Sequence

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.constants import UserAccessPermissions
from pypdf.errors import PyPdfError
from reportlab.pdfgen.canvas import Canvas

from gateway.errors import RenderError
from gateway.render.fonts import FontPair

PERMISSIONS = UserAccessPermissions.from_dict(
    {"print": True, "print_to_representation": True, "extract_text_and_graphics": True}
)
ALGORITHM = "AES-128"
STAMP_SIZE = 10.0


def open_attachment(data: bytes, index: int) -> PdfReader:
    """A reader over an attached PDF; one that needs a password or cannot be parsed is a RenderError."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise RenderError(f"attachment {index} is password-protected")
        _ = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise RenderError(f"attachment {index} is not a readable PDF ({exc.__class__.__name__})") from None
    return reader


def _stamp_sheets(
    sizes: Sequence[tuple[float, float, float, float]], labels: Sequence[str], fonts: FontPair
) -> PdfReader:
    """One overlay page per attached page: the stamp on a white band in the lower right corner."""
    buf = io.BytesIO()
    cv = Canvas(buf, pageCompression=1, initialFontName=fonts.bold.name, initialFontSize=STAMP_SIZE)
    face = fonts.bold
    for (x0, y0, x1, y1), label in zip(sizes, labels, strict=True):
        cv.setPageSize((x1, y1))
        width = face.width(label, STAMP_SIZE)
        x = max(x0 + 6, x1 - 14 - width)
        cv.setFillColorRGB(1, 1, 1)
        cv.rect(x - 4, y0 + 8, width + 8, STAMP_SIZE + 8, stroke=0, fill=1)
        cv.setFillColorRGB(0, 0, 0)
        cv.setLineWidth(0.8)
        cv.rect(x - 4, y0 + 8, width + 8, STAMP_SIZE + 8, stroke=1, fill=0)
        cv.setFont(face.name, STAMP_SIZE)
        cv.drawString(x, y0 + 13, label)
        cv.showPage()
    cv.save()
    return PdfReader(io.BytesIO(buf.getvalue()))


def _append_upright(writer: PdfWriter, readers: Sequence[PdfReader]) -> list[PageObject]:
    """Add every attached page to the fax, turning rotated pages' content so «up» is up in the page box."""
    added: list[PageObject] = []
    for reader in readers:
        for page in reader.pages:
            new = writer.add_page(page)
            if new.rotation:
                new.transfer_rotation_to_content()
            added.append(new)
    return added


def assemble(
    form_pdf: bytes,
    form_pages: int,
    attachments: Sequence[PdfReader],
    fonts: FontPair,
    job_ref: str,
    metadata: dict[str, str],
) -> bytes:
    """The whole fax: form pages, then stamped attachment pages; encrypted, with metadata."""
    form = PdfReader(io.BytesIO(form_pdf))  # kept alive: pypdf maps copied objects by id(reader)
    writer = PdfWriter(clone_from=form)
    pages = _append_upright(writer, attachments)
    if pages:
        total = form_pages + len(pages)
        boxes = [tuple(float(v) for v in p.cropbox) for p in pages]
        labels = [f"Réf. {job_ref} — pièce jointe — Page {form_pages + i} de {total}" for i in range(1, len(pages) + 1)]
        sheets = _stamp_sheets(boxes, labels, fonts)  # type: ignore[arg-type]
        for page, sheet in zip(pages, sheets.pages, strict=True):
            page.merge_page(sheet)
        # pypdf 7 encrypts a merged page's new content stream as empty: write it out and read it back first.
        merged = io.BytesIO()
        writer.write(merged)
        form = PdfReader(merged)
        writer = PdfWriter(clone_from=form)
    writer.add_metadata({f"/{key}": value for key, value in metadata.items()})
    writer.encrypt(
        user_password="",
        owner_password=secrets.token_urlsafe(32),
        permissions_flag=PERMISSIONS,
        algorithm=ALGORITHM,
    )
    out = io.BytesIO()
    writer.write(out)
    del form
    return out.getvalue()
