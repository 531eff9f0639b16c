"""Rendering: an accepted CheckResult becomes the provincial form (AH-251 or AH-253) as a locked PDF.

The public surface is `render_documents` and `RenderedDocument`; `job_ref_for` names a job. The modules
behind it split the work: `content` says what the form shows (in French), `layout` places and draws it,
`lock` appends the attached PDFs, stamps them and locks the file, `text` and `fonts` make arbitrary
e-mail text safe to draw. One PDF is produced per message; the archives copy is the same document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pypdf import PdfReader

from gateway.config import Config
from gateway.errors import RenderError
from gateway.models import CheckResult, FileKind, Form, Route
from gateway.render.aes import AesV2Encryption
from gateway.render.content import FormContent, build_content
from gateway.render.fonts import FontPair, load_fonts
from gateway.render.jobref import job_ref_for
from gateway.render.layout import draw, lay_out
from gateway.render.lock import PERMISSIONS, assemble, open_attachment

__all__ = ["RenderedDocument", "job_ref_for", "render_documents"]

_PURPOSE = {
    Route.FAX: "fax",
    Route.EMAIL_INTERNAL: "email",
    Route.EMAIL_ENCRYPTED: "email",
    Route.ARCHIVES: "archives",
}


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    filename: str  # e.g. "Ordonnances médicales_087231.pdf"
    data: bytes  # the locked PDF
    pages: int
    purpose: str  # "fax" | "email" | "archives"
    form: Form | None


def file_name(content: FormContent, file_number: str | None) -> str:
    """«<form title>_<file number>.pdf», as the guide names it; the job reference when there is no number."""
    number = re.sub(r"[^0-9A-Za-z-]", "", file_number or "")[:40]
    return f"{content.spec.file_title}_{number or content.job_ref}.pdf"


def _attachments(result: CheckResult) -> list[PdfReader]:
    pdfs = [a.data for a in result.message.attachments if a.kind is FileKind.PDF]
    return [open_attachment(data, i) for i, data in enumerate(pdfs, start=1)]


def _metadata(content: FormContent, file_number: str | None, result: CheckResult, job_ref: str) -> dict[str, str]:
    s = result.extracted.sender
    author = " ".join(v for v in (s.first_name, s.last_name) if v) or "ordofax"
    title = file_name(content, file_number).removesuffix(".pdf")
    return {
        "Title": title,
        "Author": author,
        "Subject": f"{content.spec.code} — TÉLÉCONSULTATION — {job_ref}",
        "Creator": "ordofax",
        "Producer": "ordofax",
    }


def render_pdf(
    result: CheckResult, config: Config, job_ref: str, fonts: FontPair | None = None
) -> tuple[str, bytes, int]:
    """(file name, locked PDF, page count) for an accepted result."""
    fonts = fonts or load_fonts(config.render)
    content = build_content(result, config, fonts, job_ref)
    attachments = _attachments(result)
    laid = lay_out(content, fonts)
    form_pages = len(laid.pages)
    total = form_pages + sum(len(r.pages) for r in attachments)
    number = result.extracted.patient.file_number
    meta = _metadata(content, number, result, job_ref)
    if attachments:
        draft = draw(laid, fonts, total, meta)
        data = assemble(draft, form_pages, attachments, fonts, job_ref, meta)
    else:
        data = draw(laid, fonts, total, meta, AesV2Encryption(int(PERMISSIONS)))
    return file_name(content, number), data, total


def render_documents(result: CheckResult, config: Config, job_ref: str) -> list[RenderedDocument]:
    """The documents an accepted result is relayed as: the route's document, then the archives copy.

    Raises RenderError for a rejected result, one with no route, or an attachment that cannot be read.
    """
    if not result.accepted:
        raise RenderError(f"job {job_ref}: a rejected message is not rendered")
    if result.route is None:
        raise RenderError(f"job {job_ref}: an accepted message has no route")
    name, data, pages = render_pdf(result, config, job_ref)
    archives = RenderedDocument(name, data, pages, "archives", result.form)
    if result.route is Route.ARCHIVES:
        return [archives]
    return [RenderedDocument(name, data, pages, _PURPOSE[result.route], result.form), archives]
