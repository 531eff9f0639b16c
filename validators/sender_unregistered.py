"""SENDER_UNREGISTERED — only prescribers enrolled in the cloud-fax service may use it."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext


class SenderUnregistered(Rule):
    code = "SENDER_UNREGISTERED"
    severity = Severity.ERROR
    field = "from"
    description = "When registered senders are configured, From must be one of them."
    message_fr = (
        "Votre adresse n'est pas inscrite au service de télécopie infonuagique. "
        "Remplissez le formulaire d'inscription, puis renvoyez le message."
    )
    message_en = "Your address is not enrolled in the cloud-fax service. Enrol, then send the message again."

    def violated(self, ctx: RuleContext) -> bool:
        return ctx.senders_configured and ctx.registered is None
