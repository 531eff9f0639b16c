"""IMAGING_RX_TO_PATIENT — imaging prescriptions go only to the imaging lab the patient chose."""

from __future__ import annotations

from gateway.models import DocumentKind, Severity
from validators.base import Rule, RuleContext


class ImagingRxToPatient(Rule):
    code = "IMAGING_RX_TO_PATIENT"
    severity = Severity.ERROR
    field = "to"
    description = "An imaging prescription addressed to a patient."
    message_fr = (
        "Aucune ordonnance d'imagerie médicale ne doit être transmise directement à un usager. "
        "Télécopiez-la au laboratoire d'imagerie choisi par l'usager."
    )
    message_en = "An imaging prescription must never go to the patient. Fax it to the imaging lab they chose."

    def violated(self, ctx: RuleContext) -> bool:
        return ctx.document is DocumentKind.IMAGING_RX and ctx.to_personal_mailbox
