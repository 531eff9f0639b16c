"""DRUG_RX_TO_PATIENT — «Aucune ordonnance de médicament ne doit être transmise directement à un usager.»"""

from __future__ import annotations

from gateway.models import DocumentKind, Finding, Severity
from validators.base import Rule, RuleContext


class DrugRxToPatient(Rule):
    code = "DRUG_RX_TO_PATIENT"
    severity = Severity.ERROR
    field = "to"
    description = "A drug prescription addressed to a patient (personal mailbox)."
    message_fr = (
        "Aucune ordonnance de médicament ne doit être transmise directement à un usager. "
        "Envoyez-la par télécopie à la pharmacie choisie par l'usager (numéro@{domain})."
    )
    message_en = "A drug prescription must never go to the patient. Fax it to the patient's pharmacy."

    def check(self, ctx: RuleContext) -> list[Finding]:
        if ctx.document is DocumentKind.DRUG_RX and ctx.to_personal_mailbox:
            return [self.finding(domain=ctx.config.gateway.fax_domain)]
        return []
