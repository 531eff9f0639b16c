"""PATIENT_NAM_MISMATCH — the NAM's letters, date and sex should agree with the other fields. Only a warning:
names change at marriage, and infants use a parent's card."""

from __future__ import annotations

from gateway.extract.nam import decode, expected_letters
from gateway.models import Finding, Severity
from validators.base import Rule, RuleContext


class PatientNamMismatch(Rule):
    code = "PATIENT_NAM_MISMATCH"
    severity = Severity.WARNING
    field = "patient.nam"
    description = "NAM letters, birth date or sex disagree with the other patient fields."
    message_fr = "Le NAM ne concorde pas avec {what} de l'usager. Vérifiez le NAM et l'identité avant l'envoi."
    message_en = "The NAM does not agree with the patient's {what_en}. Check the NAM and identity."

    def check(self, ctx: RuleContext) -> list[Finding]:
        p = ctx.extracted.patient
        info = decode(p.nam, today=ctx.today) if p.nam else None
        if info is None:
            return []
        what: list[tuple[str, str]] = []
        if p.last_name and p.first_name and expected_letters(p.last_name, p.first_name) != info.letters:
            what.append(("le nom", "name"))
        if p.dob and p.dob not in info.birth_dates:
            what.append(("la date de naissance", "date of birth"))
        if p.sex and p.sex != info.sex:
            what.append(("le sexe", "sex"))
        if not what:
            return []
        return [self.finding(what=", ".join(w for w, _ in what), what_en=", ".join(e for _, e in what))]
