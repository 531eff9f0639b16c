"""SENDER_NAME_MISSING — «Coordonnées de l'expéditeur (nom, prénom, …)»: the signature is the sender's details."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext


class SenderNameMissing(Rule):
    code = "SENDER_NAME_MISSING"
    severity = Severity.ERROR
    field = "sender.name"
    description = "No prescriber last and first name in the body."
    message_fr = "Signez le message de vos nom et prénom, p. ex. « Dre Sophie Gagnon »."
    message_en = "Sign the message with your first and last name, e.g. «Dre Sophie Gagnon»."

    def violated(self, ctx: RuleContext) -> bool:
        sender = ctx.extracted.sender
        return not (sender.last_name and sender.first_name)
