"""RECIPIENT_MULTIPLE — «L'envoi d'une ordonnance de médicament ne doit viser qu'un seul destinataire.»"""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext


class RecipientMultiple(Rule):
    code = "RECIPIENT_MULTIPLE"
    severity = Severity.ERROR
    field = "to"
    description = "More than one destination (To, plus any Cc that is not the archives)."
    message_fr = (
        "Le message vise plus d'un destinataire. Envoyez un message distinct à un seul destinataire; "
        "seules les archives médicales peuvent être en copie conforme."
    )
    message_en = "More than one recipient. Send one message per recipient; only the archives may be in Cc."

    def violated(self, ctx: RuleContext) -> bool:
        return len(ctx.destination.all_destinations) > 1
