"""INLINE_IMAGE_IGNORED — signature logos referenced by cid: are not attachments; they are dropped."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext


class InlineImageIgnored(Rule):
    code = "INLINE_IMAGE_IGNORED"
    severity = Severity.INFO
    field = "attachments"
    description = "Images inline in the HTML body (cid:) were dropped, not faxed."
    message_fr = "Les images intégrées à la signature ont été ignorées; elles ne sont pas transmises."
    message_en = "Images embedded in the signature were ignored; they are not transmitted."

    def violated(self, ctx: RuleContext) -> bool:
        return ctx.message.inline_images_dropped > 0
