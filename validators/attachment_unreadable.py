"""ATTACHMENT_UNREADABLE — a corrupt, truncated or password-protected PDF cannot be faxed."""

from __future__ import annotations

from gateway.models import FileKind, Severity
from validators.base import Rule, RuleContext


class AttachmentUnreadable(Rule):
    code = "ATTACHMENT_UNREADABLE"
    severity = Severity.ERROR
    field = "attachments"
    description = "A PDF that is corrupt, truncated or password-protected (or a TNEF that cannot be unpacked)."
    message_fr = (
        "Le PDF joint est illisible (endommagé ou protégé par mot de passe). "
        "Enregistrez-le de nouveau en PDF sans mot de passe, puis renvoyez."
    )
    message_en = "The attached PDF is unreadable (damaged or password-protected). Save it again without a password."

    def violated(self, ctx: RuleContext) -> bool:
        limit = ctx.config.limits.max_attachment_bytes
        for a in ctx.message.attachments:
            if a.kind is FileKind.TNEF:
                return True
            if a.kind is FileKind.PDF and a.size <= limit and (a.pdf is None or a.pdf.unreadable):
                return True
        return False
