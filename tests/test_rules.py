"""Every rule of the catalog, both ways: a message that breaks it gets the code with the catalog's severity,
and a near-identical message that respects it does not get the code.

Messages are built by tests/msgbuild.py (a valid drug prescription to a pharmacy fax, one knob changed) and
judged in-process by `check_bytes` with the shared corpus configuration (directory and enrolled senders).
A rule added to validators/registry.py without a case here fails `test_every_rule_is_tested`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import cache

import pytest

from gateway.pipeline import CheckContext
from tests.msgbuild import (
    AUXBONSOINS_FAX,
    DOCX,
    LAFLEUR_FAX,
    NGUYEN,
    PDF,
    RADIO_FAX,
    Msg,
    Part,
    check,
    codes,
    context_with_limits,
    docx_bytes,
    jpeg_bytes,
    pdf_encrypted,
    pdf_image_only,
    pdf_text,
    png_bytes,
    zip_bytes,
)
from validators.registry import CODES, RULES

# Severities as RULES.md states them (MESSAGE_* were added to the catalog as errors).
SEVERITY = {
    "MESSAGE_MALFORMED": "error",
    "MESSAGE_LIMIT_EXCEEDED": "error",
    "SENDER_DOMAIN": "error",
    "SENDER_UNREGISTERED": "error",
    "SENDER_SPOOFED": "error",
    "SENDER_IDENTITY_MISMATCH": "error",
    "RECIPIENT_NONE": "error",
    "RECIPIENT_MULTIPLE": "error",
    "CC_NOT_ARCHIVES": "error",
    "ARCHIVES_NOT_CC": "warning",
    "FAX_NUMBER_INVALID": "error",
    "FAX_NUMBER_MISMATCH": "error",
    "FAX_NOT_IN_DIRECTORY": "warning",
    "DOCUMENT_KIND_UNKNOWN": "error",
    "DRUG_RX_TO_PATIENT": "error",
    "IMAGING_RX_TO_PATIENT": "error",
    "DRUG_RX_NOT_PHARMACY": "error",
    "IMAGING_RX_NOT_IMAGING": "error",
    "DESTINATION_INSECURE": "error",
    "PATIENT_CONSENT_MISSING": "error",
    "LAB_CALLBACK_MISSING": "error",
    "NOTES_NOT_TO_ARCHIVES": "error",
    "RECIPIENT_NAME_MISSING": "error",
    "RECIPIENT_FAX_MISSING": "error",
    "RECIPIENT_PHONE_MISSING": "error",
    "SENDER_NAME_MISSING": "error",
    "SENDER_LICENCE_MISSING": "error",
    "SENDER_PHONE_MISSING": "error",
    "SENDER_PHONE_INVALID": "error",
    "PATIENT_NAME_MISSING": "error",
    "PATIENT_DOB_MISSING": "error",
    "PATIENT_DOB_INVALID": "error",
    "PATIENT_ID_MISSING": "error",
    "PATIENT_NAM_INVALID": "error",
    "PATIENT_NAM_MISMATCH": "warning",
    "PATIENT_NAM_CHECKSUM": "info",
    "PATIENT_FILE_MISSING": "error",
    "RX_CONTENT_MISSING": "error",
    "RX_SIG_VAGUE": "error",
    "RX_DRUG_INCOMPLETE": "warning",
    "RX_DANGEROUS_ABBREVIATION": "warning",
    "CLINICAL_INFO_ABSENT": "info",
    "ATTACHMENT_PHOTO": "error",
    "INLINE_IMAGE_IGNORED": "info",
    "ATTACHMENT_SCANNED": "error",
    "ATTACHMENT_TYPE": "error",
    "ATTACHMENT_UNREADABLE": "error",
    "ATTACHMENT_TOO_LARGE": "error",
    "ATTACHMENT_TELECONSULTATION_MISSING": "warning",
    "ATTACHMENT_NAME": "info",
}

BASE = Msg()

PATIENT_NO_DOB = (
    "Ordonnance pour Mme Lan Ng.\nNAM : NGXL 7959 3019\nNuméro de dossier : 771502\nAllergies : aucune connue"
)


def patient(
    *,
    dob: str = "née le 30 septembre 1979",
    nam: str | None = "NAM : NGXL 7959 3019",
    file: str | None = "Numéro de dossier : 771502",
    extra: str = "",
    name: str = "Mme Lan Ng",
) -> str:
    lines = [f"Ordonnance pour {name}, {dob}." if dob else f"Ordonnance pour {name}."]
    lines += [x for x in (nam, file, extra, "Allergies : aucune connue") if x]
    return "\n".join(lines)


def m(**changes: object) -> Msg:
    return replace(BASE, **changes)  # type: ignore[arg-type]


def with_orders(orders: str) -> Msg:
    return m(orders=orders)


def pdf(data: bytes, name: str = "Ordonnances médicales_771502.pdf", ctype: str = PDF) -> tuple[Part, ...]:
    return (Part(data, ctype, name),)


# -- documents other than drug prescriptions -------------------------------------------------------------

CONSENT = "Destinataire : usager\nConsentement de l'usager à l'envoi par courriel : obtenu (consigné au dossier)"
CRITICAL = "Valeurs critiques : joindre le 819 555-0177 en tout temps"
LAB_TO_PATIENT = m(
    to="lan.ng79@gmail.com",
    subject="Requête de laboratoire",
    greeting="Bonjour Mme Ng,",
    recipient=CONSENT,
    orders=f"Prélèvements sanguins : TSH, FSC, glycémie à jeun\n{CRITICAL}",
)
IMAGING_TO_RADIO = m(
    to=RADIO_FAX,
    subject="Ordonnance d'imagerie",
    recipient="Clinique de radiologie Saint-Denis\nTél : 514 555-0171\nTéléc : 514 555-0170",
    orders="Échographie abdominale supérieure\nIndication : douleur à l'hypochondre droit",
)
NOTES_TO_ARCHIVES = m(
    to="archives.hmr@ssss.gouv.qc.ca",
    cc=None,
    subject="Notes d'évolution",
    recipient="",
    orders=(
        "Note d'évolution — téléconsultation du 1er décembre 2026\n"
        "Usagère vue en téléconsultation pour le suivi de son HTA. TA à domicile 128/82.\n"
        "Plan : poursuivre le ramipril, revoir dans 3 mois."
    ),
)
TO_COLLEAGUE = m(
    to="marc.ouellet.med@ssss.gouv.qc.ca",
    subject="Billet médical",
    recipient="",
    patient="Mme Lan Ng, née le 30 septembre 1979.\nNAM : NGXL 7959 3019\nNuméro de dossier : 771502",
    orders="Merci de revoir cette usagère à votre prochaine clinique.",
)

AUTH_FAIL = (
    "mx.ssss.gouv.qc.ca; spf=pass smtp.mailfrom=ssss.gouv.qc.ca; dkim=fail header.d=ssss.gouv.qc.ca; "
    "dmarc=fail action=quarantine header.from=ssss.gouv.qc.ca"
)
AUTH_PASS = (
    "mx.ssss.gouv.qc.ca; spf=pass smtp.mailfrom=ssss.gouv.qc.ca; dkim=pass header.d=ssss.gouv.qc.ca; "
    "dmarc=pass action=none header.from=ssss.gouv.qc.ca"
)
HTML_WITH_LOGO = m(html=True, logo_cid="image001.png@01DB4A2C.5E1F7B30")


def truncated(msg: Msg) -> bytes:
    raw = msg.build()
    return raw[: int(len(raw) * 0.6)]


@cache
def small_messages() -> CheckContext:
    return context_with_limits(max_message_bytes=2048)


CTX = {"small_messages": small_messages}
DISCLAIMER = ("AVIS DE CONFIDENTIALITÉ : ce courriel peut contenir des renseignements confidentiels. " * 40).strip()


# (code, case id, message or raw bytes, context name or None)
Case = tuple[str, str, "Msg | bytes", "str | None"]

REJECT: list[Case] = [
    ("MESSAGE_MALFORMED", "truncated_mime", truncated(m(attachments=pdf(pdf_text()))), None),
    ("MESSAGE_LIMIT_EXCEEDED", "over_message_bytes", m(closing=DISCLAIMER), "small_messages"),
    ("SENDER_DOMAIN", "gmail", m(from_="Julie Nguyen <julie.nguyen.md@gmail.com>"), None),
    ("SENDER_DOMAIN", "lookalike_suffix", m(from_="Julie Nguyen <julie.nguyen.med@ssss.gouv.qc.ca.evil.net>"), None),
    ("SENDER_DOMAIN", "display_name_trick", m(from_='"julie.nguyen.med@ssss.gouv.qc.ca" <a@gmail.com>'), None),
    ("SENDER_DOMAIN", "display_domain_trick", m(from_='"ssss.gouv.qc.ca" <a@gmail.com>'), None),
    ("SENDER_UNREGISTERED", "network_not_enrolled", m(from_="Luc Roy <luc.roy@ssss.gouv.qc.ca>"), None),
    ("SENDER_SPOOFED", "trusted_dmarc_fail", m(headers=(("Authentication-Results", AUTH_FAIL),)), None),
    (
        "SENDER_IDENTITY_MISMATCH",
        "other_licence",
        m(signature="Julie Nguyen, MD — permis 18765 — joignable au 819-555-0177"),
        None,
    ),
    (
        "SENDER_IDENTITY_MISMATCH",
        "other_name",
        m(signature="Dr Marc Ouellet, MD — permis 21504 — joignable au 819-555-0177"),
        None,
    ),
    ("RECIPIENT_NONE", "no_to_no_cc", m(to=None, cc=None), None),
    ("RECIPIENT_MULTIPLE", "two_faxes", m(to=f"{LAFLEUR_FAX}, {AUXBONSOINS_FAX}"), None),
    (
        "RECIPIENT_MULTIPLE",
        "fax_plus_cc_colleague",
        m(cc="archives.hmr@ssss.gouv.qc.ca, luc.roy@ssss.gouv.qc.ca"),
        None,
    ),
    ("CC_NOT_ARCHIVES", "colleague_in_cc", m(cc="archives.hmr@ssss.gouv.qc.ca, luc.roy@ssss.gouv.qc.ca"), None),
    ("ARCHIVES_NOT_CC", "no_cc", m(cc=None), None),
    ("FAX_NUMBER_INVALID", "dashes", m(to="819-555-0190@telecopie.example.org"), None),
    ("FAX_NUMBER_INVALID", "area_code_1xx", m(to="1195550190@telecopie.example.org"), None),
    ("FAX_NUMBER_INVALID", "nine_digits", m(to="819555019@telecopie.example.org"), None),
    ("FAX_NUMBER_INVALID", "extension", m(to="8195550190x12@telecopie.example.org"), None),
    (
        "FAX_NUMBER_MISMATCH",
        "body_differs",
        m(recipient="Pharmacie Lafleur et Gendron\nTél : 819 555-0191\nTélécopieur : 819 555-0199"),
        None,
    ),
    (
        "FAX_NOT_IN_DIRECTORY",
        "unknown_pharmacy",
        m(
            to="4385550142@telecopie.example.org",
            recipient="Pharmacie Jean Coutu Rosemont\nTél : 438 555-0141\nTéléc. : 438 555-0142",
        ),
        None,
    ),
    ("DOCUMENT_KIND_UNKNOWN", "no_kind_words", replace(TO_COLLEAGUE, subject="Suivi"), None),
    ("DRUG_RX_TO_PATIENT", "drug_to_gmail_with_consent", m(to="lan.ng79@gmail.com", recipient=CONSENT), None),
    (
        "IMAGING_RX_TO_PATIENT",
        "imaging_to_gmail",
        replace(IMAGING_TO_RADIO, to="lan.ng79@gmail.com", recipient=CONSENT),
        None,
    ),
    (
        "DRUG_RX_NOT_PHARMACY",
        "drug_to_radiology",
        m(to=RADIO_FAX, recipient="Clinique de radiologie Saint-Denis\nTél : 514 555-0171\nTéléc : 514 555-0170"),
        None,
    ),
    (
        "IMAGING_RX_NOT_IMAGING",
        "imaging_to_pharmacy",
        replace(IMAGING_TO_RADIO, to=LAFLEUR_FAX, recipient=BASE.recipient),
        None,
    ),
    (
        "DESTINATION_INSECURE",
        "lab_to_gmail_undeclared",
        replace(LAB_TO_PATIENT, recipient="Consentement de l'usager à l'envoi par courriel : obtenu"),
        None,
    ),
    ("PATIENT_CONSENT_MISSING", "no_consent", replace(LAB_TO_PATIENT, recipient="Destinataire : usager"), None),
    (
        "PATIENT_CONSENT_MISSING",
        "consent_refused",
        replace(LAB_TO_PATIENT, recipient="Destinataire : usager\nConsentement à l'envoi par courriel : non obtenu"),
        None,
    ),
    (
        "LAB_CALLBACK_MISSING",
        "no_critical_values_number",
        replace(
            LAB_TO_PATIENT,
            orders="Prélèvements sanguins : TSH, FSC, glycémie à jeun",
            signature="Julie Nguyen, MD — permis 21504",
        ),
        None,
    ),
    ("NOTES_NOT_TO_ARCHIVES", "notes_to_fax", replace(NOTES_TO_ARCHIVES, to=LAFLEUR_FAX, cc=BASE.cc), None),
    ("NOTES_NOT_TO_ARCHIVES", "notes_to_gmail", replace(NOTES_TO_ARCHIVES, to="lan.ng79@gmail.com", cc=BASE.cc), None),
    ("RECIPIENT_NAME_MISSING", "numbers_only", m(recipient="Tél : 819 555-0191\nTélécopieur : 819 555-0190"), None),
    (
        "RECIPIENT_FAX_MISSING",
        "no_fax_line",
        m(recipient="Destinataire : Pharmacie Lafleur et Gendron\nTél : 819 555-0191"),
        None,
    ),
    (
        "RECIPIENT_PHONE_MISSING",
        "no_phone_line",
        m(recipient="Pharmacie Lafleur et Gendron\nTélécopieur : 819 555-0190"),
        None,
    ),
    ("SENDER_NAME_MISSING", "licence_and_phone_only", m(signature="Permis 21504 — joignable au 819-555-0177"), None),
    ("SENDER_LICENCE_MISSING", "no_licence", m(signature="Julie Nguyen, MD — joignable au 819-555-0177"), None),
    ("SENDER_PHONE_MISSING", "no_phone", m(signature="Julie Nguyen, MD — permis 21504"), None),
    (
        "SENDER_PHONE_INVALID",
        "guide_example_number",
        m(signature="Julie Nguyen, MD — permis 21504 — téléphone où vous pouvez me joindre : 123 456-7899"),
        None,
    ),
    ("PATIENT_NAME_MISSING", "no_name", m(patient=patient(name="l'usagère")), None),
    ("PATIENT_DOB_MISSING", "no_dob", m(patient=patient(dob="")), None),
    (
        "PATIENT_DOB_INVALID",
        "ambiguous_no_nam",
        m(patient=patient(dob="DDN : 03/04/1950", nam="Nom de la mère : Lise Tremblay")),
        None,
    ),
    ("PATIENT_DOB_INVALID", "ambiguous_nam_disagrees", m(patient=patient(dob="DDN : 03/04/1979")), None),
    ("PATIENT_DOB_INVALID", "impossible", m(patient=patient(dob="DDN : 31/02/1980")), None),
    ("PATIENT_DOB_INVALID", "future", m(patient=patient(dob="date de naissance : 2027-05-01")), None),
    ("PATIENT_ID_MISSING", "no_nam_no_alt", m(patient=patient(nam=None)), None),
    ("PATIENT_NAM_INVALID", "month_13", m(patient=patient(nam="NAM : NGXL 7913 3019")), None),
    ("PATIENT_NAM_INVALID", "three_letters", m(patient=patient(nam="NAM : NGX 7959 3019")), None),
    ("PATIENT_NAM_INVALID", "day_32", m(patient=patient(nam="NAM : NGXL 7959 3219")), None),
    ("PATIENT_NAM_MISMATCH", "other_letters", m(patient=patient(nam="NAM : TREM 7959 3019")), None),
    ("PATIENT_NAM_MISMATCH", "other_birth_date", m(patient=patient(dob="née le 29 septembre 1979")), None),
    ("PATIENT_NAM_MISMATCH", "male_title_female_nam", m(patient=patient(name="M. Lan Ng")), None),
    ("PATIENT_NAM_CHECKSUM", "bad_check_digit", m(patient=patient(nam="NAM : NGXL 7959 3018")), None),
    ("PATIENT_FILE_MISSING", "no_file_number", m(patient=patient(file=None)), None),
    ("RX_CONTENT_MISSING", "no_orders_no_attachment", m(orders=""), None),
    ("RX_SIG_VAGUE", "tel_que_prescrit", with_orders("Ramipril 5 mg tel que prescrit, 90 co, Ren 3"), None),
    ("RX_SIG_VAGUE", "usage_connu", with_orders("Ramipril 5 mg, usage connu, 90 co"), None),
    ("RX_SIG_VAGUE", "selon_avis", with_orders("Prednisone 5 mg selon avis, 30 co"), None),
    ("RX_SIG_VAGUE", "UD", with_orders("Crème hydrocortisone 1 % UD, 30 g"), None),
    ("RX_SIG_VAGUE", "as_directed", with_orders("Ramipril 5 mg as directed, 90 co"), None),
    ("RX_DRUG_INCOMPLETE", "no_strength", with_orders("Ramipril 1 co po DIE, 90 co, Ren 3"), None),
    ("RX_DRUG_INCOMPLETE", "no_frequency", with_orders("Ramipril 5 mg, 90 co, Ren 3"), None),
    ("RX_DRUG_INCOMPLETE", "no_quantity", with_orders("Ramipril 5 mg 1 co po DIE"), None),
    ("RX_DRUG_INCOMPLETE", "second_drug_incomplete",
     with_orders("Ramipril 5 mg 1 co po DIE, 90 co\nTylenol 2 co po QID PRN, 100 co"), None),
    ("RX_DRUG_INCOMPLETE", "dose_without_frequency", with_orders("Ramipril 5 mg 1 co po, 90 co"), None),
    ("RX_DANGEROUS_ABBREVIATION", "U", with_orders("Insuline glargine 10 U SC HS, 3 stylos, Ren 6"), None),
    ("RX_DANGEROUS_ABBREVIATION", "IU", with_orders("Vitamine D3 1000 IU po DIE, 90 co"), None),
    ("RX_DANGEROUS_ABBREVIATION", "QD", with_orders("Lévothyroxine 50 mcg po QD, 90 co"), None),
    ("RX_DANGEROUS_ABBREVIATION", "QOD", with_orders("Prednisone 5 mg po QOD, 15 co"), None),
    ("RX_DANGEROUS_ABBREVIATION", "OD", with_orders("Ramipril 5 mg 1 co po OD, 90 co"), None),
    ("RX_DANGEROUS_ABBREVIATION", "cc", with_orders("Amoxicilline 250 mg/5 mL, 5 cc po TID x 10 jours"), None),
    ("RX_DANGEROUS_ABBREVIATION", "microgram_sign", with_orders("Lévothyroxine 50 µg po DIE, 90 co"), None),
    ("RX_DANGEROUS_ABBREVIATION", "trailing_zero", with_orders("Warfarine 5.0 mg po DIE, 30 co"), None),
    ("RX_DANGEROUS_ABBREVIATION", "naked_decimal", with_orders("Colchicine .5 mg po BID, 30 co"), None),
    (
        "CLINICAL_INFO_ABSENT",
        "no_allergy_no_intent",
        m(patient=patient().replace("\nAllergies : aucune connue", "")),
        None,
    ),
    ("ATTACHMENT_PHOTO", "jpeg_named_pdf", m(attachments=pdf(jpeg_bytes(), "Ordonnances médicales_771502.pdf")), None),
    (
        "ATTACHMENT_PHOTO",
        "jpeg_as_octet_stream",
        m(attachments=(Part(jpeg_bytes(), "application/octet-stream", "IMG_2041.JPG"),)),
        None,
    ),
    (
        "ATTACHMENT_PHOTO",
        "image_not_referenced_by_cid",
        replace(HTML_WITH_LOGO, attachments=(Part(jpeg_bytes(), "image/jpeg", "photo.jpg", "photo@01DB"),)),
        None,
    ),
    ("INLINE_IMAGE_IGNORED", "signature_logo", HTML_WITH_LOGO, None),
    ("ATTACHMENT_SCANNED", "image_only_pdf", m(attachments=pdf(pdf_image_only())), None),
    ("ATTACHMENT_TYPE", "docx", m(attachments=pdf(docx_bytes(), "ordonnance.docx", DOCX)), None),
    ("ATTACHMENT_TYPE", "zip", m(attachments=pdf(zip_bytes(), "ordonnance.zip", "application/zip")), None),
    ("ATTACHMENT_UNREADABLE", "password_protected", m(attachments=pdf(pdf_encrypted())), None),
    ("ATTACHMENT_UNREADABLE", "truncated_pdf", m(attachments=pdf(pdf_text()[:600])), None),
    ("ATTACHMENT_TOO_LARGE", "21_pages", m(attachments=pdf(pdf_text(pages=21))), None),
    (
        "ATTACHMENT_TELECONSULTATION_MISSING",
        "form_without_mention",
        m(attachments=pdf(pdf_text("Ordonnances médicales\nRamipril 5 mg 1 co po DIE, 90 co"))),
        None,
    ),
    ("ATTACHMENT_NAME", "scan_name", m(attachments=pdf(pdf_text(), "Scan_20261202.pdf")), None),
]

ACCEPT: list[Case] = [
    ("MESSAGE_MALFORMED", "complete_mime", m(attachments=pdf(pdf_text())).build(), None),
    ("MESSAGE_LIMIT_EXCEEDED", "small_message", BASE, "small_messages"),
    ("SENDER_DOMAIN", "network_account", BASE, None),
    ("SENDER_DOMAIN", "upper_case_domain", m(from_="Julie Nguyen <Julie.Nguyen.Med@SSSS.GOUV.QC.CA>"), None),
    ("SENDER_UNREGISTERED", "enrolled", BASE, None),
    (
        "SENDER_SPOOFED",
        "untrusted_authserv_id_ignored",
        m(headers=(("Authentication-Results", AUTH_FAIL.replace("mx.ssss.gouv.qc.ca;", "mx.evil.example;")),)),
        None,
    ),
    ("SENDER_SPOOFED", "trusted_pass", m(headers=(("Authentication-Results", AUTH_PASS),)), None),
    ("SENDER_IDENTITY_MISMATCH", "own_name_and_licence", BASE, None),
    (
        "SENDER_IDENTITY_MISMATCH",
        "comma_display_name_dre",
        m(
            from_='"Gagnon, Sophie (CIUSSS)" <sophie.gagnon.med@ssss.gouv.qc.ca>',
            signature="Dre Sophie Gagnon\nPermis : 18765\nTél. : 514 555-0123",
        ),
        None,
    ),
    ("SENDER_IDENTITY_MISMATCH", "first_initial_only",
     m(signature="Dre J. Nguyen\nPermis 21504\nTél. : 819 555-0177"), None),
    ("RECIPIENT_NONE", "fax_in_to", BASE, None),
    ("RECIPIENT_MULTIPLE", "one_fax_archives_in_cc", BASE, None),
    ("CC_NOT_ARCHIVES", "archives_only", BASE, None),
    ("ARCHIVES_NOT_CC", "archives_in_cc", BASE, None),
    ("FAX_NUMBER_INVALID", "ten_digits", BASE, None),
    ("FAX_NUMBER_INVALID", "leading_one", m(to="18195550190@telecopie.example.org"), None),
    (
        "FAX_NUMBER_MISMATCH",
        "same_number_other_writing",
        m(
            to="18195550190@telecopie.example.org",
            recipient="Pharmacie Lafleur et Gendron\nTél : (819) 555-0191\nTéléc. : 1-819-555-0190",
        ),
        None,
    ),
    ("FAX_NOT_IN_DIRECTORY", "directory_pharmacy", BASE, None),
    ("DOCUMENT_KIND_UNKNOWN", "subject_names_document", TO_COLLEAGUE, None),
    ("DRUG_RX_TO_PATIENT", "drug_to_pharmacy_fax", BASE, None),
    ("IMAGING_RX_TO_PATIENT", "imaging_to_radiology_fax", IMAGING_TO_RADIO, None),
    ("DRUG_RX_NOT_PHARMACY", "drug_to_pharmacy", BASE, None),
    ("IMAGING_RX_NOT_IMAGING", "imaging_to_radiology", IMAGING_TO_RADIO, None),
    ("DESTINATION_INSECURE", "declared_patient", LAB_TO_PATIENT, None),
    ("DESTINATION_INSECURE", "network_address", TO_COLLEAGUE, None),
    ("PATIENT_CONSENT_MISSING", "consent_stated", LAB_TO_PATIENT, None),
    ("LAB_CALLBACK_MISSING", "critical_values_number", LAB_TO_PATIENT, None),
    ("NOTES_NOT_TO_ARCHIVES", "notes_to_archives", NOTES_TO_ARCHIVES, None),
    (
        "NOTES_NOT_TO_ARCHIVES",
        "notes_to_network_address",
        replace(NOTES_TO_ARCHIVES, to="marc.ouellet.med@ssss.gouv.qc.ca", cc=BASE.cc),
        None,
    ),
    ("RECIPIENT_NAME_MISSING", "named", BASE, None),
    ("RECIPIENT_FAX_MISSING", "fax_line", BASE, None),
    ("RECIPIENT_FAX_MISSING", "not_a_fax", TO_COLLEAGUE, None),
    ("RECIPIENT_PHONE_MISSING", "phone_line", BASE, None),
    ("SENDER_NAME_MISSING", "named", BASE, None),
    ("SENDER_LICENCE_MISSING", "permis", BASE, None),
    ("SENDER_LICENCE_MISSING", "hash_lic", m(signature="Dre Julie Nguyen, #Lic 21504, tél. : 819 555-0177"), None),
    ("SENDER_PHONE_MISSING", "joignable", BASE, None),
    ("SENDER_PHONE_INVALID", "valid_number", BASE, None),
    ("PATIENT_NAME_MISSING", "named", BASE, None),
    ("PATIENT_DOB_MISSING", "written_month", BASE, None),
    ("PATIENT_DOB_INVALID", "written_month", BASE, None),
    ("PATIENT_DOB_INVALID", "iso", m(patient=patient(dob="DDN : 1979-09-30")), None),
    ("PATIENT_DOB_INVALID", "unambiguous_day_first", m(patient=patient(dob="DDN : 30/09/1979")), None),
    (
        "PATIENT_DOB_INVALID",
        "ambiguous_settled_by_nam",
        m(patient=patient(dob="DDN : 03/04/1950", nam="NAM : NGXL 5054 0312")),
        None,
    ),
    ("PATIENT_ID_MISSING", "nam", BASE, None),
    ("PATIENT_ID_MISSING", "mother_name_instead", m(patient=patient(nam="Nom de la mère : Lise Tremblay")), None),
    ("PATIENT_NAM_INVALID", "with_spaces", BASE, None),
    ("PATIENT_NAM_INVALID", "no_spaces", m(patient=patient(nam="NAM : NGXL79593019")), None),
    ("PATIENT_NAM_INVALID", "woman_month_plus_50", m(patient=patient(nam="RAMQ : NGXL-7959-3019")), None),
    ("PATIENT_NAM_MISMATCH", "consistent", BASE, None),
    ("PATIENT_NAM_CHECKSUM", "good_check_digit", BASE, None),
    ("PATIENT_FILE_MISSING", "file_number", BASE, None),
    ("RX_CONTENT_MISSING", "orders_in_body", BASE, None),
    ("RX_CONTENT_MISSING", "text_pdf_instead", m(orders="", attachments=pdf(pdf_text())), None),
    ("RX_SIG_VAGUE", "dosage", BASE, None),
    ("RX_SIG_VAGUE", "imaging_contrast_selon_avis",
     replace(IMAGING_TO_RADIO, orders="Tomodensitométrie abdominale, contraste selon avis du radiologiste"), None),
    ("RX_SIG_VAGUE", "prn_with_reason", with_orders("Acétaminophène 500 mg 1-2 co po QID PRN douleur, 100 co"), None),
    ("RX_DRUG_INCOMPLETE", "complete", BASE, None),
    ("RX_DRUG_INCOMPLETE", "complete_duration", with_orders("Amoxicilline 500 mg 1 caps po TID x 10 jours"), None),
    ("RX_DRUG_INCOMPLETE", "percent_strength_and_container",
     with_orders("Latanoprost 0,005 % 1 gtt OU HS, 1 flacon\nFentanyl 25 mcg/h 1 timbre q72h, 10 timbres"), None),
    ("RX_DRUG_INCOMPLETE", "labelled_continuation_lines",
     with_orders("Médicament : Ramipril 5 mg\nPosologie : 1 co po DIE\nQuantité : 90 co\nRenouvellements : 3"), None),
    ("RX_DANGEROUS_ABBREVIATION", "DIE", BASE, None),
    ("RX_DANGEROUS_ABBREVIATION", "ondansetron", with_orders("Ondansetron ODT 4 mg po q8h PRN nausées, 10 co"), None),
    ("RX_DANGEROUS_ABBREVIATION", "leading_zero_comma", with_orders("Colchicine 0,5 mg po BID, 30 co"), None),
    ("RX_DANGEROUS_ABBREVIATION", "leading_zero_point", with_orders("Colchicine 0.5 mg po BID, 30 co"), None),
    ("RX_DANGEROUS_ABBREVIATION", "five_mg", with_orders("Warfarine 5 mg po DIE, 30 co"), None),
    ("RX_DANGEROUS_ABBREVIATION", "ten_mg", with_orders("Ramipril 10 mg 1 co po DIE, 90 co"), None),
    (
        "RX_DANGEROUS_ABBREVIATION",
        "unites_mcg",
        with_orders(
            "Insuline glargine 10 unités SC HS, 3 stylos\nVitamine D3 1000 UI po DIE, 90 co\n"
            "Lévothyroxine 50 mcg po DIE, 90 co"
        ),
        None,
    ),
    ("RX_DANGEROUS_ABBREVIATION", "mL", with_orders("Amoxicilline 250 mg/5 mL, 5 mL po TID x 10 jours, 150 mL"), None),
    ("CLINICAL_INFO_ABSENT", "allergies_stated", BASE, None),
    (
        "CLINICAL_INFO_ABSENT",
        "indication_stated",
        m(patient=patient().replace("Allergies : aucune connue", "Indication : hypertension artérielle")),
        None,
    ),
    ("ATTACHMENT_PHOTO", "text_pdf", m(attachments=pdf(pdf_text())), None),
    ("ATTACHMENT_PHOTO", "inline_logo_is_not_a_photo", HTML_WITH_LOGO, None),
    ("INLINE_IMAGE_IGNORED", "plain_text", BASE, None),
    ("ATTACHMENT_SCANNED", "text_pdf", m(attachments=pdf(pdf_text())), None),
    ("ATTACHMENT_TYPE", "pdf", m(attachments=pdf(pdf_text())), None),
    ("ATTACHMENT_UNREADABLE", "pdf", m(attachments=pdf(pdf_text())), None),
    ("ATTACHMENT_TOO_LARGE", "20_pages", m(attachments=pdf(pdf_text(pages=20))), None),
    ("ATTACHMENT_TELECONSULTATION_MISSING", "form_with_mention", m(attachments=pdf(pdf_text())), None),
    ("ATTACHMENT_NAME", "guide_name", m(attachments=pdf(pdf_text(), "Ordonnances médicales_771502.pdf")), None),
]


def _ids(cases: list[Case]) -> list[str]:
    return [f"{code}-{name}" for code, name, _, _ in cases]


def _judge(msg: Msg | bytes, ctx_name: str | None) -> dict[str, str]:
    ctx = CTX[ctx_name]() if ctx_name else None
    return codes(check(msg, ctx))


def test_every_rule_is_tested() -> None:
    assert {code for code, *_ in REJECT} == CODES
    assert {code for code, *_ in ACCEPT} == CODES
    assert set(SEVERITY) == CODES


def test_severities_match_the_catalog() -> None:
    assert {rule.code: rule.severity.value for rule in RULES} == SEVERITY


@pytest.mark.parametrize(("code", "name", "msg", "ctx"), REJECT, ids=_ids(REJECT))
def test_rule_reports(code: str, name: str, msg: Msg | bytes, ctx: str | None) -> None:
    found = _judge(msg, ctx)
    assert found.get(code) == SEVERITY[code], f"{code} expected, got {found}"


@pytest.mark.parametrize(("code", "name", "msg", "ctx"), ACCEPT, ids=_ids(ACCEPT))
def test_rule_stays_silent(code: str, name: str, msg: Msg | bytes, ctx: str | None) -> None:
    found = _judge(msg, ctx)
    assert code not in found, f"{code} not expected, got {found}"


def test_base_message_is_accepted_without_findings() -> None:
    result = check(BASE)
    assert result.verdict == "accepted"
    assert codes(result) == {}


def test_ambiguous_dob_settled_by_nam_takes_the_nam_date() -> None:
    result = check(m(patient=patient(dob="DDN : 03/04/1950", nam="NAM : NGXL 5053 0414")))
    assert result.extracted.patient.dob == dt.date(1950, 3, 4)
    result = check(m(patient=patient(dob="DDN : 03/04/1950", nam="NAM : NGXL 5054 0312")))
    assert result.extracted.patient.dob == dt.date(1950, 4, 3)


def test_display_name_never_makes_a_sender() -> None:
    result = check(m(from_='"Julie Nguyen <julie.nguyen.med@ssss.gouv.qc.ca>" <a@gmail.com>'))
    assert result.message.from_address == "a@gmail.com"
    assert {"SENDER_DOMAIN", "SENDER_UNREGISTERED"} <= set(codes(result))


def test_inline_logo_and_unreferenced_image_together() -> None:
    result = check(
        replace(HTML_WITH_LOGO, attachments=(Part(png_bytes(), "image/png", "image002.png", "unused@01DB"),))
    )
    found = codes(result)
    assert found.get("INLINE_IMAGE_IGNORED") == "info"
    assert found.get("ATTACHMENT_PHOTO") == "error"


def test_no_clinical_data_in_finding_messages() -> None:
    bad = m(
        orders="Ramipril 5 mg tel que prescrit, 90 co",
        patient=patient(dob="DDN : 03/04/1979", nam="NAM : TREM 7959 3018"),
        signature=NGUYEN.split("<")[0] + "— permis 18765",
    )
    for f in check(bad).findings:
        for secret in ("Ng", "TREM", "1979", "Ramipril", "18765"):
            assert secret not in f.message_fr.replace("Nguyen", "") and secret not in f.message_en


def test_heic_photo_is_both_a_photo_and_an_unsupported_type() -> None:
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200
    found = codes(check(Msg(attachments=(Part(heic, "image/heic", "IMG_0042.HEIC"),))))
    assert found.get("ATTACHMENT_PHOTO") == "error"
    assert found.get("ATTACHMENT_TYPE") == "error"
    plain_jpeg = codes(check(Msg(attachments=(Part(jpeg_bytes(), "image/jpeg", "photo.jpg"),))))
    assert "ATTACHMENT_TYPE" not in plain_jpeg
