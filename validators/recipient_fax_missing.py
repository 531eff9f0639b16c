"""RECIPIENT_FAX_MISSING — the body must repeat the recipient's fax number."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import MissingValueRule, RuleContext


class RecipientFaxMissing(MissingValueRule):
    code = "RECIPIENT_FAX_MISSING"
    severity = Severity.ERROR
    field = "recipient.fax"
    fax_only = True
    description = "Fax route: no recipient fax number in the body."
    message_fr = "Ajoutez le numéro de télécopieur du destinataire, p. ex. « Télécopieur : 514 555-0150 »."
    message_en = "Add the recipient's fax number, e.g. «Télécopieur : 514 555-0150»."

    def value(self, ctx: RuleContext) -> object:
        return ctx.extracted.recipient.fax_raw
