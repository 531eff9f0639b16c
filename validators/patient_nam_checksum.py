"""PATIENT_NAM_CHECKSUM — the unofficial check digit, reported as information only (never more)."""

from __future__ import annotations

from gateway.extract.nam import check_digit_ok
from gateway.models import Severity
from validators.base import Rule, RuleContext


class PatientNamChecksum(Rule):
    code = "PATIENT_NAM_CHECKSUM"
    severity = Severity.INFO
    field = "patient.nam"
    description = "The NAM's last digit fails the unofficial check-digit algorithm found in the wild."
    message_fr = "Le dernier chiffre du NAM ne passe pas la vérification non officielle; relisez-le."
    message_en = "The NAM's last digit fails the unofficial check; re-read it."

    def violated(self, ctx: RuleContext) -> bool:
        nam = ctx.extracted.patient.nam
        return bool(nam) and not check_digit_ok(nam or "")
