"""ATTACHMENT_NAME — the guide names files «<titre du formulaire>_<numéro de dossier>»; the archived copy is
renamed when the sender did not."""

from __future__ import annotations

import unicodedata

from gateway.models import FORM_TITLES, Severity
from validators.base import Rule, RuleContext


def expected_names(file_number: str | None) -> set[str]:
    if not file_number:
        return set()
    return {unicodedata.normalize("NFC", f"{title}_{file_number}.pdf").casefold() for title in FORM_TITLES.values()}


class AttachmentName(Rule):
    code = "ATTACHMENT_NAME"
    severity = Severity.INFO
    field = "attachments"
    description = "The PDF is not named <form title>_<file number>.pdf; the archived copy is renamed."
    message_fr = "Le PDF n'est pas nommé « Titre du formulaire_numéro de dossier.pdf »; la copie archivée est renommée."
    message_en = "The PDF is not named «Form title_file number.pdf»; the archived copy is renamed."

    def violated(self, ctx: RuleContext) -> bool:
        names = expected_names(ctx.extracted.patient.file_number)
        return any(
            unicodedata.normalize("NFC", (a.filename or "").replace("\u2019", "'")).casefold() not in names
            for a in ctx.pdfs()
        )
