"""Fictitious check results to render, shared by the render tests, the benchmark and `docs/render.md`.

Built by hand (not parsed from e-mail) so the renderer can be exercised on its own. Every name and number
here is invented; the NAM follows the RAMQ pattern but belongs to nobody.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from gateway.models import (
    Attachment,
    CheckResult,
    Destination,
    DirectoryEntry,
    DocumentKind,
    Extracted,
    FileKind,
    ParsedMessage,
    Patient,
    Recipient,
    Route,
    Sender,
)

STANDARD_ORDERS = (
    "Ramipril 5 mg 1 co po DIE, 90 co, Ren 3",
    "Atorvastatine 20 mg 1 co po HS, 90 co, Ren 3",
    "Metformine 500 mg 1 co po BID aux repas, 180 co, Ren 3",
)


def sample_result(
    *,
    orders: tuple[str, ...] = STANDARD_ORDERS,
    document: DocumentKind = DocumentKind.DRUG_RX,
    route: Route = Route.FAX,
    patient: Patient | None = None,
    sender: Sender | None = None,
    pdfs: tuple[bytes, ...] = (),
    allergies: str | None = "Aucune allergie connue",
    clinical_info: str | None = "HTA, diabète de type 2",
    critical_values_phone: str | None = None,
) -> CheckResult:
    """An accepted prescription to «Pharmacie Lafleur et Gendron» by fax, unless told otherwise."""
    entry = DirectoryEntry("+18195550190", "Pharmacie Lafleur et Gendron", "pharmacy", "+18195550191")
    fax = route is Route.FAX
    address = {
        Route.FAX: "8195550190@telecopie.example.org",
        Route.EMAIL_INTERNAL: "pharmacie.hmr@ssss.gouv.qc.ca",
        Route.EMAIL_ENCRYPTED: "lan.ng@example.com",
        Route.ARCHIVES: "archives.hmr@ssss.gouv.qc.ca",
    }[route]
    message = ParsedMessage(
        message_id="<sample.render@ssss.gouv.qc.ca>",
        from_address="julie.nguyen.med@ssss.gouv.qc.ca",
        to=[address],
        subject="Ordonnance",
        date=dt.datetime(2026, 11, 3, 9, 13, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        attachments=[Attachment(f"piece{i}.pdf", "application/pdf", data, FileKind.PDF) for i, data in enumerate(pdfs)],
    )
    extracted = Extracted(
        recipient=Recipient(
            name="Pharmacie Lafleur et Gendron" if fax else None,
            fax="+18195550190" if fax else None,
            phone="+18195550191" if fax else None,
        ),
        sender=sender
        or Sender(
            last_name="Nguyen",
            first_name="Julie",
            profession="médecin",
            licence="21504",
            phone="+18195550177",
        ),
        patient=patient
        or Patient(
            last_name="Ng",
            first_name="Lan",
            dob=dt.date(1979, 9, 30),
            sex="F",
            nam="NGXL79593019",
            file_number="771502",
        ),
        orders=list(orders),
        allergies=allergies,
        clinical_info=clinical_info,
        teleconsultation_mentioned=True,
        critical_values_phone=critical_values_phone,
    )
    destination = Destination(
        route=route,
        address=address,
        fax="+18195550190" if fax else None,
        directory_entry=entry if fax else None,
        all_destinations=[address],
        archives_in_cc=True,
    )
    return CheckResult("sample.eml", message, extracted, document, destination, [])


def with_patient(result: CheckResult, **changes: object) -> CheckResult:
    """The same result with some patient fields changed."""
    patient = replace(result.extracted.patient, **changes)  # type: ignore[arg-type]
    return replace(result, extracted=replace(result.extracted, patient=patient))
