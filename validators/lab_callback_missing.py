"""LAB_CALLBACK_MISSING — a lab requisition given to the patient must say where the prescriber can be
reached urgently to receive critical values."""

from __future__ import annotations

from gateway.extract.labels import CRITICAL
from gateway.extract.text import fold
from gateway.models import DocumentKind, Severity
from validators.base import Rule, RuleContext


class LabCallbackMissing(Rule):
    code = "LAB_CALLBACK_MISSING"
    severity = Severity.ERROR
    field = "body"
    description = "A lab prescription to a patient without a number for critical values."
    message_fr = (
        "Indiquez le numéro où vous joindre en urgence pour les valeurs critiques, "
        "p. ex. « Valeurs critiques : joindre le 514 555-0123 »."
    )
    message_en = "Give the number where you can be reached for critical values."

    def violated(self, ctx: RuleContext) -> bool:
        if ctx.document is not DocumentKind.LAB_RX or not ctx.to_personal_mailbox:
            return False
        ex = ctx.extracted
        if ex.critical_values_phone:
            return False
        mentioned = CRITICAL.search(fold(ctx.message.body_text)) is not None
        return not (mentioned and ex.sender.phone)
