"""SENDER_DOMAIN — only the secure network (RSSS) mailbox may send: the guide requires the RSSS address."""

from __future__ import annotations

from gateway.models import Severity
from gateway.routing import in_domains
from validators.base import Rule, RuleContext


class SenderDomain(Rule):
    code = "SENDER_DOMAIN"
    severity = Severity.ERROR
    field = "from"
    description = "From must be an address of a secure network domain (exact domain, no look-alikes)."
    message_fr = (
        "L'expéditeur n'est pas une adresse du réseau sécurisé (RSSS). "
        "Envoyez le message depuis votre compte Office 365 du RSSS."
    )
    message_en = "The sender is not a secure network (RSSS) address. Send from your RSSS Office 365 account."

    def violated(self, ctx: RuleContext) -> bool:
        return not in_domains(ctx.message.from_address, ctx.config.gateway.secure_domains)
