"""RX_CONTENT_MISSING — there must be something to fill: order text in the body or a usable PDF."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext


class RxContentMissing(Rule):
    code = "RX_CONTENT_MISSING"
    severity = Severity.ERROR
    field = "orders"
    description = "No order text in the body and no usable attachment."
    message_fr = (
        "Le message ne contient aucune ordonnance. Écrivez-la dans le corps du courriel "
        "ou joignez-la en PDF produit par un outil numérique."
    )
    message_en = "The message holds no order. Write it in the body or attach it as a digitally produced PDF."

    def violated(self, ctx: RuleContext) -> bool:
        if ctx.extracted.orders:
            return False
        return not any(a.pdf and not a.pdf.unreadable and a.pdf.pages > 0 for a in ctx.pdfs())
