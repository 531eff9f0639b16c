"""SENDER_SPOOFED — a trusted receiving server says the From domain failed SPF, DKIM or DMARC."""

from __future__ import annotations

from gateway.models import Severity
from gateway.routing import domain_of
from validators.base import Rule, RuleContext


class SenderSpoofed(Rule):
    code = "SENDER_SPOOFED"
    severity = Severity.ERROR
    field = "from"
    description = "A trusted Authentication-Results header reports spf, dkim or dmarc=fail for the From domain."
    message_fr = (
        "Le message n'a pas passé l'authentification de l'expéditeur (SPF/DKIM/DMARC). "
        "Envoyez-le directement depuis Outlook avec votre compte du RSSS, sans redirection."
    )
    message_en = "The message failed sender authentication (SPF/DKIM/DMARC). Send it directly from Outlook."

    def violated(self, ctx: RuleContext) -> bool:
        sender = ctx.message.from_address
        if not sender:
            return False
        domain = domain_of(sender)
        for result in ctx.message.auth_results:
            if result.result != "fail":
                continue
            if result.domain is None or result.domain == domain or domain.endswith("." + result.domain):
                return True
        return False
