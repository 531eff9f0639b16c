"""IMAGING_RX_NOT_IMAGING — imaging prescriptions go to an imaging lab or a radiology/nuclear-medicine service."""

from __future__ import annotations

from gateway.models import DocumentKind, Severity
from validators.base import Rule, RuleContext


class ImagingRxNotImaging(Rule):
    code = "IMAGING_RX_NOT_IMAGING"
    severity = Severity.ERROR
    field = "to"
    description = "An imaging prescription faxed to a number the directory lists as something other than imaging."
    message_fr = (
        "Ce numéro n'est pas celui d'un laboratoire d'imagerie selon le bottin. Télécopiez l'ordonnance "
        "d'imagerie au laboratoire d'imagerie ou au service de radiologie choisi par l'usager."
    )
    message_en = "This number is not an imaging lab's in the directory. Fax imaging orders to an imaging lab."

    def violated(self, ctx: RuleContext) -> bool:
        entry = ctx.destination.directory_entry
        return ctx.document is DocumentKind.IMAGING_RX and entry is not None and entry.kind != "imaging"
