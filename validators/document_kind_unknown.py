"""DOCUMENT_KIND_UNKNOWN — who may receive a document depends on what it is, so it must be clear."""

from __future__ import annotations

from gateway.models import DocumentKind, Severity
from validators.base import Rule, RuleContext


class DocumentKindUnknown(Rule):
    code = "DOCUMENT_KIND_UNKNOWN"
    severity = Severity.ERROR
    field = "subject"
    description = "The gateway cannot tell what the document is."
    message_fr = (
        "Impossible de déterminer le type de document. Indiquez-le en objet, p. ex. « Ordonnance », "
        "« Ordonnance d'imagerie », « Requête de laboratoire » ou « Notes d'évolution »."
    )
    message_en = (
        "The document type cannot be determined. Say it in the subject, e.g. «Ordonnance», "
        "«Ordonnance d'imagerie», «Requête de laboratoire» or «Notes d'évolution»."
    )

    def violated(self, ctx: RuleContext) -> bool:
        return ctx.document is DocumentKind.UNKNOWN
