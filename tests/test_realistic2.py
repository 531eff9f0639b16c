"""Second, independent round of realistic prescriber messages (none in the corpus nor in round 1).

Outlook mobile, bilingual Montréal physicians, residents, other licence and NAM writings, pharmacy chains,
fax numbers written every way, imaging and lab requisitions, documents to patients, HTML bodies made of
<div>/<span>/<br>, base64 and windows-1252 bodies, look-alike domains, Authentication-Results, and
attachments. Each case states what a careful reader applying RULES.md gets; a failure is a product bug.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.msgbuild import (
    ARCHIVES,
    AUXBONSOINS_FAX,
    DOCX,
    GAGNON,
    LEVESQUE,
    NGUYEN,
    OUELLET,
    PARC_FAX,
    PDF,
    RADIO_FAX,
    Case,
    Msg,
    Part,
    case_problems,
    check,
    docx_bytes,
    jpeg_bytes,
    nam_for,
    pdf_text,
    sections,
)

FAX_DOMAIN = "telecopie.example.org"
UNLISTED_FAX = f"4505550199@{FAX_DOMAIN}"  # a real-looking pharmacy number that the directory does not hold


def spaced(nam: str) -> str:
    return f"{nam[:4]} {nam[4:8]} {nam[8:]}"


# NAMs whose letters, date, sex and check digit agree with the patients below.
NAM_BOUCHARD = nam_for("BOUM", dt.date(1985, 1, 23), "F")  # Marie-Ève Bouchard-Gagnon
NAM_SMITH = nam_for("SMIJ", dt.date(1950, 1, 1), "M")  # John Smith
NAM_OCONNOR = nam_for("OCOP", dt.date(1962, 7, 14), "M")  # Patrick O'Connor
NAM_ROY = nam_for("ROYG", dt.date(1950, 1, 1), "F")  # Ginette Roy
NAM_TREMBLAY = nam_for("TREA", dt.date(1947, 11, 3), "M")  # André Tremblay
NAM_PARENT = nam_for("LAVS", dt.date(1990, 4, 18), "F")  # Sophie Lavoie, mother of Noah
NAM_LEBLANC = nam_for("LEBC", dt.date(1971, 3, 5), "F")  # Chantal Leblanc (05/03/1971)
NAM_NGO = nam_for("NGOT", dt.date(1958, 12, 25), "M")  # Thanh Ngo
NAM_GIRARD = nam_for("GIRL", dt.date(1966, 8, 30), "F")  # Lucie Girard
NAM_COHEN = nam_for("COHR", dt.date(1944, 2, 29), "F")  # Rachel Cohen (leap day)
NAM_DUBE = nam_for("DUBM", dt.date(2001, 10, 9), "M")  # Mathieu Dubé
NAM_FORTIN = nam_for("FORD", dt.date(1939, 5, 6), "F")  # Denise Fortin

PATIENT_BOUCHARD = (
    f"Patiente : Marie-Ève Bouchard-Gagnon\nDDN : 1985-01-23\nNAM : {spaced(NAM_BOUCHARD)}\n"
    "No de dossier : 554433\nAllergies : aucune connue"
)
BOUCHARD_FIELDS: dict[str, str | None] = {
    "patient.last_name": "Bouchard-Gagnon",
    "patient.first_name": "Marie-Ève",
    "patient.dob": "1985-01-23",
    "patient.nam": NAM_BOUCHARD,
    "patient.file_number": "554433",
}
PARC_BLOCK = "Pharmacie du Parc\nTél. : 450 555-0161\nTéléc. : 450 555-0160"
NGUYEN_SIG = "Dre Julie Nguyen, médecin\nPermis : 21504\nTél. : 819 555-0177"
LOGO = "image001.png@01DB4F11.2C3D4E50"
PHOTO_CID = "image002.jpg@01DB4F11.2C3D4E50"


def raw_html_with_inline_photo(body_html: str, *, subject: str = "Ordonnance") -> bytes:
    """An Outlook HTML message (multipart/related) whose body shows a JPEG pasted inline (cid:)."""
    import base64

    photo = base64.encodebytes(jpeg_bytes()).decode("ascii")
    return (
        f"From: {NGUYEN}\nTo: {PARC_FAX}\nCc: {ARCHIVES}\nSubject: {subject}\n"
        "Date: Wed, 02 Dec 2026 09:13:00 -0500\nMessage-ID: <r2-inline-photo@ssss.gouv.qc.ca>\n"
        'MIME-Version: 1.0\nContent-Type: multipart/related; boundary="rel"; type="text/html"\n\n'
        '--rel\nContent-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: 8bit\n\n'
        f'<html><body>{body_html}<p><img width=600 src="cid:{PHOTO_CID}"></p></body></html>\n'
        f'--rel\nContent-Type: image/jpeg; name="image002.jpg"\nContent-Description: image002.jpg\n'
        f'Content-Disposition: inline; filename="image002.jpg"\nContent-ID: <{PHOTO_CID}>\n'
        f"Content-Transfer-Encoding: base64\n\n{photo}\n--rel--\n"
    ).encode()


def html_para(text: str) -> str:
    return "".join(f"<p>{line}</p>" if line else "<p>&nbsp;</p>" for line in text.split("\n"))


CASES: list[Case] = []

# --- Outlook mobile, bilingual, and other ways of writing the same prescription ----------------------------

CASES += [
    Case(
        "outlook_ios_plain_compact",
        Msg(
            to=PARC_FAX,
            body=(
                "Bonjour\n\n"
                "Pharmacie du Parc tel (450) 555-0161 fax (450) 555-0160\n\n"
                f"Pt: Marie-Ève Bouchard-Gagnon ddn 1985-01-23 NAM {NAM_BOUCHARD} dossier 554433\n"
                "Allergie: aucune\n\n"
                "Cephalexine 500 mg 1 caps po QID x 7 jours, 28 caps\n\n"
                "Julie Nguyen md permis 21504 cell 819 555-0177\n\n"
                "Envoyé de Outlook pour iOS\n"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+14505550160",
            "recipient.phone": "+14505550161",
            "sender.licence": "21504",
            "sender.phone": "+18195550177",
            **BOUCHARD_FIELDS,
            "orders": "1",
        },
    ),
    Case(
        "outlook_android_dotted_numbers",
        Msg(
            from_=GAGNON,
            to=PARC_FAX,
            body=(
                "Bonjour,\n\n"
                "Pharmacie du Parc\nTél. 450.555.0161\nFax 450.555.0160\n\n" + PATIENT_BOUCHARD + "\n\n"
                "Valacyclovir 1 g 2 co po BID x 1 jour, 4 co\n\n"
                "Dre Sophie Gagnon\nPermis 18765\nTél. 514.555.0123\n\n"
                "Obtenir Outlook pour Android\n"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.name": "Pharmacie du Parc",
            "recipient.fax": "+14505550160",
            "recipient.phone": "+14505550161",
            "sender.licence": "18765",
            "sender.phone": "+15145550123",
            **BOUCHARD_FIELDS,
        },
    ),
    Case(
        "english_montreal_physician_labels",
        Msg(
            from_=OUELLET,
            to=AUXBONSOINS_FAX,
            subject="Prescription",
            greeting="Hi,",
            recipient="Pharmacy: Pharmacie Auxbonsoins\nPhone: (514) 555-0151\nFax: (514) 555-0150",
            patient=(
                f"Patient name: Smith, John\nDOB: 1950-01-01\nHealth card: {spaced(NAM_SMITH)}\n"
                "Chart #: 778899\nAllergies: sulfa"
            ),
            orders="Metoprolol 25 mg 1 tab PO BID, 180 tabs, 3 refills",
            signature="Dr. Marc Ouellet MD, License 09432, Tel 418-555-0133",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.name": "Pharmacie Auxbonsoins",
            "recipient.fax": "+15145550150",
            "recipient.phone": "+15145550151",
            "sender.last_name": "Ouellet",
            "sender.first_name": "Marc",
            "sender.licence": "09432",
            "sender.phone": "+14185550133",
            "patient.last_name": "Smith",
            "patient.first_name": "John",
            "patient.dob": "1950-01-01",
            "patient.nam": NAM_SMITH,
            "patient.file_number": "778899",
        },
        absent=("RX_DRUG_INCOMPLETE", "SENDER_IDENTITY_MISMATCH"),
    ),
    Case(
        "english_dob_month_first_and_mrn",
        Msg(
            from_=OUELLET,
            to=AUXBONSOINS_FAX,
            subject="Rx renewal",
            greeting="Good morning,",
            recipient="To: Pharmacie Auxbonsoins | Tel 514-555-0151 | Fax 514-555-0150",
            patient=(
                f"Re: Mr. Patrick O'Connor, born July 14, 1962\nMedicare: {spaced(NAM_OCONNOR)}\n"
                "MRN 5566771\nNo known allergies"
            ),
            orders="Rosuvastatin 10 mg 1 tab PO daily at bedtime, 90 tabs, refill x3",
            signature="Thanks,\nMarc Ouellet, M.D.\nCMQ 09432\nOffice: 418-555-0133",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+15145550150",
            "sender.licence": "09432",
            "sender.phone": "+14185550133",
            "patient.last_name": "O'Connor",
            "patient.first_name": "Patrick",
            "patient.dob": "1962-07-14",
            "patient.nam": NAM_OCONNOR,
            "patient.file_number": "5566771",
        },
    ),
    Case(
        "dash_list_orders_several_drugs_and_renewals",
        Msg(
            patient=(
                "Ordonnance pour M. André Tremblay, né le 3 novembre 1947\n"
                f"NAM : {spaced(NAM_TREMBLAY)}\nNuméro de dossier : 300122\nAllergie : codéine"
            ),
            orders=(
                "- Bisoprolol 5 mg 1 co po DIE, 30 co, Ren x3\n"
                "- Furosémide 20 mg 1 co po DIE le matin, 30 co, renouveler 3 fois\n"
                "- Potassium (K-Dur) 20 mEq 1 co po DIE, 30 co, Ren x3\n"
                "* Cesser l'hydrochlorothiazide"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+18195550190",
            "sender.licence": "21504",
            "patient.last_name": "Tremblay",
            "patient.first_name": "André",
            "patient.dob": "1947-11-03",
            "patient.nam": NAM_TREMBLAY,
            "patient.file_number": "300122",
            "orders": "4",
        },
        absent=("RX_DRUG_INCOMPLETE",),
    ),
    Case(
        "html_table_of_orders",
        Msg(
            to=PARC_FAX,
            html_body=(
                "<html><body><div>Bonjour,</div><div><br></div>"
                f"<div>{PARC_BLOCK.replace(chr(10), '<br>')}</div><div><br></div>"
                f"<div>{PATIENT_BOUCHARD.replace(chr(10), '<br>')}</div><div><br></div>"
                "<table border=1><tr><th>Médicament</th><th>Posologie</th><th>Quantité</th><th>Ren.</th></tr>"
                "<tr><td>Escitalopram 10 mg</td><td>1 co po DIE</td><td>30 co</td><td>5</td></tr>"
                "<tr><td>Mirtazapine 15 mg</td><td>1 co po HS</td><td>30 co</td><td>5</td></tr></table>"
                f"<div><br></div><div>{NGUYEN_SIG.replace(chr(10), '<br>')}</div></body></html>"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+14505550160",
            "recipient.phone": "+14505550161",
            "sender.licence": "21504",
            **BOUCHARD_FIELDS,
            "orders": "2",
        },
        absent=("RX_CONTENT_MISSING",),
    ),
    Case(
        "resident_under_supervision",
        Msg(
            to=PARC_FAX,
            recipient=PARC_BLOCK,
            patient=PATIENT_BOUCHARD,
            orders="Naproxène 500 mg 1 co po BID avec nourriture x 10 jours, 20 co",
            signature=(
                "Dre Julie Nguyen, résidente R2 en médecine familiale\nPermis 21504\n"
                "sous la supervision de Dre Sophie Gagnon (permis 18765)\nTél. : 819 555-0177"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "sender.last_name": "Nguyen",
            "sender.first_name": "Julie",
            "sender.licence": "21504",
            "sender.phone": "+18195550177",
            **BOUCHARD_FIELDS,
        },
        absent=("SENDER_IDENTITY_MISMATCH",),
    ),
    Case(
        "permis_no_with_cmq_prefix_1_dash",
        Msg(signature="Julie Nguyen, M.D.\nPermis no : 1-21504\nTél. : 819 555-0177"),
        "accepted",
        "fax",
        "drug_rx",
        {"sender.licence": "21504", "sender.phone": "+18195550177"},
        absent=("SENDER_IDENTITY_MISMATCH",),
    ),
    Case(
        "no_de_pratique",
        Msg(
            from_=GAGNON,
            to=PARC_FAX,
            recipient=PARC_BLOCK,
            signature="Sophie Gagnon, médecin\nNo de pratique 18765\nJoignable au 514 555-0123",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"sender.licence": "18765", "sender.last_name": "Gagnon", "sender.phone": "+15145550123"},
    ),
    Case(
        "numero_de_permis_cmq",
        Msg(
            from_=OUELLET,
            to=AUXBONSOINS_FAX,
            recipient="Pharmacie Auxbonsoins\nTél : 514 555-0151\nTéléc : 514 555-0150",
            signature="Dr Marc Ouellet\nNuméro de permis CMQ : 09432\nTéléphone : 418 555-0133",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"sender.licence": "09432", "sender.last_name": "Ouellet", "sender.phone": "+14185550133"},
    ),
    Case(
        "ips_no_de_prescripteur_ipspl",
        Msg(
            from_=LEVESQUE,
            to=PARC_FAX,
            recipient=PARC_BLOCK,
            signature="Karine Lévesque, IPSPL\nNo de prescripteur : 1512045\nTél. : 450 555-0199",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "sender.licence": "1512045",
            "sender.last_name": "Lévesque",
            "sender.first_name": "Karine",
            "sender.phone": "+14505550199",
        },
    ),
    Case(
        "ips_oiiq_label_with_colon",
        Msg(
            from_=LEVESQUE,
            to=PARC_FAX,
            recipient=PARC_BLOCK,
            patient=PATIENT_BOUCHARD,
            orders="Contraceptif oral Alesse 21, 1 co po DIE, 3 mois, Ren 3",
            signature="Karine Lévesque\nInfirmière praticienne spécialisée en soins de première ligne\n"
            "OIIQ : 1512045\nTél. : 450 555-0199",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"sender.licence": "1512045", "sender.last_name": "Lévesque", **BOUCHARD_FIELDS},
        absent=("SENDER_IDENTITY_MISMATCH",),
    ),
]

# --- pharmacies, fax numbers ---------------------------------------------------------------------------------

CASES += [
    Case(
        "jean_coutu_not_in_directory_one_dash_fax",
        Msg(
            to=UNLISTED_FAX,
            recipient="Pharmacie Jean Coutu (boul. Curé-Labelle)\nTél. : 1-450-555-0198\nTéléc. : 1-450-555-0199",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.name": "Pharmacie Jean Coutu", "recipient.fax": "+14505550199", "recipient.phone": "+14505550198"},
        present=("FAX_NOT_IN_DIRECTORY",),
        absent=("FAX_NUMBER_MISMATCH",),
    ),
    Case(
        "familiprix_number_sign_in_name",
        Msg(
            to=UNLISTED_FAX,
            recipient="Familiprix #123 — Tél : 450-555-0198 — Fax : 450-555-0199",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.name": "Familiprix #123", "recipient.fax": "+14505550199", "recipient.phone": "+14505550198"},
        present=("FAX_NOT_IN_DIRECTORY",),
    ),
    Case(
        "pharmaprix_with_pharmacist_owner",
        Msg(
            to=UNLISTED_FAX,
            recipient=(
                "Pharmaprix — Marie Tremblay, pharmacienne propriétaire\n"
                "téléphone : 450 555 0198\ntélécopieur : 450 555 0199"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.name": "Pharmaprix",
            "recipient.fax": "+14505550199",
            "recipient.phone": "+14505550198",
            "patient.last_name": "Ng",
        },
    ),
    Case(
        "uniprix_to_header_with_display_name",
        Msg(
            to=f'"Uniprix Pharmacie du Parc" <{PARC_FAX}>',
            recipient="Uniprix Pharmacie du Parc\nT : 450 555-0161\nF : 450 555-0160",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.name": "Uniprix Pharmacie du Parc",
            "recipient.fax": "+14505550160",
            "recipient.phone": "+14505550161",
        },
    ),
    Case(
        "fax_address_written_with_dashes_is_invalid",
        Msg(to=f"819-555-0190@{FAX_DOMAIN}"),
        "rejected",
        None,
        None,
        {},
        present=("FAX_NUMBER_INVALID",),
    ),
    Case(
        "body_fax_differs_from_addressed_number",
        Msg(recipient="Pharmacie Lafleur et Gendron\nTél : 819 555-0191\nTélécopieur : 819 555-0192"),
        "rejected",
        "fax",
        "drug_rx",
        {"recipient.phone": "+18195550191", "sender.licence": "21504"},
        present=("FAX_NUMBER_MISMATCH",),
    ),
    Case(
        "fax_number_in_body_as_plus_one_e164",
        Msg(recipient="Pharmacie Lafleur et Gendron\nTél : +1 819 555 0191\nTélécopieur : +1 819 555 0190"),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.fax": "+18195550190", "recipient.phone": "+18195550191"},
        absent=("FAX_NUMBER_MISMATCH",),
    ),
]

# --- patients: names, dates, NAM ------------------------------------------------------------------------------

CASES += [
    Case(
        "nam_unlabelled_in_capitals_on_its_own_line",
        Msg(
            patient=(
                f"Mme GIRARD, Lucie\nnée le 30 août 1966\n{spaced(NAM_GIRARD)}\nDossier 445566\nAllergies : aucune"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "Girard",
            "patient.first_name": "Lucie",
            "patient.dob": "1966-08-30",
            "patient.nam": NAM_GIRARD,
            "patient.file_number": "445566",
        },
        absent=("PATIENT_ID_MISSING", "PATIENT_NAM_MISMATCH"),
    ),
    Case(
        "ne_le_premier_janvier",
        Msg(
            patient=(
                "Ordonnance pour Mme Ginette Roy, née le 1er janvier 1950\n"
                f"NAM : {spaced(NAM_ROY)}\nNo de dossier : 120034\nAllergies : aucune connue"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "Roy",
            "patient.first_name": "Ginette",
            "patient.dob": "1950-01-01",
            "patient.nam": NAM_ROY,
            "patient.file_number": "120034",
        },
        absent=("PATIENT_NAM_MISMATCH", "PATIENT_DOB_INVALID"),
    ),
    Case(
        "dob_slash_same_day_and_month_is_unambiguous_without_nam",
        Msg(
            patient=(
                "Ordonnance pour Mme Ginette Roy\nDate de naissance : 01/01/1950\n"
                "NAM : n'a pas sa carte. Adresse : 12, rue des Érables, Gatineau\n"
                "No de dossier : 120034"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.dob": "1950-01-01", "patient.nam": None, "patient.file_number": "120034"},
        absent=("PATIENT_DOB_INVALID", "PATIENT_ID_MISSING"),
    ),
    Case(
        "dob_slash_ambiguous_without_nam_is_rejected",
        Msg(
            patient=(
                "Ordonnance pour Mme Chantal Leblanc\nDDN : 05/03/1971\n"
                "Nom de la mère : Pierrette Leblanc\nNo de dossier : 210987"
            ),
        ),
        "rejected",
        "fax",
        "drug_rx",
        {"patient.dob": None, "patient.file_number": "210987"},
        present=("PATIENT_DOB_INVALID",),
        absent=("PATIENT_DOB_MISSING", "PATIENT_ID_MISSING"),
    ),
    Case(
        "dob_slash_ambiguous_settled_by_nam",
        Msg(
            patient=(
                "Ordonnance pour Mme Chantal Leblanc\nDDN : 05/03/1971\n"
                f"NAM : {spaced(NAM_LEBLANC)}\nNo de dossier : 210987"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.dob": "1971-03-05", "patient.nam": NAM_LEBLANC, "patient.file_number": "210987"},
        absent=("PATIENT_DOB_INVALID", "PATIENT_NAM_MISMATCH"),
    ),
    Case(
        "consultation_date_before_dob_is_not_the_dob",
        Msg(
            patient=(
                "Suite à la téléconsultation du 2026-12-01 :\n"
                "Patient : M. Thanh Ngo\nDDN : 25 décembre 1958\n"
                f"NAM : {spaced(NAM_NGO)}\nDossier : 660022"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "Ngo",
            "patient.first_name": "Thanh",
            "patient.dob": "1958-12-25",
            "patient.nam": NAM_NGO,
            "patient.file_number": "660022",
        },
        absent=("PATIENT_NAM_MISMATCH",),
    ),
    Case(
        "child_uses_mothers_nam_warning_only",
        Msg(
            from_=GAGNON,
            to=PARC_FAX,
            recipient=PARC_BLOCK,
            patient=(
                "Ordonnance pour Noah Lavoie-Cyr, né le 4 février 2024\n"
                f"NAM (carte de la mère, Sophie Lavoie) : {spaced(NAM_PARENT)}\n"
                "No de dossier : 781245\nPoids : 12 kg. Aucune allergie."
            ),
            orders="Amoxicilline suspension 400 mg/5 mL, 6 mL po BID x 10 jours, 1 flacon de 150 mL",
            signature="Dre Sophie Gagnon\nPermis : 18765\nTél. : 514 555-0123",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "Lavoie-Cyr",
            "patient.first_name": "Noah",
            "patient.dob": "2024-02-04",
            "patient.nam": NAM_PARENT,
            "patient.file_number": "781245",
        },
        present=("PATIENT_NAM_MISMATCH",),
        absent=("PATIENT_NAM_INVALID",),
    ),
    Case(
        "leap_day_dob_in_words",
        Msg(
            patient=(
                "Ordonnance pour Mme Rachel Cohen (née le 29 février 1944)\n"
                f"NAM : {spaced(NAM_COHEN)} — dossier n° 013579"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "Cohen",
            "patient.first_name": "Rachel",
            "patient.dob": "1944-02-29",
            "patient.nam": NAM_COHEN,
            "patient.file_number": "013579",
        },
    ),
    Case(
        "no_nam_no_other_identifier",
        Msg(patient="Ordonnance pour M. Mathieu Dubé, né le 9 octobre 2001\nNo de dossier : 808080"),
        "rejected",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "Dubé",
            "patient.dob": "2001-10-09",
            "patient.nam": None,
            "patient.file_number": "808080",
        },
        present=("PATIENT_ID_MISSING",),
    ),
    Case(
        "patient_address_as_identifier",
        Msg(
            patient=(
                "Ordonnance pour M. Mathieu Dubé, né le 9 octobre 2001\n"
                "Adresse : 455, rue Principale Ouest, app. 3, Magog (Québec) J1X 2B2\n"
                "No de dossier : 808080"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "Dubé",
            "patient.first_name": "Mathieu",
            "patient.dob": "2001-10-09",
            "patient.nam": None,
            "patient.file_number": "808080",
        },
        absent=("PATIENT_ID_MISSING",),
    ),
    Case(
        "nam_lowercase_with_spaces",
        Msg(
            patient=(
                "Ordonnance pour M. Mathieu Dubé, né le 9 octobre 2001\n"
                f"NAM : {spaced(NAM_DUBE).lower()}\nNo de dossier : 808080"
            )
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.nam": NAM_DUBE, "patient.dob": "2001-10-09", "patient.file_number": "808080"},
        absent=("PATIENT_NAM_INVALID",),
    ),
    Case(
        "file_number_hospital_label_and_age",
        Msg(
            patient=(
                "Mme Denise Fortin, 87 ans (DDN 1939-05-06)\n"
                f"NAM {NAM_FORTIN}\nNo dossier HMR : 1234567\nAllergies : pénicilline"
            )
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "Fortin",
            "patient.first_name": "Denise",
            "patient.dob": "1939-05-06",
            "patient.nam": NAM_FORTIN,
            "patient.file_number": "1234567",
        },
    ),
]

# --- imaging, lab, documents to patients, progress notes --------------------------------------------------

RADIO_BLOCK = "Clinique de radiologie Saint-Denis\nTél. : 514 555-0171\nTéléc. : 514 555-0170"

CASES += [
    Case(
        "echographie_abdominale_to_radiology",
        Msg(
            to=RADIO_FAX,
            subject="Requête - échographie",
            recipient=RADIO_BLOCK,
            patient=PATIENT_BOUCHARD,
            orders="Échographie abdominale complète\nIndication : douleur HCD, R/O lithiase biliaire",
        ),
        "accepted",
        "fax",
        "imaging_rx",
        {
            "recipient.name": "Clinique de radiologie Saint-Denis",
            "recipient.fax": "+15145550170",
            "recipient.phone": "+15145550171",
            "sender.licence": "21504",
            **BOUCHARD_FIELDS,
        },
        absent=("RX_DRUG_INCOMPLETE", "DRUG_RX_NOT_PHARMACY"),
    ),
    Case(
        "irm_genou_subject_only_says_demande",
        Msg(
            from_=OUELLET,
            to=RADIO_FAX,
            subject="Demande",
            recipient=RADIO_BLOCK,
            patient=(f"Patient : M. John Smith\nDDN : 1950-01-01\nNAM : {spaced(NAM_SMITH)}\nDossier : 778899"),
            orders="IRM du genou droit\nIndication : suspicion de déchirure méniscale interne",
            signature="Dr Marc Ouellet\nPermis : 09432\nTél. : 418 555-0133",
        ),
        "accepted",
        "fax",
        "imaging_rx",
        {
            "recipient.fax": "+15145550170",
            "sender.licence": "09432",
            "patient.dob": "1950-01-01",
            "patient.nam": NAM_SMITH,
        },
    ),
    Case(
        "mammographie_de_depistage_sent_to_a_pharmacy",
        Msg(
            to=PARC_FAX,
            subject="Ordonnance - mammographie",
            recipient=PARC_BLOCK,
            patient=PATIENT_BOUCHARD,
            orders="Mammographie de dépistage bilatérale",
        ),
        "rejected",
        "fax",
        "imaging_rx",
        {"recipient.fax": "+14505550160"},
        present=("IMAGING_RX_NOT_IMAGING",),
        absent=("DRUG_RX_NOT_PHARMACY",),
    ),
    Case(
        "drug_rx_faxed_to_radiology",
        Msg(to=RADIO_FAX, recipient=RADIO_BLOCK),
        "rejected",
        "fax",
        "drug_rx",
        {"recipient.fax": "+15145550170"},
        present=("DRUG_RX_NOT_PHARMACY",),
    ),
    Case(
        "tdm_thoracique_emailed_to_patient",
        Msg(
            to="ginette.roy50@gmail.com",
            subject="Requête TDM",
            recipient="Destinataire : usager\nConsentement de l'usager à l'envoi par courriel : obtenu",
            patient=(f"Usagère : Ginette Roy\nDDN : 1950-01-01\nNAM : {spaced(NAM_ROY)}\nDossier : 120034"),
            orders="TDM thoracique sans contraste\nIndication : nodule pulmonaire de 8 mm, contrôle à 6 mois",
        ),
        "rejected",
        "email_encrypted",
        "imaging_rx",
        {"patient.nam": NAM_ROY},
        present=("IMAGING_RX_TO_PATIENT",),
    ),
    Case(
        "lab_to_patient_consent_other_wording",
        Msg(
            from_=GAGNON,
            to="marie-eve.bouchard@outlook.com",
            subject="Prélèvements sanguins",
            greeting="Bonjour Marie-Ève,",
            recipient="L'usagère a consenti à recevoir ses documents à son adresse courriel personnelle "
            "(consentement consigné au dossier le 2026-12-01).",
            patient=PATIENT_BOUCHARD,
            orders=(
                "Biologie médicale : glycémie à jeun, HbA1c, créatinine, ALT, bilan lipidique\n"
                "En cas de valeurs critiques, le laboratoire peut me joindre au 514 555-0123."
            ),
            signature="Dre Sophie Gagnon\nPermis 18765",
        ),
        "accepted",
        "email_encrypted",
        "lab_rx",
        {**BOUCHARD_FIELDS, "sender.licence": "18765", "critical_values_phone": "+15145550123"},
        absent=("PATIENT_CONSENT_MISSING", "LAB_CALLBACK_MISSING"),
    ),
    Case(
        "lab_to_patient_without_consent",
        Msg(
            from_=GAGNON,
            to="marie-eve.bouchard@outlook.com",
            subject="Requête de laboratoire",
            greeting="Bonjour,",
            recipient="Destinataire : usagère\nVoici votre requête pour vos prises de sang.",
            patient=PATIENT_BOUCHARD,
            orders="Analyses : FSC, ferritine\nValeurs critiques : 514 555-0123",
            signature="Dre Sophie Gagnon\nPermis 18765\nTél. : 514 555-0123",
        ),
        "rejected",
        "email_encrypted",
        "lab_rx",
        {"sender.licence": "18765", **BOUCHARD_FIELDS},
        present=("PATIENT_CONSENT_MISSING",),
        absent=("DESTINATION_INSECURE",),
    ),
    Case(
        "insurance_form_pdf_to_patient",
        Msg(
            from_=OUELLET,
            to="john.smith1950@videotron.ca",
            subject="Formulaire d'assurance invalidité",
            greeting="Bonjour M. Smith,",
            recipient="Destinataire : usager\nConsentement de l'usager à l'envoi par courriel : obtenu",
            patient=(f"Usager : John Smith\nDDN : 1950-01-01\nNAM : {spaced(NAM_SMITH)}\nDossier : 778899"),
            orders="Ci-joint votre formulaire d'assurance (Déclaration du médecin traitant) rempli.",
            signature="Dr Marc Ouellet\nPermis : 09432\nTél. : 418 555-0133",
            attachments=(
                Part(
                    pdf_text("TÉLÉCONSULTATION\nDéclaration du médecin traitant\nInvalidité"),
                    PDF,
                    "Formulaire assurance_778899.pdf",
                ),
            ),
        ),
        "accepted",
        "email_encrypted",
        "other_document",
        {"patient.nam": NAM_SMITH, "patient.file_number": "778899", "sender.licence": "09432"},
        absent=("DRUG_RX_TO_PATIENT", "ATTACHMENT_TELECONSULTATION_MISSING"),
    ),
    Case(
        "billet_medical_english",
        Msg(
            from_=OUELLET,
            to="pat.oconnor62@gmail.com",
            subject="Medical note",
            greeting="Hello Mr. O'Connor,",
            recipient="Recipient: patient\nPatient consent to e-mail: obtained (documented in chart)",
            patient=(f"Patient: Patrick O'Connor\nDOB: 1962-07-14\nRAMQ: {spaced(NAM_OCONNOR)}\nChart: 5566771"),
            orders="Medical note: Mr. O'Connor was unable to work from November 30 to December 4, 2026.",
            signature="Dr. Marc Ouellet, MD\nLicence 09432\nTel 418-555-0133",
        ),
        "accepted",
        "email_encrypted",
        "other_document",
        {
            "patient.last_name": "O'Connor",
            "patient.dob": "1962-07-14",
            "patient.nam": NAM_OCONNOR,
            "patient.file_number": "5566771",
            "sender.licence": "09432",
        },
        absent=("PATIENT_CONSENT_MISSING", "DESTINATION_INSECURE"),
    ),
    Case(
        "progress_notes_long_free_text_html_divs",
        Msg(
            from_=GAGNON,
            to=ARCHIVES,
            cc=None,
            subject="Notes d'évolution",
            html_body=(
                "<html><body><div style='font-family:Calibri'>"
                "<div>NOTES D'ÉVOLUTION — TÉLÉCONSULTATION</div><div><br></div>"
                f"<div>Usager : TREMBLAY, André</div><div>DDN : 3 novembre 1947</div>"
                f"<div>NAM : {spaced(NAM_TREMBLAY)}</div><div>Dossier : 300122</div><div><br></div>"
                "<div>2 décembre 2026 14 h — appel vidéo (Teams) de 20 minutes, usager à domicile avec sa fille."
                " Se plaint d'oedème aux chevilles depuis 10 jours, prise de poids de 3 kg. Pas de dyspnée de "
                "repos, orthopnée 2 oreillers. TA prise à domicile 148/86, FC 78 régulière. Médication revue "
                "avec la fille : observance bonne. Impression : décompensation légère d'IC.</div>"
                "<div>Plan : furosémide 20 mg die, bilan sanguin dans 1 semaine, revoir en 2 semaines, "
                "consulter à l'urgence si dyspnée.</div><div><br></div>"
                "<div>Dre Sophie Gagnon, médecin — permis 18765 — 514 555-0123</div></div></body></html>"
            ),
        ),
        "accepted",
        "archives",
        "progress_notes",
        {
            "patient.last_name": "Tremblay",
            "patient.first_name": "André",
            "patient.dob": "1947-11-03",
            "patient.nam": NAM_TREMBLAY,
            "patient.file_number": "300122",
            "sender.licence": "18765",
        },
        absent=("RX_DRUG_INCOMPLETE", "DRUG_RX_NOT_PHARMACY"),
    ),
    Case(
        "progress_notes_faxed_to_pharmacy",
        Msg(
            to=PARC_FAX,
            subject="Notes d'évolution",
            recipient=PARC_BLOCK,
            patient=PATIENT_BOUCHARD,
            orders="Téléconsultation du 2 décembre 2026 : usagère vue pour suivi d'anxiété, évolution favorable.",
        ),
        "rejected",
        "fax",
        "progress_notes",
        {},
        present=("NOTES_NOT_TO_ARCHIVES",),
    ),
    Case(
        "archives_missing_from_cc_is_a_warning",
        Msg(cc=None),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.fax": "+18195550190", "patient.nam": "NGXL79593019"},
        present=("ARCHIVES_NOT_CC",),
    ),
    Case(
        "archives_cc_in_capitals_with_display_name",
        Msg(cc='"Archives médicales HMR" <Archives.HMR@SSSS.gouv.qc.ca>'),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.fax": "+18195550190"},
        absent=("CC_NOT_ARCHIVES", "ARCHIVES_NOT_CC", "RECIPIENT_MULTIPLE"),
    ),
    Case(
        "cc_colleague_as_well_as_archives",
        Msg(cc=f"{ARCHIVES}, {GAGNON}"),
        "rejected",
        None,
        "drug_rx",
        {},
        present=("CC_NOT_ARCHIVES",),
    ),
    Case(
        "physio_consult_to_network_address",
        Msg(
            to="physio.hmr@ssss.gouv.qc.ca",
            subject="Demande de consultation en physiothérapie",
            recipient="Service de physiothérapie, Hôpital Maisonneuve-Rosemont",
            patient=PATIENT_BOUCHARD,
            orders="Consultation en physiothérapie : entorse de la cheville gauche grade II, évaluer et traiter",
        ),
        "accepted",
        "email_internal",
        "other_rx",
        {**BOUCHARD_FIELDS, "sender.licence": "21504"},
        absent=("RECIPIENT_FAX_MISSING", "DESTINATION_INSECURE"),
    ),
]

# --- body formats and encodings ------------------------------------------------------------------------------

_PLAIN_PARTS = ("Bonjour,", PARC_BLOCK, PATIENT_BOUCHARD, "Sertraline 50 mg 1 co po DIE, 30 co, Ren 5", NGUYEN_SIG)


def _spans(line: str) -> str:
    return (
        '<p class=MsoNormal><span lang=FR-CA style=\'font-size:11.0pt;font-family:"Calibri",sans-serif;'
        f"color:#1F497D'>{line or '&nbsp;'}</span><span style='mso-fareast-language:EN-US'><o:p></o:p></span></p>"
    )


CASES += [
    Case(
        "html_only_br_lines",
        Msg(
            to=PARC_FAX,
            html_body="<html><body>" + "<br>\n".join(sections(*_PLAIN_PARTS).split("\n")) + "</body></html>",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+14505550160",
            "recipient.phone": "+14505550161",
            "sender.licence": "21504",
            "sender.phone": "+18195550177",
            **BOUCHARD_FIELDS,
            "orders": "1",
        },
    ),
    Case(
        "html_only_div_per_line",
        Msg(
            to=PARC_FAX,
            html_body="<html><body dir=ltr>"
            + "".join(f"<div>{line or '<br>'}</div>" for line in sections(*_PLAIN_PARTS).split("\n"))
            + "</body></html>",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.fax": "+14505550160", "sender.licence": "21504", **BOUCHARD_FIELDS, "orders": "1"},
    ),
    Case(
        "html_only_spans_everywhere",
        Msg(
            to=PARC_FAX,
            html_body="<html><body lang=FR-CA><div class=WordSection1>"
            + "".join(_spans(line) for line in sections(*_PLAIN_PARTS).split("\n"))
            + "</div></body></html>",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+14505550160",
            "sender.licence": "21504",
            "sender.phone": "+18195550177",
            **BOUCHARD_FIELDS,
            "orders": "1",
        },
    ),
    Case(
        "html_only_labels_bold_values_in_spans",
        Msg(
            to=PARC_FAX,
            html_body=(
                "<html><body><p>Bonjour,</p><p><b>Pharmacie du Parc</b><br><b>Tél.&nbsp;:</b> 450 555-0161<br>"
                "<b>Téléc.&nbsp;:</b> 450 555-0160</p>"
                "<p><b>Patiente&nbsp;:</b> <span>Marie-Ève Bouchard-Gagnon</span><br><b>DDN&nbsp;:</b> "
                f"<span>1985-01-23</span><br><b>NAM&nbsp;:</b> <span>{spaced(NAM_BOUCHARD)}</span><br>"
                "<b>No de dossier&nbsp;:</b> <span>554433</span></p>"
                "<p>Sertraline 50 mg 1 co po DIE, 30 co, Ren 5</p>"
                "<p>Dre Julie Nguyen<br>Permis&nbsp;: 21504<br>Tél.&nbsp;: 819&nbsp;555-0177</p></body></html>"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+14505550160",
            "recipient.phone": "+14505550161",
            "sender.licence": "21504",
            "sender.phone": "+18195550177",
            **BOUCHARD_FIELDS,
        },
    ),
    Case(
        "base64_utf8_plain_body",
        Msg(to=PARC_FAX, cte="base64", body=sections(*_PLAIN_PARTS)),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.fax": "+14505550160", "sender.licence": "21504", **BOUCHARD_FIELDS},
    ),
    Case(
        "windows_1252_smart_quotes_and_en_dashes_qp",
        Msg(
            from_=OUELLET,
            to=AUXBONSOINS_FAX,
            charset="windows-1252",
            cte="quoted-printable",
            recipient="Pharmacie Auxbonsoins – Tél. : 514 555–0151 – Téléc. : 514 555–0150",
            patient=(
                f"M. Patrick O’Connor, né le 14 juillet 1962 – NAM : {spaced(NAM_OCONNOR)}\n"
                "N° de dossier : 5566771 – « aucune allergie connue »"
            ),
            orders="Pantoprazole 40 mg 1 co po DIE avant le déjeuner, 90 co, Ren 1",
            signature="Dr Marc Ouellet – permis 09432 – tél. : 418 555–0133",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+15145550150",
            "recipient.phone": "+15145550151",
            "sender.licence": "09432",
            "sender.phone": "+14185550133",
            "patient.last_name": "O'Connor",
            "patient.first_name": "Patrick",
            "patient.dob": "1962-07-14",
            "patient.nam": NAM_OCONNOR,
            "patient.file_number": "5566771",
        },
        absent=("FAX_NUMBER_MISMATCH", "SENDER_PHONE_INVALID"),
    ),
    Case(
        "reply_english_outlook_header_with_other_patient_below",
        Msg(
            to=AUXBONSOINS_FAX,
            subject="RE: Renewal request",
            recipient="Pharmacie Auxbonsoins\nTél : 514 555-0151\nTéléc : 514 555-0150",
            patient=PATIENT_BOUCHARD,
            orders="Levothyroxine 100 mcg 1 co po DIE, 90 co, Ren 3",
            signature=NGUYEN_SIG,
            closing=(
                "________________________________\n"
                "From: Pharmacie Auxbonsoins <auxbonsoins@bellnet.ca>\nSent: Tuesday, December 1, 2026 4:12 PM\n"
                "To: Nguyen, Julie <julie.nguyen.med@ssss.gouv.qc.ca>\nSubject: Renewal request\n\n"
                "Please renew for Mr. Gérard Paquette, DOB 1931-02-02, RAMQ PAQG 3102 0215, file 999111.\n"
                "Synthroid as directed. Fax 514-555-0152"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+15145550150",
            "sender.licence": "21504",
            "sender.phone": "+18195550177",
            **BOUCHARD_FIELDS,
            "orders": "1",
        },
        absent=("RX_SIG_VAGUE", "FAX_NUMBER_MISMATCH", "PATIENT_NAM_MISMATCH"),
    ),
    Case(
        "signature_block_with_clinic_fax_and_logo_html",
        Msg(
            to=PARC_FAX,
            html=True,
            logo_cid=LOGO,
            recipient=PARC_BLOCK,
            patient=PATIENT_BOUCHARD,
            orders="Sertraline 50 mg 1 co po DIE, 30 co, Ren 5",
            signature=(
                "Dre Julie Nguyen | Médecin de famille\nGMF Cœur-du-Québec\nPermis 21504\n"
                "T 819 555-0177 | F 819 555-0178\nwww.gmf-coeur.example"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+14505550160",
            "recipient.phone": "+14505550161",
            "sender.phone": "+18195550177",
            "sender.licence": "21504",
            **BOUCHARD_FIELDS,
        },
        present=("INLINE_IMAGE_IGNORED",),
        absent=("FAX_NUMBER_MISMATCH",),
    ),
]

# --- envelope: domains and authentication --------------------------------------------------------------

AR_TRUSTED_FAIL = (
    "Authentication-Results",
    "mx.ssss.gouv.qc.ca; spf=fail smtp.mailfrom=ssss.gouv.qc.ca; dkim=none; dmarc=fail header.from=ssss.gouv.qc.ca",
)
AR_UNTRUSTED_FAIL = (
    "Authentication-Results",
    "mx.relay.example.net; spf=fail smtp.mailfrom=ssss.gouv.qc.ca; dmarc=fail header.from=ssss.gouv.qc.ca",
)
AR_TRUSTED_PASS = (
    "Authentication-Results",
    "mx.ssss.gouv.qc.ca; spf=pass smtp.mailfrom=ssss.gouv.qc.ca; dkim=pass header.d=ssss.gouv.qc.ca; "
    "dmarc=pass action=none header.from=ssss.gouv.qc.ca",
)

CASES += [
    Case(
        "look_alike_domain_suffix",
        Msg(from_="Julie Nguyen <julie.nguyen.med@ssss.gouv.qc.ca.evil.net>"),
        "rejected",
        None,
        None,
        {},
        present=("SENDER_DOMAIN",),
    ),
    Case(
        "look_alike_domain_dash",
        Msg(from_="Julie Nguyen <julie.nguyen.med@ssss-gouv.qc.ca>"),
        "rejected",
        None,
        None,
        {},
        present=("SENDER_DOMAIN",),
    ),
    Case(
        "from_address_in_capitals_is_enrolled",
        Msg(from_="Julie Nguyen <Julie.Nguyen.med@SSSS.GOUV.QC.CA>"),
        "accepted",
        "fax",
        "drug_rx",
        {"sender.licence": "21504"},
        absent=("SENDER_DOMAIN", "SENDER_UNREGISTERED"),
    ),
    Case(
        "auth_results_trusted_fail",
        Msg(headers=(AR_TRUSTED_FAIL,)),
        "rejected",
        None,
        None,
        {},
        present=("SENDER_SPOOFED",),
    ),
    Case(
        "auth_results_untrusted_fail_ignored",
        Msg(headers=(AR_UNTRUSTED_FAIL,)),
        "accepted",
        "fax",
        "drug_rx",
        {},
        absent=("SENDER_SPOOFED",),
    ),
    Case(
        "auth_results_trusted_pass_and_untrusted_fail",
        Msg(headers=(AR_TRUSTED_PASS, AR_UNTRUSTED_FAIL)),
        "accepted",
        "fax",
        "drug_rx",
        {},
        absent=("SENDER_SPOOFED",),
    ),
    Case(
        "fax_domain_look_alike_is_not_a_fax",
        Msg(to=f"8195550190@{FAX_DOMAIN}.evil.net"),
        "rejected",
        None,
        None,
        {},
        absent=("FAX_NOT_IN_DIRECTORY",),
    ),
    Case(
        "body_signed_by_another_enrolled_physician",
        Msg(signature="Dr Marc Ouellet, permis 09432, tél. 418 555-0133"),
        "rejected",
        "fax",
        "drug_rx",
        {},
        present=("SENDER_IDENTITY_MISMATCH",),
    ),
]

# --- attachments ---------------------------------------------------------------------------------------------

ATTACHED_ORDERS = "Voir l'ordonnance ci-jointe (TÉLÉCONSULTATION)."

CASES += [
    Case(
        "reportlab_pdf_named_properly_with_mention",
        Msg(
            orders=ATTACHED_ORDERS,
            attachments=(
                Part(
                    pdf_text(
                        "TÉLÉCONSULTATION\nOrdonnances médicales\nMme Lan Ng - dossier 771502\n"
                        "Ramipril 5 mg 1 co po DIE, 90 co, Ren 3"
                    ),
                    PDF,
                    "Ordonnances médicales_771502.pdf",
                ),
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.file_number": "771502", "sender.licence": "21504"},
        absent=("ATTACHMENT_NAME", "ATTACHMENT_TELECONSULTATION_MISSING", "RX_CONTENT_MISSING"),
    ),
    Case(
        "pdf_without_teleconsultation_mention",
        Msg(
            orders=ATTACHED_ORDERS,
            attachments=(
                Part(
                    pdf_text("Ordonnances médicales\nRamipril 5 mg 1 co po DIE, 90 co, Ren 3"),
                    PDF,
                    "Ordonnances médicales_771502.pdf",
                ),
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {},
        present=("ATTACHMENT_TELECONSULTATION_MISSING",),
    ),
    Case(
        "pdf_named_by_the_emr",
        Msg(orders=ATTACHED_ORDERS, attachments=(Part(pdf_text(), PDF, "Rx_20261202_0915.pdf"),)),
        "accepted",
        "fax",
        "drug_rx",
        {},
        present=("ATTACHMENT_NAME",),
        absent=("ATTACHMENT_TYPE",),
    ),
    Case(
        "word_document_attached",
        Msg(orders=ATTACHED_ORDERS, attachments=(Part(docx_bytes(), DOCX, "Ordonnance Ng.docx"),)),
        "rejected",
        "fax",
        "drug_rx",
        {},
        present=("ATTACHMENT_TYPE",),
    ),
    Case(
        "photo_attached_as_octet_stream_dat",
        Msg(orders=ATTACHED_ORDERS, attachments=(Part(jpeg_bytes(), "application/octet-stream", "ATT00001.dat"),)),
        "rejected",
        "fax",
        "drug_rx",
        {},
        present=("ATTACHMENT_PHOTO",),
    ),
    Case(
        "photo_pasted_inline_beside_typed_orders",
        raw_html_with_inline_photo(html_para(sections(*_PLAIN_PARTS))),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.fax": "+14505550160", "sender.licence": "21504", **BOUCHARD_FIELDS},
        present=("INLINE_IMAGE_IGNORED",),
        absent=("ATTACHMENT_PHOTO",),
    ),
    Case(
        "only_a_photo_pasted_inline_no_typed_order",
        raw_html_with_inline_photo(
            html_para(sections("Bonjour,", PARC_BLOCK, PATIENT_BOUCHARD, "Voici l'ordonnance ci-dessous :", NGUYEN_SIG))
        ),
        "rejected",
        "fax",
        None,
        {"recipient.fax": "+14505550160"},
        present=("INLINE_IMAGE_IGNORED", "RX_CONTENT_MISSING"),
        absent=("ATTACHMENT_PHOTO",),
    ),
]


# --- drug-order quality -----------------------------------------------------------------------------------

CASES += [
    Case(
        "english_as_directed_is_vague",
        Msg(orders="Prednisone 5 mg, take as directed, 30 tabs"),
        "rejected",
        "fax",
        "drug_rx",
        {},
        present=("RX_SIG_VAGUE",),
    ),
    Case(
        "insulin_units_written_u_and_trailing_zero",
        Msg(orders="Insuline glargine (Lantus) 100 unités/mL : 10 U SC HS, 5 stylos\nLevothyroxine 1.0 mg"),
        None,
        "fax",
        "drug_rx",
        {},
        present=("RX_DANGEROUS_ABBREVIATION",),
    ),
    Case(
        "drug_line_without_quantity",
        Msg(orders="Amoxicilline 500 mg"),
        "accepted",
        "fax",
        "drug_rx",
        {},
        present=("RX_DRUG_INCOMPLETE",),
        absent=("RX_CONTENT_MISSING",),
    ),
    Case(
        "sender_phone_with_extension_hash",
        Msg(signature="Julie Nguyen, MD\nPermis 21504\nTél. bureau : 819-555-0177 #4321"),
        "accepted",
        "fax",
        "drug_rx",
        {"sender.phone": "+18195550177"},
        absent=("SENDER_PHONE_INVALID",),
    ),
    Case(
        "sender_phone_seven_digits_only",
        Msg(signature="Julie Nguyen, MD\nPermis 21504\nTél. : 555-0177"),
        "rejected",
        "fax",
        "drug_rx",
        {},
        absent=("SENDER_LICENCE_MISSING",),
    ),
]


# --- third batch: orders of fields, labels, traps in the middle of an otherwise valid message --------------

NAM_DELA = nam_for("DELM", dt.date(1975, 6, 12), "F")  # Marie de la Chevrotière


def pdf_text_then_scan() -> bytes:
    """Page 1 typed (text layer), page 2 a scanned handwritten addendum (image only)."""
    import io

    from reportlab.lib.pagesizes import letter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=letter)
    c.drawString(72, 720, "TÉLÉCONSULTATION")
    c.drawString(72, 700, "Ordonnances médicales - Ramipril 5 mg 1 co po DIE, 90 co")
    c.showPage()
    c.drawImage(ImageReader(io.BytesIO(jpeg_bytes())), 72, 400, width=400, height=240)
    c.showPage()
    c.save()
    return out.getvalue()


def raw_with_unreferenced_cid_photo() -> bytes:
    """HTML body with a cid: logo, plus a JPEG that also carries a Content-ID but that the body never shows."""
    import base64

    from tests.msgbuild import png_bytes

    logo = base64.encodebytes(png_bytes()).decode("ascii")
    photo = base64.encodebytes(jpeg_bytes()).decode("ascii")
    body = html_para(sections(*_PLAIN_PARTS))
    return (
        f"From: {NGUYEN}\nTo: {PARC_FAX}\nCc: {ARCHIVES}\nSubject: Ordonnance\n"
        "Date: Wed, 02 Dec 2026 09:13:00 -0500\nMessage-ID: <r2-unref-cid@ssss.gouv.qc.ca>\n"
        'MIME-Version: 1.0\nContent-Type: multipart/related; boundary="rel"; type="text/html"\n\n'
        '--rel\nContent-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: 8bit\n\n'
        f'<html><body>{body}<p><img src="cid:{LOGO}"></p></body></html>\n'
        f'--rel\nContent-Type: image/png; name="image001.png"\nContent-ID: <{LOGO}>\n'
        f"Content-Transfer-Encoding: base64\n\n{logo}\n"
        '--rel\nContent-Type: image/jpeg; name="IMG_2041.jpg"\nContent-ID: <IMG_2041.jpg@01DB4F11>\n'
        f"Content-Transfer-Encoding: base64\n\n{photo}\n--rel--\n"
    ).encode()


CASES += [
    Case(
        "plain_mobile_no_blank_lines_at_all",
        Msg(to=PARC_FAX, body="\n".join(sections(*_PLAIN_PARTS).replace("\n\n", "\n").split("\n"))),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+14505550160",
            "recipient.phone": "+14505550161",
            "sender.licence": "21504",
            "sender.last_name": "Nguyen",
            "sender.phone": "+18195550177",
            **BOUCHARD_FIELDS,
            "orders": "1",
        },
        absent=("RX_CONTENT_MISSING", "SENDER_NAME_MISSING"),
    ),
    Case(
        "patient_first_then_orders_then_pharmacy_then_signature",
        Msg(
            to=PARC_FAX,
            body=sections(
                "Bonjour,",
                PATIENT_BOUCHARD,
                "Rx : Sertraline 50 mg 1 co po DIE, 30 co, Ren 5",
                "À transmettre à : Pharmacie du Parc (tél. 450 555-0161, téléc. 450 555-0160)",
                NGUYEN_SIG,
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+14505550160",
            "recipient.phone": "+14505550161",
            "sender.licence": "21504",
            **BOUCHARD_FIELDS,
            "orders": "1",
        },
    ),
    Case(
        "pte_label_and_surname_in_capitals_after_first_name",
        Msg(patient=(f"Pte : Lucie GIRARD\nDDN : 30-08-1966\nCarte RAMQ : {spaced(NAM_GIRARD)}\n# dossier : 445566")),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "Girard",
            "patient.first_name": "Lucie",
            "patient.dob": "1966-08-30",
            "patient.nam": NAM_GIRARD,
            "patient.file_number": "445566",
        },
        absent=("PATIENT_NAM_MISMATCH",),
    ),
    Case(
        "surname_in_capitals_without_comma",
        Msg(patient=(f"GIRARD Lucie, DDN 1966/08/30, NAM {spaced(NAM_GIRARD)}, dossier 445566")),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "Girard",
            "patient.first_name": "Lucie",
            "patient.dob": "1966-08-30",
            "patient.nam": NAM_GIRARD,
            "patient.file_number": "445566",
        },
        absent=("PATIENT_NAM_MISMATCH",),
    ),
    Case(
        "surname_with_particle_de_la",
        Msg(
            patient=(
                "Nom : de la Chevrotière\nPrénom : Marie\nDate de naissance : 12 juin 1975\n"
                f"NAM : {spaced(NAM_DELA)}\nNo de dossier : 321654"
            )
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "de la Chevrotière",
            "patient.first_name": "Marie",
            "patient.dob": "1975-06-12",
            "patient.nam": NAM_DELA,
            "patient.file_number": "321654",
        },
        absent=("PATIENT_NAM_MISMATCH",),
    ),
    Case(
        "english_date_of_birth_and_chart_hash",
        Msg(
            from_=OUELLET,
            to=AUXBONSOINS_FAX,
            subject="Prescription",
            recipient="Pharmacie Auxbonsoins\nPhone 514 555 0151\nFax 514 555 0150",
            patient=(
                f"Name: Ngo, Thanh\nDate of birth: 25 Dec 1958\nHealth insurance no.: {spaced(NAM_NGO)}\nChart # 660022"
            ),
            orders="Tamsulosin 0.4 mg 1 cap PO at bedtime, 90 caps, 1 refill",
            signature="Marc Ouellet MD | lic. 09432 | 418 555 0133",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+15145550150",
            "sender.licence": "09432",
            "sender.phone": "+14185550133",
            "patient.last_name": "Ngo",
            "patient.first_name": "Thanh",
            "patient.dob": "1958-12-25",
            "patient.nam": NAM_NGO,
            "patient.file_number": "660022",
        },
    ),
    Case(
        "father_name_as_identifier",
        Msg(
            patient=(
                "Ordonnance pour Noah Lavoie-Cyr, né le 4 février 2024\nCarte RAMQ pas encore reçue\n"
                "Père : Julien Cyr\nNo de dossier : 781245\nPoids 12 kg"
            ),
            orders="Ibuprofène suspension 100 mg/5 mL, 6 mL po q8h PRN douleur, 1 flacon de 100 mL",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "Lavoie-Cyr",
            "patient.first_name": "Noah",
            "patient.dob": "2024-02-04",
            "patient.nam": None,
            "patient.file_number": "781245",
        },
        absent=("PATIENT_ID_MISSING", "PATIENT_NAM_INVALID"),
    ),
    Case(
        "dob_in_the_future_is_invalid",
        Msg(
            patient=(
                "Ordonnance pour Mme Lan Ng, née le 30 septembre 2079.\nNAM : NGXL 7959 3019\n"
                "Numéro de dossier : 771502"
            )
        ),
        "rejected",
        "fax",
        "drug_rx",
        {"patient.dob": None},
        present=("PATIENT_DOB_INVALID",),
    ),
    Case(
        "dob_impossible_day",
        Msg(patient="Ordonnance pour Mme Lan Ng\nDDN : 31/09/1979\nNAM : NGXL 7959 3019\nDossier : 771502"),
        "rejected",
        "fax",
        "drug_rx",
        {"patient.dob": None},
        present=("PATIENT_DOB_INVALID",),
    ),
    Case(
        "sex_stated_contradicts_nam",
        Msg(
            patient=(f"Patient : Mathieu Dubé, sexe : M\nDDN : 2001-10-09\nNAM : {spaced(NAM_DUBE)}\nDossier : 808080")
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.sex": "M", "patient.nam": NAM_DUBE},
        absent=("PATIENT_NAM_MISMATCH",),
    ),
    Case(
        "consent_sentence_mentions_dossier_before_file_number",
        Msg(
            to="ginette.roy50@gmail.com",
            subject="Requête de laboratoire",
            recipient=(
                "Destinataire : usagère\nConsentement à l'envoi par courriel obtenu et consigné au "
                "dossier le 1er décembre 2026"
            ),
            patient=(f"Usagère : Ginette Roy\nDDN : 1950-01-01\nNAM : {spaced(NAM_ROY)}\nNo de dossier : 120034"),
            orders="Prélèvements : TSH, T4 libre, créatinine\nValeurs critiques : me joindre au 819 555-0177",
            signature="Julie Nguyen, MD\nPermis 21504",
        ),
        "accepted",
        "email_encrypted",
        "lab_rx",
        {
            "patient.file_number": "120034",
            "patient.dob": "1950-01-01",
            "patient.nam": NAM_ROY,
            "critical_values_phone": "+18195550177",
        },
    ),
    Case(
        "subject_says_ordonnance_body_is_imaging_to_radiology",
        Msg(
            to=RADIO_FAX,
            subject="Ordonnance",
            recipient=RADIO_BLOCK,
            patient=PATIENT_BOUCHARD,
            orders="Radiographie du poignet gauche (2 incidences)\nIndication : chute sur la main, R/O fracture",
        ),
        "accepted",
        "fax",
        "imaging_rx",
        {"recipient.fax": "+15145550170", **BOUCHARD_FIELDS},
        absent=("DRUG_RX_NOT_PHARMACY", "RX_DRUG_INCOMPLETE"),
    ),
    Case(
        "empty_subject_drug_order_in_body",
        Msg(subject="", orders="Ordonnance :\nRamipril 5 mg 1 co po DIE, 90 co, Ren 3"),
        "accepted",
        "fax",
        "drug_rx",
        {"orders": "1"},
        absent=("DOCUMENT_KIND_UNKNOWN",),
    ),
    Case(
        "rx_prefix_on_the_drug_line_and_ursodiol_udca",
        Msg(orders="Rx : Ursodiol (UDCA) 250 mg 1 co po BID, 60 co, Ren 5"),
        "accepted",
        "fax",
        "drug_rx",
        {"orders": "1"},
        absent=("RX_SIG_VAGUE", "RX_DRUG_INCOMPLETE", "RX_DANGEROUS_ABBREVIATION"),
    ),
    Case(
        "decimal_comma_and_leading_zero_are_safe",
        Msg(
            orders=(
                "Hydrochlorothiazide 12,5 mg 1 co po DIE, 90 co, Ren 3\n"
                "Prednisone 2.5 mg 1 co po DIE x 5 jours, 5 co\nColchicine 0.6 mg 1 co po BID, 20 co"
            )
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"orders": "3"},
        absent=("RX_DANGEROUS_ABBREVIATION", "RX_DRUG_INCOMPLETE"),
    ),
    Case(
        "cc_and_microgram_sign_are_flagged",
        Msg(orders=("Lactulose 667 mg/mL, 15 cc po BID, 500 mL\nFentanyl timbre 25 µg/h, 1 timbre q72h, 10 timbres")),
        "accepted",
        "fax",
        "drug_rx",
        {},
        present=("RX_DANGEROUS_ABBREVIATION",),
    ),
    Case(
        "unregistered_network_sender",
        Msg(
            from_="Alexandre Côté <alexandre.cote.med@ssss.gouv.qc.ca>",
            signature="Dr Alexandre Côté, permis 23456, tél. 819 555-0188",
        ),
        "rejected",
        None,
        None,
        {},
        present=("SENDER_UNREGISTERED",),
        absent=("SENDER_DOMAIN",),
    ),
    Case(
        "fax_and_patient_both_in_to",
        Msg(to=f"{PARC_FAX}, marie-eve.bouchard@outlook.com", recipient=PARC_BLOCK, patient=PATIENT_BOUCHARD),
        "rejected",
        None,
        None,
        {},
        present=("RECIPIENT_MULTIPLE",),
    ),
    Case(
        "outlook_plain_alternative_with_cid_placeholder",
        Msg(
            to=PARC_FAX,
            recipient=PARC_BLOCK,
            patient=PATIENT_BOUCHARD,
            orders="Sertraline 50 mg 1 co po DIE, 30 co, Ren 5",
            signature=(
                "[cid:image001.png@01DB4F11.2C3D4E50]\nDre Julie Nguyen | Médecin de famille\n"
                "Permis 21504 | Tél. 819 555-0177"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "sender.licence": "21504",
            "sender.phone": "+18195550177",
            "sender.last_name": "Nguyen",
            **BOUCHARD_FIELDS,
            "orders": "1",
        },
    ),
    Case(
        "progress_notes_pdf_named_with_curly_apostrophe_like_the_guide",
        Msg(
            from_=GAGNON,
            to=ARCHIVES,
            cc=None,
            subject="Notes d'évolution",
            greeting="",
            recipient="Notes d’évolution ci-jointes (téléconsultation).",
            patient=(
                f"Usager : TREMBLAY, André\nDDN : 3 novembre 1947\nNAM : {spaced(NAM_TREMBLAY)}\nDossier : 300122"
            ),
            orders="",
            signature="Dre Sophie Gagnon\nPermis 18765 — tél. 514 555-0123",
            attachments=(
                Part(
                    pdf_text("TÉLÉCONSULTATION\nNotes d'évolution\nSuivi IC, stable."),
                    PDF,
                    "Notes d’évolution_300122.pdf",
                ),
            ),
        ),
        "accepted",
        "archives",
        "progress_notes",
        {"patient.file_number": "300122", "sender.licence": "18765"},
        absent=("ATTACHMENT_NAME", "RX_CONTENT_MISSING"),
    ),
    Case(
        "pdf_with_a_scanned_second_page",
        Msg(orders=ATTACHED_ORDERS, attachments=(Part(pdf_text_then_scan(), PDF, "Ordonnances médicales_771502.pdf"),)),
        "rejected",
        "fax",
        "drug_rx",
        {},
        present=("ATTACHMENT_SCANNED",),
    ),
    Case(
        "jpeg_disguised_as_pdf",
        Msg(orders=ATTACHED_ORDERS, attachments=(Part(jpeg_bytes(), PDF, "Ordonnances médicales_771502.pdf"),)),
        "rejected",
        "fax",
        "drug_rx",
        {},
        present=("ATTACHMENT_PHOTO",),
    ),
    Case(
        "image_with_content_id_never_shown_in_body_is_an_attachment",
        raw_with_unreferenced_cid_photo(),
        "rejected",
        "fax",
        "drug_rx",
        {**BOUCHARD_FIELDS},
        present=("ATTACHMENT_PHOTO", "INLINE_IMAGE_IGNORED"),
    ),
    Case(
        "lab_requisition_faxed_to_the_lab",
        Msg(
            to=f"4185550180@{FAX_DOMAIN}",
            subject="Requête de laboratoire",
            recipient="Laboratoire Biomed Québec\nTél. : 418 555-0181\nTéléc. : 418 555-0180",
            patient=PATIENT_BOUCHARD,
            orders="Analyses : FSC, ferritine, B12",
        ),
        None,
        "fax",
        "lab_rx",
        {"recipient.fax": "+14185550180", "recipient.phone": "+14185550181", **BOUCHARD_FIELDS},
        absent=("DRUG_RX_NOT_PHARMACY", "IMAGING_RX_NOT_IMAGING", "FAX_NOT_IN_DIRECTORY"),
    ),
    Case(
        "sender_reachable_label_pour_me_joindre",
        Msg(signature="Julie Nguyen, MD, permis 21504\nPour me joindre rapidement : 819 555-0177 (cellulaire)"),
        "accepted",
        "fax",
        "drug_rx",
        {"sender.phone": "+18195550177", "sender.licence": "21504"},
    ),
]


# --- fourth batch: each one isolates a cause seen above ----------------------------------------------------

NOTES_PATIENT = f"Usager : TREMBLAY, André\nDDN : 3 novembre 1947\nNAM : {spaced(NAM_TREMBLAY)}\nDossier : 300122"

CASES += [
    Case(
        "outlook_autocorrect_curly_apostrophe_in_notes_subject",
        Msg(
            from_=GAGNON,
            to=ARCHIVES,
            cc=None,
            subject="Notes d’évolution – téléconsultation",
            greeting="",
            recipient="",
            patient=NOTES_PATIENT,
            orders="Téléconsultation de suivi : insuffisance cardiaque stable, poursuivre la médication.",
            signature="Dre Sophie Gagnon\nPermis 18765 — tél. 514 555-0123",
        ),
        "accepted",
        "archives",
        "progress_notes",
        {"patient.file_number": "300122", "sender.licence": "18765"},
        absent=("DOCUMENT_KIND_UNKNOWN",),
    ),
    Case(
        "signature_right_after_the_order_line",
        Msg(
            to=PARC_FAX,
            body=sections(
                "Bonjour,",
                PARC_BLOCK,
                PATIENT_BOUCHARD,
                "Sertraline 50 mg 1 co po DIE, 30 co, Ren 5\nDre Julie Nguyen, permis 21504, tél. 819 555-0177",
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "sender.last_name": "Nguyen",
            "sender.licence": "21504",
            "sender.phone": "+18195550177",
            **BOUCHARD_FIELDS,
            "orders": "1",
        },
        absent=("RX_CONTENT_MISSING",),
    ),
    Case(
        "civility_then_first_name_then_surname_in_capitals",
        Msg(patient=(f"Mme Lucie GIRARD\nDDN : 1966-08-30\nNAM : {spaced(NAM_GIRARD)}\nDossier : 445566")),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.last_name": "Girard", "patient.first_name": "Lucie", "patient.nam": NAM_GIRARD},
        absent=("PATIENT_NAM_MISMATCH",),
    ),
    Case(
        "english_mrs_and_born",
        Msg(
            from_=OUELLET,
            to=AUXBONSOINS_FAX,
            subject="Prescription",
            recipient="Pharmacie Auxbonsoins\nTel: 514-555-0151\nFax: 514-555-0150",
            patient=f"Mrs. Lucie Girard, born August 30, 1966\nRAMQ: {spaced(NAM_GIRARD)}\nMRN: 445566",
            orders="Levothyroxine 75 mcg 1 tab PO daily, 90 tabs, 3 refills",
            signature="Dr. Marc Ouellet, MD\nLicense 09432\nTel: 418-555-0133",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "Girard",
            "patient.first_name": "Lucie",
            "patient.dob": "1966-08-30",
            "patient.nam": NAM_GIRARD,
            "patient.file_number": "445566",
        },
    ),
    Case(
        "patient_label_with_particle_in_surname",
        Msg(
            patient=(
                f"Patiente : Marie de la Chevrotière\nDDN : 1975-06-12\nNAM : {spaced(NAM_DELA)}\nDossier : 321654"
            )
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.last_name": "de la Chevrotière", "patient.first_name": "Marie", "patient.nam": NAM_DELA},
        absent=("PATIENT_NAM_MISMATCH",),
    ),
    Case(
        "dn_label_for_date_de_naissance",
        Msg(patient=(f"Patiente : Lucie Girard\nDN : 1966-08-30\nNAM : {spaced(NAM_GIRARD)}\nDossier : 445566")),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.dob": "1966-08-30", "patient.last_name": "Girard"},
        absent=("PATIENT_DOB_MISSING",),
    ),
    Case(
        "licence_written_with_a_thousands_space",
        Msg(signature="Dre Julie Nguyen\nPermis : 21 504\nTél. : 819 555-0177"),
        "accepted",
        "fax",
        "drug_rx",
        {"sender.licence": "21504"},
        absent=("SENDER_IDENTITY_MISMATCH",),
    ),
    Case(
        "english_sig_disp_refills_on_separate_lines",
        Msg(
            from_=OUELLET,
            to=AUXBONSOINS_FAX,
            subject="Prescription",
            recipient="Pharmacie Auxbonsoins\nTel: 514-555-0151\nFax: 514-555-0150",
            orders="Ramipril 5 mg caps\nSig: 1 cap PO daily\nDisp: 90 caps\nRefills: 3",
            signature="Dr. Marc Ouellet, MD\nLicense 09432\nTel: 418-555-0133",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"sender.licence": "09432"},
        absent=("RX_DRUG_INCOMPLETE",),
    ),
    Case(
        "pharmacy_name_in_parentheses_after_the_fax",
        Msg(recipient="Téléc. : 819 555-0190 (Pharmacie Lafleur et Gendron, tél. 819 555-0191)"),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.name": "Pharmacie Lafleur et Gendron",
            "recipient.fax": "+18195550190",
            "recipient.phone": "+18195550191",
        },
    ),
    Case(
        "pharmacien_label_before_pharmacy_name",
        Msg(recipient="Pharmacien(ne) : Pharmacie Lafleur et Gendron\nTél : 819 555-0191\nTéléc : 819 555-0190"),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.name": "Pharmacie Lafleur et Gendron", "recipient.fax": "+18195550190"},
    ),
    Case(
        "t_and_f_single_letters_in_parentheses_one_line",
        Msg(recipient="Pharmacie Lafleur et Gendron (T 819-555-0191 / F 819-555-0190)"),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.name": "Pharmacie Lafleur et Gendron",
            "recipient.fax": "+18195550190",
            "recipient.phone": "+18195550191",
            "orders": "1",
        },
    ),
]


# --- fifth batch: progress notes as written, HTML from other clients, traps that must stay harmless ---------

OUTLOOK_HEAD = (
    '<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">'
    '<head><meta name=Generator content="Microsoft Word 15 (filtered medium)">'
    "<!--[if !mso]><style>v\\:* {behavior:url(#default#VML);}</style><![endif]-->"
    '<style><!--\n@font-face {font-family:"Cambria Math";}\np.MsoNormal {margin:0cm;font-size:11.0pt;}\n--></style>'
    '<!--[if gte mso 9]><xml>\n<o:shapedefaults v:ext="edit" spidmax="1026" />\n</xml><![endif]--></head>'
)
GAGNON_NOTES_SIG = "Dre Sophie Gagnon\nPermis 18765\nTél. 514 555-0123"


def _entities(text: str) -> str:
    return text.replace("é", "&eacute;").replace("è", "&#232;").replace("É", "&Eacute;")


def raw_with_rfc2231_pdf_name() -> bytes:
    import base64

    pdf = base64.encodebytes(pdf_text()).decode("ascii")
    plain = sections(PARC_BLOCK, PATIENT_BOUCHARD, "Voir l'ordonnance ci-jointe.", NGUYEN_SIG)
    quoted_name = "Ordonnances%20m%C3%A9dicales_554433.pdf"
    return (
        f"From: {NGUYEN}\nTo: {PARC_FAX}\nCc: {ARCHIVES}\nSubject: Ordonnance\n"
        "Date: Wed, 02 Dec 2026 09:13:00 -0500\nMessage-ID: <r2-rfc2231@ssss.gouv.qc.ca>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="mx"\n\n'
        '--mx\nContent-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: 8bit\n\n'
        f"{plain}\n--mx\nContent-Type: application/pdf; name*=utf-8''{quoted_name}\n"
        f"Content-Disposition: attachment;\n filename*=utf-8''{quoted_name}\n"
        f"Content-Transfer-Encoding: base64\n\n{pdf}\n--mx--\n"
    ).encode()


CASES += [
    Case(
        "progress_notes_soap_letters",
        Msg(
            from_=GAGNON,
            to=ARCHIVES,
            cc=None,
            subject="Notes d'évolution",
            greeting="",
            recipient="",
            patient=NOTES_PATIENT,
            orders=(
                "S: usager stable, pas de dyspnée.\nO: TA 132/80, poids stable.\nA: IC compensée.\n"
                "P: poursuivre, revoir dans 3 mois."
            ),
            signature=GAGNON_NOTES_SIG,
        ),
        "accepted",
        "archives",
        "progress_notes",
        {"patient.file_number": "300122", "sender.licence": "18765", "orders": "4"},
        absent=("RX_CONTENT_MISSING",),
    ),
    Case(
        "progress_notes_heading_in_body_curly_apostrophe_neutral_subject",
        Msg(
            from_=GAGNON,
            to=ARCHIVES,
            cc=None,
            subject="Téléconsultation du 2 décembre",
            greeting="",
            recipient="NOTES D’ÉVOLUTION",
            patient=NOTES_PATIENT,
            orders="Usager stable, pas de dyspnée. TA 132/80. IC compensée, poursuivre la médication.",
            signature=GAGNON_NOTES_SIG,
        ),
        "accepted",
        "archives",
        "progress_notes",
        {"patient.file_number": "300122"},
        absent=("DOCUMENT_KIND_UNKNOWN",),
    ),
    Case(
        "progress_notes_to_a_network_colleague",
        Msg(
            from_=GAGNON,
            to="dr.levesque.cardio@ssss.gouv.qc.ca",
            subject="Notes d'évolution",
            recipient="Dr Levesque, cardiologie",
            patient=NOTES_PATIENT,
            orders="Téléconsultation : IC stable, pas de changement.",
            signature=GAGNON_NOTES_SIG,
        ),
        "accepted",
        "email_internal",
        "progress_notes",
        {"patient.file_number": "300122"},
        absent=("NOTES_NOT_TO_ARCHIVES",),
    ),
    Case(
        "progress_notes_emailed_to_the_patient",
        Msg(
            from_=GAGNON,
            to="andre.tremblay47@gmail.com",
            subject="Notes d'évolution",
            recipient="Destinataire : usager\nConsentement de l'usager à l'envoi par courriel : obtenu",
            patient=NOTES_PATIENT,
            orders="Téléconsultation : IC stable.",
            signature=GAGNON_NOTES_SIG,
        ),
        "rejected",
        "email_encrypted",
        "progress_notes",
        {},
        present=("NOTES_NOT_TO_ARCHIVES",),
    ),
    Case(
        "outlook_desktop_html_head_conditional_comments_and_entities",
        Msg(
            to=PARC_FAX,
            html_body=OUTLOOK_HEAD
            + '<body lang=FR-CA link="#0563C1"><div class=WordSection1>'
            + "".join(
                f"<p class=MsoNormal>{_entities(line) if line else '&nbsp;'}<o:p></o:p></p>"
                for line in sections(*_PLAIN_PARTS).split("\n")
            )
            + "</div></body></html>",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.fax": "+14505550160", "sender.licence": "21504", **BOUCHARD_FIELDS, "orders": "1"},
    ),
    Case(
        "owa_reply_with_blockquote_of_the_pharmacy_request",
        Msg(
            to=PARC_FAX,
            subject="RE: Renouvellement",
            html_body=(
                "<html><body><div>"
                + "".join(f"<div>{line or '<br>'}</div>" for line in sections(*_PLAIN_PARTS).split("\n"))
                + '</div><br><div id="divRplyFwdMsg" dir="ltr"><hr><font face="Calibri"><b>De :</b> Pharmacie du Parc'
                " &lt;parc@bellnet.ca&gt;<br><b>Envoyé :</b> 1 décembre 2026 16:02<br><b>À :</b> Nguyen, Julie<br>"
                "<b>Objet :</b> Renouvellement</font><div>&nbsp;</div></div><blockquote><div>Renouvellement pour "
                "M. Gérard Paquette, NAM PAQG 3102 0215, dossier 999111. Synthroid tel que prescrit. "
                "Téléc. 450 555-0169</div></blockquote></body></html>"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.fax": "+14505550160", **BOUCHARD_FIELDS, "orders": "1"},
        absent=("RX_SIG_VAGUE", "FAX_NUMBER_MISMATCH"),
    ),
    Case(
        "rfc2231_encoded_attachment_name",
        raw_with_rfc2231_pdf_name(),
        "accepted",
        "fax",
        "drug_rx",
        {**BOUCHARD_FIELDS},
        absent=("ATTACHMENT_NAME", "RX_CONTENT_MISSING"),
    ),
    Case(
        "medecin_traitant_named_in_the_patient_block",
        Msg(
            patient=PATIENT_BOUCHARD + "\nMédecin traitant : Dr Marc Ouellet (permis 09432)",
            to=PARC_FAX,
            recipient=PARC_BLOCK,
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"sender.last_name": "Nguyen", "sender.licence": "21504", **BOUCHARD_FIELDS},
        absent=("SENDER_IDENTITY_MISMATCH",),
    ),
    Case(
        "clinic_fax_listed_before_the_phone_in_signature",
        Msg(signature="Dre Julie Nguyen\nPermis 21504\nTéléc. : 819 555-0178\nTél. : 819 555-0177"),
        "accepted",
        "fax",
        "drug_rx",
        {"sender.phone": "+18195550177"},
        absent=("FAX_NUMBER_MISMATCH",),
    ),
]


# --- sixth batch: letterhead on top, civilities, EMR-style identification, envelope details ----------------

G_NAM = spaced(NAM_GIRARD)
GIRARD_FIELDS: dict[str, str | None] = {
    "patient.last_name": "Girard",
    "patient.first_name": "Lucie",
    "patient.dob": "1966-08-30",
    "patient.nam": NAM_GIRARD,
    "patient.file_number": "445566",
}
NAM_EMOND = nam_for("EMOE", dt.date(1970, 4, 2), "F")  # Élise Émond


def _girard(first_line: str, dob_line: str = "DDN : 1966-08-30") -> str:
    return f"{first_line}\n{dob_line}\nNAM : {G_NAM}\nDossier : 445566\nAllergies : aucune"


CASES += [
    Case(
        "prescriber_letterhead_on_top_of_the_message",
        Msg(
            body=sections(
                "Dre Julie Nguyen, médecin — permis 21504 — tél. 819 555-0177\nGMF Cœur-du-Québec",
                "Bonjour,",
                PARC_BLOCK,
                PATIENT_BOUCHARD,
                "Sertraline 50 mg 1 co po DIE, 30 co, Ren 5",
                "Merci",
            ),
            to=PARC_FAX,
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+14505550160",
            "recipient.phone": "+14505550161",
            "sender.last_name": "Nguyen",
            "sender.licence": "21504",
            "sender.phone": "+18195550177",
            **BOUCHARD_FIELDS,
            "orders": "1",
        },
    ),
    Case(
        "prescripteur_label_before_the_recipient",
        Msg(
            body=sections(
                "Prescripteur : Dre Julie Nguyen, médecin — permis 21504 — tél. 819 555-0177",
                PARC_BLOCK,
                PATIENT_BOUCHARD,
                "Sertraline 50 mg 1 co po DIE, 30 co, Ren 5",
            ),
            to=PARC_FAX,
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.fax": "+14505550160", "sender.licence": "21504", **BOUCHARD_FIELDS, "orders": "1"},
    ),
    Case(
        "civility_madame_in_full",
        Msg(patient=_girard("Madame Lucie Girard")),
        "accepted",
        "fax",
        "drug_rx",
        GIRARD_FIELDS,
        absent=("PATIENT_NAM_MISMATCH",),
    ),
    Case(
        "civility_mlle",
        Msg(patient=_girard("Mlle Lucie Girard")),
        "accepted",
        "fax",
        "drug_rx",
        GIRARD_FIELDS,
        absent=("PATIENT_NAM_MISMATCH",),
    ),
    Case(
        "civility_mme_with_a_period",
        Msg(patient=_girard("Mme. Lucie Girard")),
        "accepted",
        "fax",
        "drug_rx",
        GIRARD_FIELDS,
        absent=("PATIENT_NAME_MISSING",),
    ),
    Case(
        "civility_ms_english",
        Msg(
            from_=OUELLET,
            to=AUXBONSOINS_FAX,
            recipient="Pharmacie Auxbonsoins\nTel: 514-555-0151\nFax: 514-555-0150",
            patient=f"Ms. Lucie Girard\nDOB: 1966-08-30\nRAMQ: {G_NAM}\nChart: 445566\nAllergies: none",
            signature="Dr. Marc Ouellet, MD\nLicense 09432\nTel: 418-555-0133",
        ),
        "accepted",
        "fax",
        "drug_rx",
        GIRARD_FIELDS,
    ),
    Case(
        "emr_identification_block_without_labels",
        Msg(patient=f"IDENTIFICATION DE L'USAGER\nGIRARD, Lucie\n1966-08-30\n{G_NAM}\nDossier 445566"),
        "accepted",
        "fax",
        "drug_rx",
        GIRARD_FIELDS,
        absent=("PATIENT_NAME_MISSING", "PATIENT_DOB_MISSING"),
    ),
    Case(
        "dob_in_words_with_two_digit_year",
        Msg(patient=_girard("Patiente : Lucie Girard", "DDN : 30 août 66")),
        "accepted",
        "fax",
        "drug_rx",
        GIRARD_FIELDS,
    ),
    Case(
        "dob_numeric_two_digit_year_unambiguous",
        Msg(patient=_girard("Patiente : Lucie Girard", "DDN : 30/08/66")),
        "accepted",
        "fax",
        "drug_rx",
        GIRARD_FIELDS,
    ),
    Case(
        "bilingual_slash_labels_montreal_template",
        Msg(
            patient=(
                f"Nom / Name : Girard, Lucie\nDDN / DOB : 1966-08-30\nNAM / RAMQ : {G_NAM}\nDossier / Chart : 445566"
            )
        ),
        "accepted",
        "fax",
        "drug_rx",
        {**GIRARD_FIELDS, "orders": "1"},
    ),
    Case(
        "prescriber_label_english",
        Msg(signature="Prescriber: Julie Nguyen, MD\nCMQ licence: 21504\nPhone: 819-555-0177"),
        "accepted",
        "fax",
        "drug_rx",
        {"sender.last_name": "Nguyen", "sender.first_name": "Julie", "sender.licence": "21504"},
    ),
    Case(
        "combination_strength_inhaler_is_complete",
        Msg(orders="Symbicort Turbuhaler 200/6 mcg, 2 inh BID, 1 inhalateur, Ren 5"),
        "accepted",
        "fax",
        "drug_rx",
        {},
        absent=("RX_DRUG_INCOMPLETE",),
    ),
    Case(
        "combination_strength_without_unit",
        Msg(orders="Symbicort Turbuhaler 200/6, 2 inh BID, 1 inhalateur, Ren 5"),
        "accepted",
        "fax",
        "drug_rx",
        {},
        absent=("RX_DRUG_INCOMPLETE",),
    ),
    Case(
        "accented_surname_nam_letters",
        Msg(patient=f"Patiente : Élise Émond\nDDN : 2 avril 1970\nNAM : {spaced(NAM_EMOND)}\nDossier : 121212"),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.last_name": "Émond", "patient.first_name": "Élise", "patient.nam": NAM_EMOND},
        absent=("PATIENT_NAM_MISMATCH",),
    ),
    Case(
        "nam_check_digit_off_is_only_info",
        Msg(
            patient=PATIENT_BOUCHARD.replace(
                spaced(NAM_BOUCHARD), spaced(NAM_BOUCHARD[:-1] + str((int(NAM_BOUCHARD[-1]) + 1) % 10))
            )
        ),
        "accepted",
        "fax",
        "drug_rx",
        {},
        present=("PATIENT_NAM_CHECKSUM",),
    ),
    Case(
        "nam_with_impossible_month",
        Msg(patient=PATIENT_BOUCHARD.replace(spaced(NAM_BOUCHARD), "BOUM 8563 2315")),
        "rejected",
        "fax",
        "drug_rx",
        {},
        present=("PATIENT_NAM_INVALID",),
    ),
    Case(
        "auth_results_trusted_id_in_capitals",
        Msg(headers=(("Authentication-Results", "MX.SSSS.GOUV.QC.CA; dmarc=fail header.from=ssss.gouv.qc.ca"),)),
        "rejected",
        None,
        None,
        {},
        present=("SENDER_SPOOFED",),
    ),
    Case(
        "auth_results_dkim_fail_for_another_domain",
        Msg(
            headers=(
                (
                    "Authentication-Results",
                    "mx.ssss.gouv.qc.ca; dkim=fail header.d=mailer.example.com; spf=pass "
                    "smtp.mailfrom=ssss.gouv.qc.ca; dmarc=pass header.from=ssss.gouv.qc.ca",
                ),
            )
        ),
        "accepted",
        "fax",
        "drug_rx",
        {},
        absent=("SENDER_SPOOFED",),
    ),
    Case(
        "fax_address_with_n11_exchange",
        Msg(to=f"5144110150@{FAX_DOMAIN}"),
        "rejected",
        None,
        None,
        {},
        present=("FAX_NUMBER_INVALID",),
    ),
    Case(
        "fax_address_with_plus_sign",
        Msg(to=f"+18195550190@{FAX_DOMAIN}"),
        "rejected",
        None,
        None,
        {},
        present=("FAX_NUMBER_INVALID",),
    ),
]


# --- seventh batch: mobile wrapping, signed mail, winmail.dat, logos sent as attachments -------------------


def _raw(content_type: str, payload: str, message_id: str) -> bytes:
    return (
        f"From: {NGUYEN}\nTo: {PARC_FAX}\nCc: {ARCHIVES}\nSubject: Ordonnance\n"
        f"Date: Wed, 02 Dec 2026 09:13:00 -0500\nMessage-ID: <{message_id}@ssss.gouv.qc.ca>\nMIME-Version: 1.0\n"
        f"Content-Type: {content_type}\n{payload}"
    ).encode()


def raw_format_flowed() -> bytes:
    """iPhone Mail: format=flowed, long lines cut after a trailing space (soft breaks to be joined)."""
    body = (
        "Bonjour, \n\nPharmacie du Parc tél. 450 555-0161, téléc. 450 \n555-0160\n\n"
        "Ordonnance pour Mme Marie-Ève Bouchard-Gagnon, née le 23 \njanvier 1985, NAM "
        f"{spaced(NAM_BOUCHARD)}, \ndossier 554433. Aucune allergie.\n\n"
        "Sertraline 50 mg 1 co po DIE, 30 co, \nRen 5\n\nJulie Nguyen MD, permis 21504, tél. \n819 555-0177\n\n"
        "Envoyé de mon iPhone\n"
    )
    return _raw("text/plain; charset=utf-8; format=flowed", f"Content-Transfer-Encoding: 8bit\n\n{body}", "r2-flowed")


def raw_smime_signed() -> bytes:
    """Outlook with S/MIME signing on: multipart/signed, the body then an smime.p7s signature part."""
    import base64

    inner = 'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: 8bit\n\n' + sections(*_PLAIN_PARTS)
    p7s = base64.encodebytes(b"0\x82\x05\x00pkcs7-detached-signature" * 20).decode("ascii")
    payload = (
        f'\n--sig\n{inner}\n--sig\nContent-Type: application/pkcs7-signature; name="smime.p7s"\n'
        'Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="smime.p7s"\n\n'
        f"{p7s}\n--sig--\n"
    )
    ctype = 'multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sig"'
    return _raw(ctype, payload, "r2-smime")


def raw_logo_attachment_referenced_by_cid() -> bytes:
    """Outlook for Mac: the signature logo travels as an attachment part, yet the HTML shows it by cid:."""
    import base64

    from tests.msgbuild import png_bytes

    logo = base64.encodebytes(png_bytes()).decode("ascii")
    body = html_para(sections(*_PLAIN_PARTS))
    payload = (
        '\n--mx\nContent-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: 8bit\n\n'
        f'<html><body>{body}<img src="cid:logo-ciusss"></body></html>\n'
        '--mx\nContent-Type: image/png; name="Logo CIUSSS.png"\n'
        'Content-Disposition: attachment; filename="Logo CIUSSS.png"\nContent-ID: <logo-ciusss>\n'
        f"Content-Transfer-Encoding: base64\n\n{logo}\n--mx--\n"
    )
    return _raw('multipart/mixed; boundary="mx"', payload, "r2-maclogo")


def winmail(name: str, data: bytes) -> bytes:
    from tests.test_tnef import tnef

    return tnef((name, data))


CASES += [
    Case(
        "iphone_mail_format_flowed",
        raw_format_flowed(),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+14505550160",
            "recipient.phone": "+14505550161",
            "sender.licence": "21504",
            "sender.phone": "+18195550177",
            **BOUCHARD_FIELDS,
            "orders": "1",
        },
    ),
    Case(
        "outlook_plain_text_hard_wrapped_lines",
        Msg(
            to=PARC_FAX,
            body=(
                "Bonjour,\n\nPharmacie du Parc, tél. 450 555-0161, téléc. 450 555-0160\n\n"
                f"Ordonnance pour Mme Marie-Ève Bouchard-Gagnon, née le 23 janvier 1985, NAM\n{spaced(NAM_BOUCHARD)}, "
                "numéro de dossier 554433. Aucune allergie connue.\n\nSertraline 50 mg 1 co po DIE, 30 co, Ren 5\n\n"
                "Julie Nguyen MD, permis 21504, téléphone où vous pouvez me\nrejoindre : 819 555-0177\n"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.fax": "+14505550160", "sender.phone": "+18195550177", **BOUCHARD_FIELDS, "orders": "1"},
    ),
    Case(
        "smime_signed_outlook_message",
        raw_smime_signed(),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.fax": "+14505550160", "sender.licence": "21504", **BOUCHARD_FIELDS},
        absent=("ATTACHMENT_TYPE",),
    ),
    Case(
        "mac_outlook_logo_as_attachment_shown_by_cid",
        raw_logo_attachment_referenced_by_cid(),
        "accepted",
        "fax",
        "drug_rx",
        {**BOUCHARD_FIELDS},
        present=("INLINE_IMAGE_IGNORED",),
        absent=("ATTACHMENT_PHOTO",),
    ),
    Case(
        "winmail_dat_holding_the_named_pdf",
        Msg(
            orders=ATTACHED_ORDERS,
            attachments=(
                Part(winmail("Ordonnances médicales_771502.pdf", pdf_text()), "application/ms-tnef", "winmail.dat"),
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.file_number": "771502"},
        absent=("ATTACHMENT_TYPE", "ATTACHMENT_NAME"),
    ),
    Case(
        "winmail_dat_holding_a_phone_photo",
        Msg(
            orders=ATTACHED_ORDERS,
            attachments=(Part(winmail("IMG_2041.JPG", jpeg_bytes()), "application/octet-stream", "winmail.dat"),),
        ),
        "rejected",
        "fax",
        "drug_rx",
        {},
        present=("ATTACHMENT_PHOTO",),
    ),
]


CASES += [
    Case(
        "ips_name_typed_without_accent",
        Msg(
            from_=LEVESQUE,
            to=PARC_FAX,
            recipient=PARC_BLOCK,
            signature="Karine Levesque, IPSPL\nOIIQ 1512045\nTél. 450 555-0199",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"sender.licence": "1512045"},
        absent=("SENDER_IDENTITY_MISMATCH",),
    ),
    Case(
        "licence_leading_zero_dropped",
        Msg(
            from_=OUELLET,
            to=AUXBONSOINS_FAX,
            recipient="Pharmacie Auxbonsoins\nTél : 514 555-0151\nTéléc : 514 555-0150",
            signature="Dr Marc Ouellet\nPermis 9432\nTél. 418 555-0133",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {},
        absent=("SENDER_IDENTITY_MISMATCH",),
    ),
    Case(
        "resident_with_supervisor_on_its_own_line",
        Msg(
            signature=(
                "Dre Julie Nguyen, résidente R1\nPermis 21504\n"
                "Superviseur : Dr Marc Ouellet, permis 09432\nTél. 819 555-0177"
            )
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"sender.last_name": "Nguyen", "sender.licence": "21504", "sender.phone": "+18195550177"},
        absent=("SENDER_IDENTITY_MISMATCH",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_realistic_message_round2(case: Case) -> None:
    problems, found = case_problems(case)
    assert not problems, f"{problems}; findings={found}"


def test_at_least_40_distinct_cases() -> None:
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


def test_accepted_cases_carry_no_error() -> None:
    """An accepted verdict is exactly «no error finding» (RULES.md: error rejects)."""
    for case in CASES:
        result = check(case.msg)
        has_error = any(f.severity.value == "error" for f in result.findings)
        assert (result.as_json()["verdict"] == "rejected") == has_error, case.name
