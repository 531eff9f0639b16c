"""PATIENT_NAM_INVALID — a NAM is 4 letters and 8 digits encoding a real date of birth."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext


class PatientNamInvalid(Rule):
    code = "PATIENT_NAM_INVALID"
    severity = Severity.ERROR
    field = "patient.nam"
    description = "A NAM that is not 4 letters + 8 digits, or whose encoded date does not exist."
    message_fr = (
        "Le NAM n'est pas valide : il compte 4 lettres et 8 chiffres, p. ex. « TREM 6553 0512 ». "
        "Vérifiez-le sur la carte d'assurance maladie."
    )
    message_en = "The NAM is not valid: 4 letters and 8 digits, e.g. «TREM 6553 0512». Check the card."

    def violated(self, ctx: RuleContext) -> bool:
        patient = ctx.extracted.patient
        return bool(patient.nam_raw) and patient.nam is None
