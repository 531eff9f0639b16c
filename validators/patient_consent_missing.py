"""PATIENT_CONSENT_MISSING — e-mail to a patient needs their consent, recorded in the notes."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext


class PatientConsentMissing(Rule):
    code = "PATIENT_CONSENT_MISSING"
    severity = Severity.ERROR
    field = "body"
    description = "A document e-mailed to a patient without the patient's consent stated in the body."
    message_fr = (
        "Le consentement de l'usager à l'envoi par courriel n'est pas indiqué. Ajoutez p. ex. « Consentement "
        "de l'usager à l'envoi par courriel : obtenu (consigné au dossier) »."
    )
    message_en = "The patient's consent to e-mail is not stated. Add e.g. «Consentement … : obtenu»."

    def violated(self, ctx: RuleContext) -> bool:
        return ctx.to_personal_mailbox and ctx.extracted.addressed_to_patient and not ctx.extracted.consent_stated
