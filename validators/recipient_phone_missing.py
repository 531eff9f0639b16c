"""RECIPIENT_PHONE_MISSING — the body must give the recipient's phone number."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import MissingValueRule, RuleContext


class RecipientPhoneMissing(MissingValueRule):
    code = "RECIPIENT_PHONE_MISSING"
    severity = Severity.ERROR
    field = "recipient.phone"
    fax_only = True
    description = "Fax route: no recipient phone number in the body."
    message_fr = "Ajoutez le numéro de téléphone du destinataire, p. ex. « Tél : 514 555-0151 »."
    message_en = "Add the recipient's phone number, e.g. «Tél : 514 555-0151»."

    def value(self, ctx: RuleContext) -> object:
        return ctx.extracted.recipient.phone_raw
