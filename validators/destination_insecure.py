"""DESTINATION_INSECURE — no clinical information to Gmail, Hotmail or other non-network addresses, except
to the patient, with consent; professionals without a secure address get a fax."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext


class DestinationInsecure(Rule):
    code = "DESTINATION_INSECURE"
    severity = Severity.ERROR
    field = "to"
    description = "Clinical information to a non-network address not declared as the patient's."
    message_fr = (
        "Cette adresse n'est pas une adresse sécurisée du réseau. Si elle est celle de l'usager, écrivez "
        "« Destinataire : usager » et son consentement; sinon, envoyez par télécopie."
    )
    message_en = (
        "This address is not a secure network address. If it is the patient's, write «Destinataire : usager» "
        "and the consent; otherwise send by fax."
    )

    def violated(self, ctx: RuleContext) -> bool:
        return ctx.to_personal_mailbox and not ctx.extracted.addressed_to_patient
