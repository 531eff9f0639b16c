"""CLINICAL_INFO_ABSENT — the guide encourages allergy and therapeutic-intent information on drug orders."""

from __future__ import annotations

from gateway.models import DocumentKind, Severity
from validators.base import Rule, RuleContext


class ClinicalInfoAbsent(Rule):
    code = "CLINICAL_INFO_ABSENT"
    severity = Severity.INFO
    field = "orders"
    description = "No allergy or therapeutic-intent information (the guide encourages it)."
    message_fr = "Indiquer les allergies et l'intention thérapeutique évite au pharmacien de vous rappeler."
    message_en = "Stating allergies and the therapeutic intent spares the pharmacist a call."

    def violated(self, ctx: RuleContext) -> bool:
        ex = ctx.extracted
        return ctx.document is DocumentKind.DRUG_RX and not (ex.allergies or ex.clinical_info)
