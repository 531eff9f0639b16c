"""ARCHIVES_NOT_CC — the archives must get a copy of everything; the gateway sends it when Cc forgot."""

from __future__ import annotations

from gateway.models import Route, Severity
from validators.base import Rule, RuleContext


class ArchivesNotCc(Rule):
    code = "ARCHIVES_NOT_CC"
    severity = Severity.WARNING
    field = "cc"
    description = "The archives are missing from Cc; the gateway sends them the copy."
    message_fr = (
        "Les archives médicales n'étaient pas en copie conforme; la passerelle leur a envoyé la copie. "
        "La prochaine fois, ajoutez-les en Cc."
    )
    message_en = "The medical archives were not in Cc; the gateway sent them the copy. Add them to Cc next time."

    def violated(self, ctx: RuleContext) -> bool:
        if not ctx.config.gateway.archives or ctx.destination.route in (None, Route.ARCHIVES):
            return False
        return not ctx.destination.archives_in_cc
