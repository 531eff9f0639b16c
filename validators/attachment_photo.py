"""ATTACHMENT_PHOTO — «pour des raisons de lisibilité sur télécopie, les photos ne sont pas autorisées».
The bytes decide, not the name: a JPEG named .pdf is a photo."""

from __future__ import annotations

from gateway.models import FileKind, Severity
from validators.base import Rule, RuleContext


class AttachmentPhoto(Rule):
    code = "ATTACHMENT_PHOTO"
    severity = Severity.ERROR
    field = "attachments"
    description = "An attached image, whatever its name or declared type."
    message_fr = (
        "Les photos ne sont pas autorisées (illisibles par télécopie). Écrivez l'ordonnance dans le "
        "courriel ou joignez un PDF produit par un outil numérique."
    )
    message_en = "Photos are not allowed (illegible by fax). Write the order in the e-mail or attach a digital PDF."

    def violated(self, ctx: RuleContext) -> bool:
        return any(a.kind is FileKind.IMAGE for a in ctx.message.attachments)
