"""RECIPIENT_NONE — a message must name its one destination."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext


class RecipientNone(Rule):
    code = "RECIPIENT_NONE"
    severity = Severity.ERROR
    field = "to"
    description = "No destination at all."
    message_fr = (
        "Aucun destinataire. Inscrivez dans « À » le numéro de télécopieur (p. ex. 5145550150@domaine) "
        "ou l'adresse du destinataire."
    )
    message_en = "No recipient. Put the fax number (e.g. 5145550150@domain) or the address in To."

    def violated(self, ctx: RuleContext) -> bool:
        return ctx.destination.route is None
