"""SENDER_IDENTITY_MISMATCH — the signature must be the enrolled sender's: the guide says the signature is
ensured by the sender's details plus their access to the secure mailbox, so the two must agree."""

from __future__ import annotations

import re

from gateway.extract.text import fold
from gateway.models import Severity
from validators.base import Rule, RuleContext


def _name_key(name: str) -> str:
    return re.sub(r"[^a-z]", "", fold(name))


def _mentions(body: str, name: str) -> bool:
    key = fold(name).strip()
    return bool(key) and re.search(rf"(?<![a-z]){re.escape(key)}(?![a-z])", fold(body)) is not None


def _same_licence(a: str, b: str) -> bool:
    return re.sub(r"\D", "", a).lstrip("0") == re.sub(r"\D", "", b).lstrip("0")


class SenderIdentityMismatch(Rule):
    code = "SENDER_IDENTITY_MISMATCH"
    severity = Severity.ERROR
    field = "sender"
    description = "The name or licence number in the body contradicts the enrolled sender's."
    message_fr = (
        "Le nom ou le numéro de permis de la signature ne correspond pas au compte inscrit. "
        "Signez avec vos propres nom et numéro de permis, depuis votre propre compte."
    )
    message_en = "The signature's name or licence does not match the enrolled account. Sign as yourself."

    def violated(self, ctx: RuleContext) -> bool:
        enrolled, sender = ctx.registered, ctx.extracted.sender
        if enrolled is None:
            return False
        if sender.licence and not _same_licence(sender.licence, enrolled.licence):
            return True
        if _mentions(ctx.message.body_text, enrolled.last_name):
            return False  # the enrolled name is written: whatever else was read as a name does not contradict it
        if sender.last_name:
            # An initial («Dre J. Nguyen») cannot contradict a surname: only whole names are compared.
            written = {key for n in (sender.last_name, sender.first_name or "") if len(key := _name_key(n)) > 1}
            if not written:
                return False
            last = _name_key(enrolled.last_name)
            return not any(last in w or (w and w in last) for w in written)
        return False
