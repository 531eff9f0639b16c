"""Where a message goes: the one destination, its route, and what the Cc holds.

To: `<number>@fax_domain` is a fax; an address of a secure (network) domain is internal mail; the archives
alone, for progress notes, is the archives route; anything else is a personal mailbox reached by encrypted
e-mail. The archives address in Cc is the copy, never a destination.
"""

from __future__ import annotations

from gateway.config import GatewaySection
from gateway.directory import FaxDirectory
from gateway.extract.phones import fax_address_number
from gateway.models import Destination, Route


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower().rstrip(".")


def in_domains(address: str | None, domains: list[str]) -> bool:
    """Exact domain, or a true sub-domain (label boundary): `x.ssss.gouv.qc.ca.evil.net` is not one."""
    if not address or "@" not in address:
        return False
    domain = domain_of(address)
    return any(domain == d or domain.endswith("." + d) for d in domains)


def route_of(address: str, gateway: GatewaySection) -> Route:
    if domain_of(address) == gateway.fax_domain:
        return Route.FAX
    if address in gateway.archives:
        return Route.ARCHIVES
    if in_domains(address, gateway.secure_domains):
        return Route.EMAIL_INTERNAL
    return Route.EMAIL_ENCRYPTED


def destination(
    to: list[str], cc: list[str], bcc: list[str], gateway: GatewaySection, directory: FaxDirectory
) -> Destination:
    archives = set(gateway.archives)
    dest = Destination()
    dest.archives_in_cc = any(a in archives for a in cc)
    dest.foreign_cc = [a for a in cc if a not in archives]
    dest.all_destinations = _unique([a for a in to + cc + bcc if a not in archives])
    if not dest.all_destinations:
        if any(a in archives for a in to):
            dest.route, dest.address = Route.ARCHIVES, next(a for a in to if a in archives)
        return dest
    first = next((a for a in to if a not in archives), dest.all_destinations[0])
    dest.address = first
    dest.route = route_of(first, gateway)
    if dest.route is Route.FAX:
        dest.fax_digits_raw = first.rsplit("@", 1)[0]
        dest.fax = fax_address_number(dest.fax_digits_raw)
        dest.directory_entry = directory.lookup(dest.fax)
    return dest


def _unique(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)
