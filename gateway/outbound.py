"""The messages a checked, rendered prescription becomes: the fax, the e-mail of the e-mail routes, the
archives copies.

Why one module: `ordofax serve` (gateway.service.processor) and `ordofax send` (gateway.commands.send) must
hand the provider, the patient or network address and the archives exactly the same subjects, bodies and
headers — the archives staff and the tenant's mail-flow rules see them either way. These are pure functions of
the CheckResult, the job id (or reference), the document's bytes and the configuration.
"""

from __future__ import annotations

import re

from gateway.config import Config
from gateway.models import FORM_TITLES, CheckResult, Route
from gateway.relay.base import Outbound, OutboundAttachment

ARCHIVES_SUBJECT = "Copie au dossier — {filename}"
ARCHIVES_HEADER = "X-Ordofax-Copy"


def document_filename(result: CheckResult, job_ref: str) -> str:
    """The PDF's name as rendered: «<form title>_<file number>.pdf» (see gateway.render.file_name)."""
    number = re.sub(r"[^0-9A-Za-z-]", "", result.extracted.patient.file_number or "")[:40]
    return f"{_title(result)}_{number or job_ref}.pdf"


def _title(result: CheckResult) -> str:
    return FORM_TITLES[result.form] if result.form is not None else "Document"


def fax_outbound(result: CheckResult, job_ref: str, data: bytes, *, number: str) -> Outbound:
    """The fax for the provider: the PDF alone, the form's code in the subject."""
    form = result.form.value if result.form else "document"
    attachment = OutboundAttachment(document_filename(result, job_ref), data)
    return Outbound(job_ref, number, f"ordofax {form}", "", [attachment])


def email_outbound(result: CheckResult, job_ref: str, data: bytes, config: Config, *, to: str) -> Outbound:
    """The e-mail route's message (patient: encrypted; network address: with a read receipt)."""
    title = _title(result)
    installation = config.gateway.installation
    body = (
        f"Veuillez trouver ci-joint le document «{title}» transmis par votre professionnel de la santé "
        f"({installation}).\n\nPlease find attached the document sent by your health professional.\n"
    )
    return Outbound(
        job_ref,
        to,
        f"{title} — {installation}",
        body,
        [OutboundAttachment(document_filename(result, job_ref), data)],
        encrypt=result.route is Route.EMAIL_ENCRYPTED,
        read_receipt=result.route is Route.EMAIL_INTERNAL,
    )


def archives_outbounds(result: CheckResult, job_ref: str, data: bytes, config: Config) -> list[Outbound]:
    """One copy for the patient's chart per address in gateway.archives, in that order."""
    filename = document_filename(result, job_ref)
    subject = ARCHIVES_SUBJECT.format(filename=filename)
    body = f"Copie au dossier, envoi {job_ref}.\nCopy for the patient's chart, job {job_ref}.\n"
    return [
        Outbound(
            job_ref,
            address,
            subject,
            body,
            [OutboundAttachment(filename, data)],
            headers={ARCHIVES_HEADER: "archives"},
        )
        for address in config.gateway.archives
    ]


def route_outbounds(result: CheckResult, job_ref: str, data: bytes, config: Config) -> list[Outbound]:
    """What the route itself delivers: the fax, the e-mail, or (archives route) the archives copies.
    Empty when the route has no usable destination."""
    dest = result.destination
    if result.route is Route.FAX:
        return [fax_outbound(result, job_ref, data, number=dest.fax)] if dest.fax else []
    if result.route is Route.ARCHIVES:
        return archives_outbounds(result, job_ref, data, config)
    if result.route in (Route.EMAIL_INTERNAL, Route.EMAIL_ENCRYPTED) and dest.address:
        return [email_outbound(result, job_ref, data, config, to=dest.address)]
    return []
