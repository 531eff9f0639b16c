"""PATIENT_NAME_MISSING — «Bien identifier l'usager : nom, prénom, …»."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext


class PatientNameMissing(Rule):
    code = "PATIENT_NAME_MISSING"
    severity = Severity.ERROR
    field = "patient.name"
    description = "No patient last and first name."
    message_fr = "Identifiez l'usager par ses nom et prénom, p. ex. « Ordonnance pour Mme Marie Tremblay »."
    message_en = "Identify the patient by first and last name, e.g. «Ordonnance pour Mme Marie Tremblay»."

    def violated(self, ctx: RuleContext) -> bool:
        patient = ctx.extracted.patient
        return not (patient.last_name and patient.first_name)
