"""The values that flow through the gateway: a parsed message, what was extracted from it, and the verdict.

These are plain frozen-ish dataclasses rather than pydantic models: they are built once per message on the
hot path of `check`, and validation of *configuration* (the only untrusted structured input) is pydantic's job
in `gateway.config`. Rules return `Finding` values; nothing here raises.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Route(StrEnum):
    FAX = "fax"
    EMAIL_INTERNAL = "email_internal"
    EMAIL_ENCRYPTED = "email_encrypted"
    ARCHIVES = "archives"


class DocumentKind(StrEnum):
    DRUG_RX = "drug_rx"
    IMAGING_RX = "imaging_rx"
    LAB_RX = "lab_rx"
    OTHER_RX = "other_rx"
    PROGRESS_NOTES = "progress_notes"
    OTHER_DOCUMENT = "other_document"
    UNKNOWN = "unknown"


class Form(StrEnum):
    AH_251 = "AH-251"
    AH_253 = "AH-253"


FORM_TITLES: dict[Form, str] = {
    Form.AH_251: "Ordonnances médicales",
    Form.AH_253: "Notes d'évolution",
}


class FileKind(StrEnum):
    """What an attachment really is, from its bytes (never from its name or declared type alone)."""

    PDF = "pdf"
    IMAGE = "image"
    TNEF = "tnef"
    ARCHIVE = "archive"
    OFFICE = "office"
    EXECUTABLE = "executable"
    TEXT = "text"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    message_fr: str
    message_en: str
    field: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message_fr": self.message_fr,
            "message_en": self.message_en,
            "field": self.field,
        }


@dataclass(frozen=True, slots=True)
class AuthResult:
    """One method result from a trusted Authentication-Results header (RFC 8601)."""

    authserv_id: str
    method: str  # spf, dkim, dmarc
    result: str  # pass, fail, softfail, none…
    domain: str | None  # header.from / header.d / smtp.mailfrom domain, lower-case


@dataclass(slots=True)
class PdfInfo:
    """What inspecting a PDF attachment found (see gateway.parsing.pdfinspect)."""

    pages: int = 0
    pages_without_text: int = 0
    encrypted: bool = False
    unreadable: bool = False
    text: str = ""


@dataclass(slots=True)
class Attachment:
    filename: str | None
    declared_type: str
    data: bytes
    kind: FileKind
    from_tnef: bool = False
    pdf: PdfInfo | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(slots=True)
class ParsedMessage:
    """A message as the gateway understood its MIME structure. Never raises to build: defects are listed."""

    message_id: str | None = None
    from_address: str | None = None
    from_display: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    subject: str = ""
    date: dt.datetime | None = None
    body_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    inline_images_dropped: int = 0
    auth_results: list[AuthResult] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)  # short machine reasons, no clinical content
    limit_exceeded: list[str] = field(default_factory=list)  # which configured limit was hit
    size: int = 0


@dataclass(slots=True)
class Recipient:
    name: str | None = None
    fax: str | None = None  # E.164
    phone: str | None = None  # E.164
    fax_raw: str | None = None
    phone_raw: str | None = None


@dataclass(slots=True)
class Sender:
    last_name: str | None = None
    first_name: str | None = None
    profession: str | None = None
    licence: str | None = None
    phone: str | None = None  # E.164, only when valid
    phone_raw: str | None = None  # as written, kept so an invalid number can be reported


@dataclass(slots=True)
class Patient:
    last_name: str | None = None
    first_name: str | None = None
    dob: dt.date | None = None
    dob_raw: str | None = None
    dob_ambiguous: bool = False
    sex: str | None = None  # "F" / "M"
    nam: str | None = None  # normalised, no spaces, upper-case
    nam_raw: str | None = None
    file_number: str | None = None
    alt_id: str | None = None


@dataclass(slots=True)
class Extracted:
    recipient: Recipient = field(default_factory=Recipient)
    sender: Sender = field(default_factory=Sender)
    patient: Patient = field(default_factory=Patient)
    orders: list[str] = field(default_factory=list)
    allergies: str | None = None
    clinical_info: str | None = None
    addressed_to_patient: bool = False  # «Destinataire : usager»
    consent_stated: bool = False
    critical_values_phone: str | None = None  # E.164
    vague_sig: list[str] = field(default_factory=list)
    teleconsultation_mentioned: bool = False

    def as_json(self) -> dict[str, object]:
        r, s, p = self.recipient, self.sender, self.patient
        return {
            "recipient": {"name": r.name, "fax": r.fax, "phone": r.phone},
            "sender": {
                "last_name": s.last_name,
                "first_name": s.first_name,
                "profession": s.profession,
                "licence": s.licence,
                "phone": s.phone,
            },
            "patient": {
                "last_name": p.last_name,
                "first_name": p.first_name,
                "dob": p.dob.isoformat() if p.dob else None,
                "sex": p.sex,
                "nam": p.nam,
                "file_number": p.file_number,
                "alt_id": p.alt_id,
            },
            "orders": list(self.orders),
        }


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    fax: str  # E.164
    name: str
    kind: str  # pharmacy, imaging, lab, clinic, establishment
    phone: str | None


@dataclass(frozen=True, slots=True)
class RegisteredSender:
    email: str
    last_name: str
    first_name: str
    profession: str
    licence: str


@dataclass(slots=True)
class Destination:
    """Where the message would go. `address` is the To: address as written; `fax` the E.164 number if any."""

    route: Route | None = None
    address: str | None = None
    fax: str | None = None
    fax_digits_raw: str | None = None  # the local part of a fax address, as written
    directory_entry: DirectoryEntry | None = None
    all_destinations: list[str] = field(default_factory=list)
    foreign_cc: list[str] = field(default_factory=list)
    archives_in_cc: bool = False


@dataclass(slots=True)
class CheckResult:
    file: str
    message: ParsedMessage
    extracted: Extracted
    document: DocumentKind
    destination: Destination
    findings: list[Finding]

    @property
    def accepted(self) -> bool:
        return not any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def verdict(self) -> str:
        return "accepted" if self.accepted else "rejected"

    @property
    def route(self) -> Route | None:
        return self.destination.route

    @property
    def form(self) -> Form | None:
        if self.document is DocumentKind.PROGRESS_NOTES:
            return Form.AH_253
        if self.document in (
            DocumentKind.DRUG_RX,
            DocumentKind.IMAGING_RX,
            DocumentKind.LAB_RX,
            DocumentKind.OTHER_RX,
        ):
            return Form.AH_251
        return None

    def as_json(self) -> dict[str, object]:
        form = self.form
        return {
            "file": self.file,
            "message_id": self.message.message_id,
            "verdict": self.verdict,
            "route": self.route.value if self.route else None,
            "document": self.document.value,
            "form": form.value if form else None,
            "findings": [f.as_json() for f in self.findings],
            "extracted": self.extracted.as_json(),
        }
