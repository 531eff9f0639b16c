"""RX_SIG_VAGUE — «tel que prescrit», «UD», «as directed» are not a dosage: the pharmacist must call back.
Only drug prescriptions carry a dosage; «selon avis du radiologiste» in an imaging request is normal wording."""

from __future__ import annotations

from gateway.models import DocumentKind, Finding, Severity
from validators.base import Rule, RuleContext


class RxSigVague(Rule):
    code = "RX_SIG_VAGUE"
    severity = Severity.ERROR
    field = "orders"
    description = "«tel que prescrit», «usage connu», «selon avis», «UD», «as directed» in place of a dosage."
    message_fr = (
        "Une posologie vague (« {found} ») remplace la posologie. Écrivez la dose, la voie et la fréquence, "
        "p. ex. « 1 co po DIE »."
    )
    message_en = "A vague direction («{found}») replaces the dosage. Write dose, route and frequency."

    def check(self, ctx: RuleContext) -> list[Finding]:
        if ctx.document is not DocumentKind.DRUG_RX:  # «contraste selon avis du radiologiste» is not a dosage
            return []
        vague = ctx.extracted.vague_sig
        return [self.finding(found=vague[0])] if vague else []
