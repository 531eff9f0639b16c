"""SENDER_PHONE_MISSING — «téléphone où il peut être rejoint par le destinataire de la télécopie»."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import MissingValueRule, RuleContext


class SenderPhoneMissing(MissingValueRule):
    code = "SENDER_PHONE_MISSING"
    severity = Severity.ERROR
    field = "sender.phone"
    description = "No phone number where the prescriber can be reached."
    message_fr = "Ajoutez à la signature un numéro où le destinataire peut vous joindre, p. ex. « Tél : 514 555-0123 »."
    message_en = "Add a phone number where the recipient can reach you, e.g. «Tél : 514 555-0123»."

    def value(self, ctx: RuleContext) -> object:
        return ctx.extracted.sender.phone_raw
