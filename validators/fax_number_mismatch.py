"""FAX_NUMBER_MISMATCH — the number written in the recipient block must be the number dialled."""

from __future__ import annotations

from gateway.extract.phones import digits_of, national_digits
from gateway.models import Severity
from validators.base import Rule, RuleContext


class FaxNumberMismatch(Rule):
    code = "FAX_NUMBER_MISMATCH"
    severity = Severity.ERROR
    field = "recipient.fax"
    description = "The fax number in the body's recipient block differs from the number addressed."
    message_fr = (
        "Le numéro de télécopieur écrit dans le message diffère de celui de l'adresse. "
        "Corrigez l'un ou l'autre pour qu'ils soient identiques."
    )
    message_en = "The fax number written in the body differs from the addressed one. Make them identical."

    def violated(self, ctx: RuleContext) -> bool:
        written, addressed = ctx.extracted.recipient.fax_raw, ctx.destination.fax_digits_raw
        if not ctx.is_fax or not written or not addressed:
            return False
        a, b = national_digits(digits_of(written)), national_digits(digits_of(addressed))
        return a is not None and b is not None and a != b
