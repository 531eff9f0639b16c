"""ATTACHMENT_TYPE — only PDF goes through; Word, HEIC, ZIP, executables are refused. TNEF is unpacked first.
A HEIC/HEIF image is both a photo (ATTACHMENT_PHOTO) and a format no fax can carry, so it is reported here too."""

from __future__ import annotations

from gateway.models import Attachment, FileKind, Severity
from gateway.parsing.sniff import is_heif
from validators.base import Rule, RuleContext

_JUDGED_ELSEWHERE = frozenset({FileKind.PDF, FileKind.IMAGE, FileKind.TNEF})


class AttachmentType(Rule):
    code = "ATTACHMENT_TYPE"
    severity = Severity.ERROR
    field = "attachments"
    description = "An attachment that is not a PDF (Word, HEIC, ZIP, executables…)."
    message_fr = "Seuls les fichiers PDF sont acceptés en pièce jointe : convertissez en PDF, puis renvoyez."
    message_en = "Only PDF attachments are accepted: convert to PDF and send again."

    def violated(self, ctx: RuleContext) -> bool:
        return any(_unsupported(a) for a in ctx.message.attachments)


def _unsupported(attachment: Attachment) -> bool:
    if attachment.kind is FileKind.IMAGE:
        return is_heif(attachment.data[:64])
    return attachment.kind not in _JUDGED_ELSEWHERE
