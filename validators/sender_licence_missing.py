"""SENDER_LICENCE_MISSING — the licence (permit or prescriber) number is part of the signature."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import MissingValueRule, RuleContext


class SenderLicenceMissing(MissingValueRule):
    code = "SENDER_LICENCE_MISSING"
    severity = Severity.ERROR
    field = "sender.licence"
    description = "No licence / permit / prescriber number."
    message_fr = "Ajoutez votre numéro de permis à la signature, p. ex. « #Lic 12345 »."
    message_en = "Add your licence number to the signature, e.g. «#Lic 12345»."

    def value(self, ctx: RuleContext) -> object:
        return ctx.extracted.sender.licence
