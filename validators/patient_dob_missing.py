"""PATIENT_DOB_MISSING — the date of birth is part of the patient's identification."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import MissingValueRule, RuleContext


class PatientDobMissing(MissingValueRule):
    code = "PATIENT_DOB_MISSING"
    severity = Severity.ERROR
    field = "patient.dob"
    description = "No date of birth."
    message_fr = "Ajoutez la date de naissance de l'usager, p. ex. « née le 3 janvier 1946 »."
    message_en = "Add the patient's date of birth, e.g. «née le 3 janvier 1946»."

    def value(self, ctx: RuleContext) -> object:
        patient = ctx.extracted.patient
        return patient.dob or patient.dob_raw
