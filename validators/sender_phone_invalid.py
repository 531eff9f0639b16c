"""SENDER_PHONE_INVALID — a pharmacist must be able to call back: the number must be dialable."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext


class SenderPhoneInvalid(Rule):
    code = "SENDER_PHONE_INVALID"
    severity = Severity.ERROR
    field = "sender.phone"
    description = "The prescriber's phone number is not a valid North American number."
    message_fr = (
        "Le numéro de téléphone de la signature n'est pas un numéro valide. "
        "Écrivez les 10 chiffres, p. ex. « 514 555-0123 »."
    )
    message_en = "The signature's phone number is not valid. Write the 10 digits, e.g. «514 555-0123»."

    def violated(self, ctx: RuleContext) -> bool:
        sender = ctx.extracted.sender
        return bool(sender.phone_raw) and sender.phone is None
