"""MESSAGE_LIMIT_EXCEEDED (added to the catalog) — a message over the configured size, part, nesting or time
limits is refused whole, so that one hostile message cannot stall the gateway."""

from __future__ import annotations

from gateway.models import Finding, Severity
from validators.base import Rule, RuleContext

_WHOLE_MESSAGE = ("message_bytes", "parts", "depth", "time", "body_chars")


class MessageLimitExceeded(Rule):
    code = "MESSAGE_LIMIT_EXCEEDED"
    severity = Severity.ERROR
    field = "message"
    description = "The message exceeds the configured size, part-count, nesting or processing-time limits."
    message_fr = (
        "Le message dépasse les limites de la passerelle ({which}). Allégez-le (moins de pièces jointes) et renvoyez."
    )
    message_en = "The message exceeds the gateway's limits ({which}). Make it smaller and send again."

    def check(self, ctx: RuleContext) -> list[Finding]:
        hit = [name for name in ctx.message.limit_exceeded if name in _WHOLE_MESSAGE]
        return [self.finding(which=", ".join(hit))] if hit else []
