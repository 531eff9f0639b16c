"""PATIENT_DOB_INVALID — an impossible, future or ambiguous date of birth identifies no one safely."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext


class PatientDobInvalid(Rule):
    code = "PATIENT_DOB_INVALID"
    severity = Severity.ERROR
    field = "patient.dob"
    description = "A date of birth that is impossible, in the future, or ambiguous (03/04/1950 with no NAM)."
    message_fr = (
        "La date de naissance est impossible ou ambiguë. Écrivez le mois en lettres ou au format "
        "AAAA-MM-JJ, p. ex. « 3 avril 1950 » ou « 1950-04-03 »."
    )
    message_en = "The date of birth is impossible or ambiguous. Write the month in words or as YYYY-MM-DD."

    def violated(self, ctx: RuleContext) -> bool:
        patient = ctx.extracted.patient
        return patient.dob is None and bool(patient.dob_raw)
