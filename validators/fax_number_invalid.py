"""FAX_NUMBER_INVALID — the provider can only dial a North American number written as digits."""

from __future__ import annotations

from gateway.extract.phones import fax_address_number
from gateway.models import Finding, Severity
from gateway.routing import domain_of
from validators.base import Rule, RuleContext


class FaxNumberInvalid(Rule):
    code = "FAX_NUMBER_INVALID"
    severity = Severity.ERROR
    field = "to"
    description = "The fax address is not a dialable NANP number: 10 digits or 1 + 10, valid area and exchange."
    message_fr = (
        "Le numéro de télécopieur de l'adresse n'est pas composable. Écrivez 10 chiffres sans espace ni "
        "tiret, p. ex. 5145550150@{domain}."
    )
    message_en = "The fax number in the address cannot be dialled. Write 10 digits, e.g. 5145550150@{domain}."

    def check(self, ctx: RuleContext) -> list[Finding]:
        domain = ctx.config.gateway.fax_domain
        for address in ctx.destination.all_destinations:
            if domain_of(address) == domain and fax_address_number(address.rsplit("@", 1)[0]) is None:
                return [self.finding(domain=domain)]
        return []
