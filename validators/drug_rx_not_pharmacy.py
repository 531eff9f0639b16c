"""DRUG_RX_NOT_PHARMACY — «Le seul destinataire autorisé pour une ordonnance de médicament est une pharmacie.»"""

from __future__ import annotations

from gateway.models import DocumentKind, Severity
from validators.base import Rule, RuleContext


class DrugRxNotPharmacy(Rule):
    code = "DRUG_RX_NOT_PHARMACY"
    severity = Severity.ERROR
    field = "to"
    description = "A drug prescription faxed to a number the directory lists as something other than a pharmacy."
    message_fr = (
        "Ce numéro n'est pas celui d'une pharmacie selon le bottin. "
        "Une ordonnance de médicament ne peut être télécopiée qu'à une pharmacie."
    )
    message_en = "This number is not a pharmacy's in the directory. A drug prescription may only go to a pharmacy."

    def violated(self, ctx: RuleContext) -> bool:
        entry = ctx.destination.directory_entry
        return ctx.document is DocumentKind.DRUG_RX and entry is not None and entry.kind != "pharmacy"
