"""PATIENT_ID_MISSING — the NAM, or failing it another identifier (a parent's name, address, phone)."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext


class PatientIdMissing(Rule):
    code = "PATIENT_ID_MISSING"
    severity = Severity.ERROR
    field = "patient.nam"
    description = "Neither a NAM nor another identifier (mother's or father's name, address, phone)."
    message_fr = (
        "Ajoutez le NAM de l'usager ou, à défaut, un autre identifiant : nom de la mère ou du père, "
        "adresse ou numéro de téléphone."
    )
    message_en = "Add the patient's NAM or, failing it, a parent's name, the address or a phone number."

    def violated(self, ctx: RuleContext) -> bool:
        patient = ctx.extracted.patient
        return not (patient.nam_raw or patient.alt_id)
