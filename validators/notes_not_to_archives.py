"""NOTES_NOT_TO_ARCHIVES — progress notes belong in the chart: archives or a network address only."""

from __future__ import annotations

from gateway.models import DocumentKind, Route, Severity
from validators.base import Rule, RuleContext


class NotesNotToArchives(Rule):
    code = "NOTES_NOT_TO_ARCHIVES"
    severity = Severity.ERROR
    field = "to"
    description = "Progress notes addressed anywhere but the archives or a network address."
    message_fr = "Les notes d'évolution ne s'envoient qu'aux archives médicales ou à une adresse du réseau."
    message_en = "Progress notes may only go to the medical archives or a network address."

    def violated(self, ctx: RuleContext) -> bool:
        return ctx.document is DocumentKind.PROGRESS_NOTES and ctx.route in (Route.FAX, Route.EMAIL_ENCRYPTED)
