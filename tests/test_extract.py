"""Field extraction from the free text prescribers write: other phrasings, orders and layouts of one meaning."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.extract.fields import extract
from gateway.parsing.html import html_to_text

TODAY = dt.date(2026, 12, 2)

ONE_LINE_RECIPIENT = """Bonjour,

Pharmacie du Parc — tél. 450 555-0161 — téléc. 450 555-0160

Nom : Tremblay
Prénom : Marie
DDN : 1965-03-05
NAM : TREM65530510
Dossier : 087231

Rx :
- Ramipril 5 mg 1 co die x 90 jours

Cordialement,

Dre Sophie Gagnon
Médecin de famille
CMQ 18765
514 555-0123"""

SURNAME_FIRST = """À : Pharmacie Lafleur et Gendron (tél. 819 555-0191, téléc. 819 555-0190)

Ordonnance pour TREMBLAY, Marie, DDN 05/03/1965, NAM TREM 6553 0510, dossier no 087231. Allergies : aucune.

1) Amoxicilline 500 mg po TID x 10 jours (30 caps)

Karine Lévesque, IPSPL, #OIIQ 1512045, 819 555-0144"""

REPLY_WITH_HISTORY = """Voici l'ordonnance corrigée.

Pharmacie Auxbonsoins
Téléphone : (514) 555-0151
Fax : (514) 555-0150

Patiente : Mme Élise D'Amours, née le 1er février 1980, NAM DAME 8052 0112, N° de dossier : H-445566

Salbutamol 100 mcg/dose 2 inh q4h prn, 1 inhalateur, Ren 2

Dr Marc Ouellet
Permis : 09432
Tél. bureau : 450 555-0123

AVIS DE CONFIDENTIALITÉ : Ce courriel est confidentiel et destiné uniquement au destinataire.

-----Message d'origine-----
De : Pharmacie <x@y.com>
Envoyé : 3 novembre 2026
Mme Autre Personne, NAM AUTP12345678
"""


def test_recipient_on_one_line_and_labelled_patient_block() -> None:
    ex = extract(ONE_LINE_RECIPIENT, today=TODAY)
    assert (ex.recipient.name, ex.recipient.fax, ex.recipient.phone) == (
        "Pharmacie du Parc",
        "+14505550160",
        "+14505550161",
    )
    p = ex.patient
    assert (p.last_name, p.first_name, p.dob, p.nam, p.file_number) == (
        "Tremblay",
        "Marie",
        dt.date(1965, 3, 5),
        "TREM65530510",
        "087231",
    )
    s = ex.sender
    assert (s.first_name, s.last_name, s.licence, s.phone) == ("Sophie", "Gagnon", "18765", "+15145550123")
    assert ex.orders == ["Ramipril 5 mg 1 co die x 90 jours"]


def test_surname_first_ips_signature_and_ambiguous_date_settled_by_nam() -> None:
    ex = extract(SURNAME_FIRST, today=TODAY)
    assert ex.recipient.name == "Pharmacie Lafleur et Gendron"
    assert (ex.patient.last_name, ex.patient.first_name) == ("TREMBLAY", "Marie")
    assert ex.patient.dob == dt.date(1965, 3, 5)  # 05/03 is ambiguous alone; the NAM says March 5
    assert ex.sender.profession == "infirmière praticienne spécialisée"
    assert (ex.sender.first_name, ex.sender.last_name, ex.sender.licence) == ("Karine", "Lévesque", "1512045")
    assert ex.allergies is not None


def test_quoted_history_and_disclaimer_are_not_the_order() -> None:
    ex = extract(REPLY_WITH_HISTORY, today=TODAY)
    assert ex.patient.nam == "DAME80520112"
    assert ex.patient.last_name == "D'Amours"
    assert ex.patient.file_number == "H-445566"
    assert ex.orders == ["Salbutamol 100 mcg/dose 2 inh q4h prn, 1 inhalateur, Ren 2"]
    assert ex.sender.phone == "+14505550123"


def test_invalid_numbers_are_kept_as_written_for_the_rules() -> None:
    ex = extract("Dr Test Untel , #Lic 00000, téléphone où vous pouvez me rejoindre : 123 456-7899", today=TODAY)
    assert ex.sender.licence == "00000"
    assert ex.sender.phone_raw == "123 456-7899" and ex.sender.phone is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Ordonnance pour Mme Test Covid, D D.N. 3 janvier 1946.", dt.date(1946, 1, 3)),
        ("Usager : M. Paul Roy, né le 1er mars 1950", dt.date(1950, 3, 1)),
        ("Patient : Paul Roy, date de naissance : 1950/03/01", dt.date(1950, 3, 1)),
        ("Mme Anne Roy (DDN : 30-09-1979)", dt.date(1979, 9, 30)),
    ],
)
def test_date_of_birth_labels(line: str, expected: dt.date) -> None:
    assert extract(line, today=TODAY).patient.dob == expected


def test_patient_consent_and_critical_values() -> None:
    body = (
        "Destinataire : usager\nConsentement de l'usager à l'envoi par courriel : obtenu\n\n"
        "Analyses : TSH\n\nValeurs critiques : joindre le 819-555-0177\n"
    )
    ex = extract(body, today=TODAY)
    assert ex.addressed_to_patient and ex.consent_stated
    assert ex.critical_values_phone == "+18195550177"
    refused = extract("Destinataire : usager\nConsentement : non obtenu", today=TODAY)
    assert refused.addressed_to_patient and not refused.consent_stated


def test_outlook_html_paragraphs_signature_table_and_cid() -> None:
    html = (
        "<html><head><style>p{}</style></head><body><p class=MsoNormal>Bonjour,<o:p></o:p></p>"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Pharmacie X<br>T&eacute;l&nbsp;: 514 555-0151</p>"
        '<table><tr><td><img src="cid:image001.png@01DA"></td><td><p>Dre Sophie Gagnon</p></td></tr></table>'
        "</body></html>"
    )
    text, cids = html_to_text(html)
    assert text == "Bonjour,\n\nPharmacie X\nTél : 514 555-0151\nDre Sophie Gagnon"
    assert cids == {"image001.png@01da"}


def test_signature_split_over_blocks_is_one_signature() -> None:
    body = (
        "Pharmacie X\nTél : 514 555-0151\nTéléc : 514 555-0150\n\n"
        "Ordonnance pour Mme Lan Ng, née le 30 septembre 1979, NAM NGXL 7959 3019, dossier 771502.\n\n"
        "Ramipril 5 mg 1 co po DIE, 90 co\n\nCordialement,\n\nDre Sophie Gagnon\n\nPermis : 18765\nTél : 514 555-0123"
    )
    ex = extract(body, today=TODAY)
    assert (ex.sender.first_name, ex.sender.last_name, ex.sender.licence) == ("Sophie", "Gagnon", "18765")
    assert ex.orders == ["Ramipril 5 mg 1 co po DIE, 90 co"]


ENGLISH = """Hi,

To: Pharmacie Jean Coutu #123
Phone: (514) 555-0151
Fax: (514) 555-0150

Patient name: SMITH, John
DOB: March 5, 1965
Health card: SMIJ 6503 0514
Chart #: 445566

Rx:
1. Amlodipine 5 mg PO daily, 90 tabs, 3 refills

Dr. Marc Ouellet MD
License 09432
Tel 514-555-0123

Sent from Outlook for iOS"""


def test_english_labels_from_an_anglophone_prescriber() -> None:
    ex = extract(ENGLISH, today=TODAY)
    assert (ex.recipient.name, ex.recipient.fax) == ("Pharmacie Jean Coutu #123", "+15145550150")
    p = ex.patient
    assert (p.last_name, p.first_name, p.dob, p.nam, p.file_number) == (
        "SMITH",
        "John",
        dt.date(1965, 3, 5),
        "SMIJ65030514",
        "445566",
    )
    assert (ex.sender.last_name, ex.sender.licence) == ("Ouellet", "09432")
    assert ex.orders == ["Amlodipine 5 mg PO daily, 90 tabs, 3 refills"]


def test_a_message_written_as_one_paragraph_is_read_sentence_by_sentence() -> None:
    body = (
        "Bonjour, voici une ordonnance. Pharmacie Lafleur et Gendron, tél 819 555-0191, téléc 819 555-0190. "
        "Ordonnance pour Mme Lan Ng, née le 30 septembre 1979. NAM : NGXL 7959 3019. Numéro de dossier : 771502. "
        "Aucune allergie connue. Ramipril 5 mg 1 co po DIE, 90 co, Ren 3. "
        "Julie Nguyen, MD — permis 21504 — joignable au 819-555-0177"
    )
    ex = extract(body, today=TODAY)
    assert (ex.recipient.name, ex.recipient.fax) == ("Pharmacie Lafleur et Gendron", "+18195550190")
    assert (ex.patient.last_name, ex.patient.file_number, ex.patient.dob) == ("Ng", "771502", dt.date(1979, 9, 30))
    assert (ex.sender.first_name, ex.sender.last_name, ex.sender.licence) == ("Julie", "Nguyen", "21504")
    assert ex.orders == ["Ramipril 5 mg 1 co po DIE, 90 co, Ren 3."]


def test_nested_signature_tables_keep_their_lines() -> None:
    html = (
        "<div>Pharmacie du Parc</div><div>Tél.: 450 555-0161</div>"
        '<table><tr><td><table><tr><td><img src="cid:logo@x"></td></tr></table></td>'
        "<td><table><tr><td><b>Dre Sophie Gagnon</b></td></tr><tr><td>Médecin de famille</td></tr>"
        "<tr><td>Permis 18765 | Tél. 514 555-0123</td></tr></table></td></tr></table><p>Merci</p>"
    )
    text, cids = html_to_text(html)
    assert text.splitlines() == [
        "Pharmacie du Parc",
        "Tél.: 450 555-0161",
        "Dre Sophie Gagnon",
        "Médecin de famille",
        "Permis 18765 | Tél. 514 555-0123",
        "Merci",
    ]
    assert cids == {"logo@x"}


@pytest.mark.parametrize(
    "block",
    [
        "Pharmacie Lafleur et Gendron\n\nTél : 819 555-0191\nTéléc : 819 555-0190",
        "À l'attention de : Pharmacie Lafleur et Gendron\nTél : 819 555-0191\nTéléc : 819 555-0190",
        "Pharmacie Lafleur et Gendron 819 555-0191 (tél) 819 555-0190 (fax)",
    ],
)
def test_recipient_block_layouts(block: str) -> None:
    ex = extract(f"Bonjour,\n\n{block}\n\nRamipril 5 mg 1 co po DIE, 90 co", today=TODAY)
    assert (ex.recipient.name, ex.recipient.fax, ex.recipient.phone) == (
        "Pharmacie Lafleur et Gendron",
        "+18195550190",
        "+18195550191",
    )
    assert ex.orders == ["Ramipril 5 mg 1 co po DIE, 90 co"]


def test_patient_identified_in_an_attached_emr_pdf_completes_the_body() -> None:
    from tests.msgbuild import Msg, Part, check, codes, pdf_text

    form = pdf_text(
        "TÉLÉCONSULTATION\nOrdonnances médicales\nNom : Ng  Prénom : Lan\nDate de naissance : 1979-09-30\n"
        "NAM : NGXL 7959 3019\nNo de dossier : 771502\nRamipril 5 mg 1 co po DIE, 90 co"
    )
    msg = Msg(patient="Ordonnance ci-jointe.", orders="", attachments=(Part(form),))
    result = check(msg)
    assert result.extracted.patient.file_number == "771502"
    assert result.extracted.patient.dob == dt.date(1979, 9, 30)
    assert result.accepted, codes(result)


def test_ips_signature_with_a_bare_licence_number() -> None:
    ex = extract("Ramipril 5 mg 1 co po DIE, 90 co\n\nKarine Lévesque IPSPL #1512045\n819 555-0144", today=TODAY)
    assert (ex.sender.first_name, ex.sender.last_name, ex.sender.licence) == ("Karine", "Lévesque", "1512045")
    assert ex.sender.profession == "infirmière praticienne spécialisée"
    assert ex.sender.phone == "+18195550144"
    assert extract("Julie Nguyen, MD 819-555-0177", today=TODAY).sender.licence is None
