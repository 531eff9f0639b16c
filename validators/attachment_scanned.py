"""ATTACHMENT_SCANNED — «Les ordonnances manuscrites numérisées sont aussi à proscrire»: a page with no
text layer is a scan."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext


class AttachmentScanned(Rule):
    code = "ATTACHMENT_SCANNED"
    severity = Severity.ERROR
    field = "attachments"
    description = "A PDF with a page that has no text layer (a scan)."
    message_fr = (
        "Le PDF joint est une numérisation (page sans texte). Les ordonnances manuscrites numérisées sont "
        "interdites : écrivez l'ordonnance dans le courriel ou joignez un PDF produit par un outil numérique."
    )
    message_en = (
        "The attached PDF is a scan. Scanned handwritten prescriptions are banned: write it or attach a digital PDF."
    )

    def violated(self, ctx: RuleContext) -> bool:
        return any(a.pdf and not a.pdf.unreadable and a.pdf.pages_without_text > 0 for a in ctx.pdfs())
