"""RECIPIENT_NAME_MISSING — «Coordonnées du destinataire (nom, télécopieur, téléphone)» in the body."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import MissingValueRule, RuleContext


class RecipientNameMissing(MissingValueRule):
    code = "RECIPIENT_NAME_MISSING"
    severity = Severity.ERROR
    field = "recipient.name"
    fax_only = True
    description = "Fax route: no recipient name in the body."
    message_fr = "Ajoutez le nom du destinataire au début du message, p. ex. « Pharmacie Auxbonsoins »."
    message_en = "Add the recipient's name at the top of the message, e.g. «Pharmacie Auxbonsoins»."

    def value(self, ctx: RuleContext) -> object:
        return ctx.extracted.recipient.name
