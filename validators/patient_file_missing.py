"""PATIENT_FILE_MISSING — the file number lets the archives file the copy in the right chart."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import MissingValueRule, RuleContext


class PatientFileMissing(MissingValueRule):
    code = "PATIENT_FILE_MISSING"
    severity = Severity.ERROR
    field = "patient.file_number"
    description = "No patient file number (numéro de dossier)."
    message_fr = "Ajoutez le numéro de dossier de l'usager, p. ex. « Numéro de dossier : 087231 »."
    message_en = "Add the patient's file number, e.g. «Numéro de dossier : 087231»."

    def value(self, ctx: RuleContext) -> object:
        return ctx.extracted.patient.file_number
