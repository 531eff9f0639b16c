"""MESSAGE_MALFORMED (added to the catalog) — a message whose MIME structure is broken or truncated cannot
be trusted to carry the whole order; it is refused with a reason rather than guessed at."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext

FATAL = frozenset(
    {
        "unparseable",
        "no_headers",
        "StartBoundaryNotFoundDefect",
        "CloseBoundaryNotFoundDefect",
        "MissingHeaderBodySeparatorDefect",
    }
)


class MessageMalformed(Rule):
    code = "MESSAGE_MALFORMED"
    severity = Severity.ERROR
    field = "message"
    description = "The MIME structure is unreadable, truncated or has no headers."
    message_fr = "Le message est endommagé ou incomplet (structure MIME invalide). Renvoyez-le depuis Outlook."
    message_en = "The message is damaged or incomplete (invalid MIME structure). Send it again from Outlook."

    def violated(self, ctx: RuleContext) -> bool:
        return any(d in FATAL for d in ctx.message.defects)
