"""FAX_NOT_IN_DIRECTORY — a number absent from the bottin may be mistyped; it is sent, with a warning."""

from __future__ import annotations

from gateway.models import Severity
from validators.base import Rule, RuleContext


class FaxNotInDirectory(Rule):
    code = "FAX_NOT_IN_DIRECTORY"
    severity = Severity.WARNING
    field = "to"
    description = "The addressed fax number is not in the directory."
    message_fr = "Ce numéro de télécopieur n'est pas dans le bottin. Vérifiez qu'il s'agit bien du bon destinataire."
    message_en = "This fax number is not in the directory. Check that it is the right recipient."

    def violated(self, ctx: RuleContext) -> bool:
        d = ctx.destination
        return ctx.is_fax and ctx.directory.configured and d.fax is not None and d.directory_entry is None
