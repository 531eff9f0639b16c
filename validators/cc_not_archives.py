"""CC_NOT_ARCHIVES — the copy goes to the medical archives and nowhere else."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext


class CcNotArchives(Rule):
    code = "CC_NOT_ARCHIVES"
    severity = Severity.ERROR
    field = "cc"
    description = "Cc holds an address other than the archives."
    message_fr = "La copie conforme (Cc) ne doit contenir que l'adresse des archives médicales. Retirez les autres."
    message_en = "Cc may hold only the medical archives address. Remove the others."

    def violated(self, ctx: RuleContext) -> bool:
        return bool(ctx.destination.foreign_cc)
