"""ATTACHMENT_TOO_LARGE — the provider bills and transmits per page; limits keep faxes sane."""

from __future__ import annotations

from gateway.models import Finding, Severity
from validators.base import Rule, RuleContext


class AttachmentTooLarge(Rule):
    code = "ATTACHMENT_TOO_LARGE"
    severity = Severity.ERROR
    field = "attachments"
    description = "An attachment over the configured size or page limits, or too many attachments."
    message_fr = (
        "Pièce jointe trop volumineuse (maximum {size} Mo, {pages} pages, {count} fichiers). "
        "Réduisez le document ou scindez l'envoi."
    )
    message_en = "Attachment too large (max {size} MB, {pages} pages, {count} files). Reduce or split it."

    def check(self, ctx: RuleContext) -> list[Finding]:
        limits = ctx.config.limits
        over = bool({"attachments", "tnef_bytes"} & set(ctx.message.limit_exceeded)) or any(
            a.size > limits.max_attachment_bytes or (a.pdf is not None and a.pdf.pages > limits.max_pdf_pages)
            for a in ctx.message.attachments
        )
        if not over:
            return []
        size = f"{limits.max_attachment_bytes / 1_048_576:g}"
        return [self.finding(size=size, pages=str(limits.max_pdf_pages), count=str(limits.max_attachments))]
