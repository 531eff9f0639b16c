"""The explicit, ordered list of rules the pipeline runs. Adding a rule means adding a module and a line here."""

from __future__ import annotations

from validators.archives_not_cc import ArchivesNotCc
from validators.attachment_name import AttachmentName
from validators.attachment_photo import AttachmentPhoto
from validators.attachment_scanned import AttachmentScanned
from validators.attachment_teleconsultation_missing import AttachmentTeleconsultationMissing
from validators.attachment_too_large import AttachmentTooLarge
from validators.attachment_type import AttachmentType
from validators.attachment_unreadable import AttachmentUnreadable
from validators.base import Rule, RuleContext
from validators.cc_not_archives import CcNotArchives
from validators.clinical_info_absent import ClinicalInfoAbsent
from validators.destination_insecure import DestinationInsecure
from validators.document_kind_unknown import DocumentKindUnknown
from validators.drug_rx_not_pharmacy import DrugRxNotPharmacy
from validators.drug_rx_to_patient import DrugRxToPatient
from validators.fax_not_in_directory import FaxNotInDirectory
from validators.fax_number_invalid import FaxNumberInvalid
from validators.fax_number_mismatch import FaxNumberMismatch
from validators.imaging_rx_not_imaging import ImagingRxNotImaging
from validators.imaging_rx_to_patient import ImagingRxToPatient
from validators.inline_image_ignored import InlineImageIgnored
from validators.lab_callback_missing import LabCallbackMissing
from validators.message_limit_exceeded import MessageLimitExceeded
from validators.message_malformed import MessageMalformed
from validators.notes_not_to_archives import NotesNotToArchives
from validators.patient_consent_missing import PatientConsentMissing
from validators.patient_dob_invalid import PatientDobInvalid
from validators.patient_dob_missing import PatientDobMissing
from validators.patient_file_missing import PatientFileMissing
from validators.patient_id_missing import PatientIdMissing
from validators.patient_nam_checksum import PatientNamChecksum
from validators.patient_nam_invalid import PatientNamInvalid
from validators.patient_nam_mismatch import PatientNamMismatch
from validators.patient_name_missing import PatientNameMissing
from validators.recipient_fax_missing import RecipientFaxMissing
from validators.recipient_multiple import RecipientMultiple
from validators.recipient_name_missing import RecipientNameMissing
from validators.recipient_none import RecipientNone
from validators.recipient_phone_missing import RecipientPhoneMissing
from validators.rx_content_missing import RxContentMissing
from validators.rx_dangerous_abbreviation import RxDangerousAbbreviation
from validators.rx_drug_incomplete import RxDrugIncomplete
from validators.rx_sig_vague import RxSigVague
from validators.sender_domain import SenderDomain
from validators.sender_identity_mismatch import SenderIdentityMismatch
from validators.sender_licence_missing import SenderLicenceMissing
from validators.sender_name_missing import SenderNameMissing
from validators.sender_phone_invalid import SenderPhoneInvalid
from validators.sender_phone_missing import SenderPhoneMissing
from validators.sender_spoofed import SenderSpoofed
from validators.sender_unregistered import SenderUnregistered

RULES: tuple[Rule, ...] = (
    # message
    MessageMalformed(),
    MessageLimitExceeded(),
    # sender and envelope
    SenderDomain(),
    SenderUnregistered(),
    SenderSpoofed(),
    SenderIdentityMismatch(),
    RecipientNone(),
    RecipientMultiple(),
    CcNotArchives(),
    ArchivesNotCc(),
    FaxNumberInvalid(),
    FaxNumberMismatch(),
    FaxNotInDirectory(),
    # route and recipient kind
    DocumentKindUnknown(),
    DrugRxToPatient(),
    ImagingRxToPatient(),
    DrugRxNotPharmacy(),
    ImagingRxNotImaging(),
    DestinationInsecure(),
    PatientConsentMissing(),
    LabCallbackMissing(),
    NotesNotToArchives(),
    # body content
    RecipientNameMissing(),
    RecipientFaxMissing(),
    RecipientPhoneMissing(),
    SenderNameMissing(),
    SenderLicenceMissing(),
    SenderPhoneMissing(),
    SenderPhoneInvalid(),
    PatientNameMissing(),
    PatientDobMissing(),
    PatientDobInvalid(),
    PatientIdMissing(),
    PatientNamInvalid(),
    PatientNamMismatch(),
    PatientNamChecksum(),
    PatientFileMissing(),
    RxContentMissing(),
    RxSigVague(),
    RxDrugIncomplete(),
    RxDangerousAbbreviation(),
    ClinicalInfoAbsent(),
    # attachments
    AttachmentPhoto(),
    InlineImageIgnored(),
    AttachmentScanned(),
    AttachmentType(),
    AttachmentUnreadable(),
    AttachmentTooLarge(),
    AttachmentTeleconsultationMissing(),
    AttachmentName(),
)

CODES: frozenset[str] = frozenset(rule.code for rule in RULES)

__all__ = ["CODES", "RULES", "Rule", "RuleContext"]

_EXAMPLE_VALUES = {
    "domain": "telecopie.example.org",
    "found": "…",
    "missing": "…",
    "missing_en": "…",
    "what": "…",
    "what_en": "…",
    "which": "…",
    "size": "10",
    "pages": "20",
    "count": "10",
}


def catalog_markdown() -> str:
    """docs/rules.md, generated from the registry so the operators' catalog never drifts from the code."""
    lines = [
        "# Règles / Rules",
        "",
        "Generated by `python -m validators.registry > docs/rules.md`. Each rule is one module in `validators/`",
        "with a stable code (`../shared/spec/RULES.md`). The French message is what the prescriber reads, with the",
        "fix; the English message follows it in every notice. `MESSAGE_MALFORMED` and `MESSAGE_LIMIT_EXCEEDED` are",
        "additions to the catalog (new codes, never reused).",
        "",
        "| code | sev. | when | message (FR) |",
        "|---|---|---|---|",
    ]
    for rule in RULES:
        message = rule.message_fr.format(**_EXAMPLE_VALUES)
        lines.append(f"| `{rule.code}` | {rule.severity.value} | {rule.description} | {message} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(catalog_markdown(), end="")
