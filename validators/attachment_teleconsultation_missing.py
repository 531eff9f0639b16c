"""ATTACHMENT_TELECONSULTATION_MISSING — «Dans le corps du formulaire, inscrire la mention TÉLÉCONSULTATION»."""

from __future__ import annotations

from gateway.extract.labels import TELECONSULTATION
from gateway.extract.text import fold
from gateway.models import Severity
from validators.base import Rule, RuleContext


class AttachmentTeleconsultationMissing(Rule):
    code = "ATTACHMENT_TELECONSULTATION_MISSING"
    severity = Severity.WARNING
    field = "attachments"
    description = "An attached form lacks the mention TÉLÉCONSULTATION."
    message_fr = "Le formulaire joint ne porte pas la mention TÉLÉCONSULTATION; ajoutez-la dans le corps du formulaire."
    message_en = "The attached form lacks the mention TÉLÉCONSULTATION; add it in the form's body."

    def violated(self, ctx: RuleContext) -> bool:
        return any(
            a.pdf and not a.pdf.unreadable and a.pdf.text.strip() and not TELECONSULTATION.search(fold(a.pdf.text))
            for a in ctx.pdfs()
        )
