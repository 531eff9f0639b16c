"""Third round of realistic prescriber messages (none in the corpus nor in rounds 1-2).

Imaging requisitions (TDM, IRM, mammographie, échographie obstétricale, ostéodensitométrie) to the radiology
fax and to wrong numbers, lab requisitions to patients with consent / critical-values wordings, other_rx and
other documents to patients, long progress notes, numbered drug lists with vague sigs and ISMP abbreviations,
varied signatures (IPS, résident, «Dr.», «GAGNON Sophie», CMQ, no de permis), compound names, patients
without NAM, and Outlook HTML bodies. Each case states what a careful reader applying RULES.md gets.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.msgbuild import (
    ARCHIVES,
    AUXBONSOINS_FAX,
    GAGNON,
    LAB_FAX,
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
    nam_for,
    pdf_text,
)


def spaced(nam: str) -> str:
    return f"{nam[:4]} {nam[4:8]} {nam[8:]}"


NAM_COTE = nam_for("COTA", dt.date(1991, 6, 17), "F")  # Anne-Sophie Côté-Lemieux
NAM_BELANGER = nam_for("BELJ", dt.date(1952, 10, 8), "M")  # Jean-François Bélanger
NAM_PELLETIER = nam_for("PELM", dt.date(1958, 3, 21), "F")  # Monique Pelletier
NAM_SAINTPIERRE = nam_for("SAIL", dt.date(1974, 12, 2), "M")  # Louis Saint-Pierre
NAM_NADEAU = nam_for("NADH", dt.date(1949, 5, 30), "F")  # Hélène Nadeau
NAM_DIALLO = nam_for("DIAA", dt.date(1988, 9, 14), "M")  # Amadou Diallo
NAM_LAPOINTE = nam_for("LAPG", dt.date(1943, 2, 25), "M")  # Gérard Lapointe

RADIO_BLOCK = "Clinique de radiologie Saint-Denis\nTél. : 514 555-0171\nTéléc. : 514 555-0170"
AUX_BLOCK = "Pharmacie Auxbonsoins\nTél. : 514 555-0151\nTéléc. : 514 555-0150"
PARC_BLOCK = "Pharmacie du Parc\nTél. : 450 555-0161\nTéléc. : 450 555-0160"
LAB_BLOCK = "Laboratoire Biomed Québec\nTél. : 418 555-0181\nTéléc. : 418 555-0180"
CONSENT = "Destinataire : usager\nConsentement de l'usager à l'envoi par courriel : obtenu (consigné au dossier)"

PATIENT_COTE = (
    "Usagère : Anne-Sophie Côté-Lemieux\nDate de naissance : 17 juin 1991\n"
    f"NAM : {spaced(NAM_COTE)}\nNo de dossier : 662210\nAllergies : pénicilline (urticaire)"
)
COTE_FIELDS: dict[str, str | None] = {
    "patient.last_name": "Côté-Lemieux",
    "patient.first_name": "Anne-Sophie",
    "patient.dob": "1991-06-17",
    "patient.nam": NAM_COTE,
    "patient.file_number": "662210",
}
PATIENT_BELANGER = (
    "Patient : Jean-François Bélanger\nDDN : 1952-10-08\n"
    f"NAM : {spaced(NAM_BELANGER)}\nDossier : 410987\nAllergies : aucune connue"
)
BELANGER_FIELDS: dict[str, str | None] = {
    "patient.last_name": "Bélanger",
    "patient.first_name": "Jean-François",
    "patient.dob": "1952-10-08",
    "patient.nam": NAM_BELANGER,
    "patient.file_number": "410987",
}
PATIENT_PELLETIER = (
    "Usagère : Monique Pelletier\nDDN : 21 mars 1958\n"
    f"NAM : {spaced(NAM_PELLETIER)}\nDossier : 233451\nAllergies : sulfamidés"
)
PELLETIER_FIELDS: dict[str, str | None] = {
    "patient.last_name": "Pelletier",
    "patient.first_name": "Monique",
    "patient.dob": "1958-03-21",
    "patient.nam": NAM_PELLETIER,
    "patient.file_number": "233451",
}
PATIENT_SAINTPIERRE = (
    "Usager : Louis Saint-Pierre\nDDN : 1974-12-02\n"
    f"NAM : {spaced(NAM_SAINTPIERRE)}\nDossier : 908172\nAllergies : aucune"
)
SAINTPIERRE_FIELDS: dict[str, str | None] = {
    "patient.last_name": "Saint-Pierre",
    "patient.first_name": "Louis",
    "patient.dob": "1974-12-02",
    "patient.nam": NAM_SAINTPIERRE,
    "patient.file_number": "908172",
}
GAGNON_SIG = "Dre Sophie Gagnon, médecin\nPermis : 18765\nTél. : 514 555-0123"
OUELLET_SIG = "Dr Marc Ouellet\nPermis : 09432\nTél. : 418 555-0133"
LEVESQUE_SIG = "Karine Lévesque, IPSPL\nPermis : 1512045\nTél. : 819 555-0144"
LOGO = "image001.png@01DB5A22.3E4F5061"

CASES: list[Case] = []

# --- imaging requisitions ---------------------------------------------------------------------------------

CASES += [
    Case(
        "tdm_abdominale_outlook_html_with_logo",
        Msg(
            from_=GAGNON,
            to=RADIO_FAX,
            subject="Ordonnance d'imagerie - TDM",
            html=True,
            logo_cid=LOGO,
            recipient=RADIO_BLOCK,
            patient=PATIENT_BELANGER,
            orders="TDM abdomino-pelvienne avec contraste IV\nIndication : perte de poids, R/O néoplasie",
            signature=GAGNON_SIG,
        ),
        "accepted",
        "fax",
        "imaging_rx",
        {
            "recipient.name": "Clinique de radiologie Saint-Denis",
            "recipient.fax": "+15145550170",
            "recipient.phone": "+15145550171",
            "sender.licence": "18765",
            "sender.phone": "+15145550123",
            **BELANGER_FIELDS,
        },
        absent=("IMAGING_RX_NOT_IMAGING", "RX_DRUG_INCOMPLETE", "ATTACHMENT_PHOTO"),
    ),
    Case(
        "irm_cerebrale_signed_surname_in_capitals",
        Msg(
            from_=GAGNON,
            to=RADIO_FAX,
            subject="Requête IRM",
            recipient=RADIO_BLOCK,
            patient=PATIENT_PELLETIER,
            orders="IRM cérébrale avec gadolinium\nIndication : céphalées progressives, examen neuro normal",
            signature="GAGNON Sophie, M.D.\nPermis 18765\nTél. 514 555-0123",
        ),
        "accepted",
        "fax",
        "imaging_rx",
        {
            "sender.last_name": "Gagnon",
            "sender.first_name": "Sophie",
            "sender.licence": "18765",
            **PELLETIER_FIELDS,
        },
        absent=("SENDER_NAME_MISSING", "SENDER_IDENTITY_MISMATCH"),
    ),
    Case(
        "osteodensitometrie_licence_written_cmq",
        Msg(
            from_=OUELLET,
            to=RADIO_FAX,
            subject="Ostéodensitométrie",
            recipient=RADIO_BLOCK,
            patient=PATIENT_PELLETIER,
            orders="Ostéodensitométrie (DMO) colonne lombaire et hanche\nIndication : ménopause, ATCD fracture",
            signature="Dr Marc Ouellet\nCMQ 09432\nTél. : 418 555-0133",
        ),
        "accepted",
        "fax",
        "imaging_rx",
        {"sender.licence": "09432", "sender.phone": "+14185550133", **PELLETIER_FIELDS},
        absent=("SENDER_LICENCE_MISSING", "SENDER_IDENTITY_MISMATCH"),
    ),
    Case(
        "echographie_obstetricale_by_ips_compound_names",
        Msg(
            from_=LEVESQUE,
            to=RADIO_FAX,
            subject="Requête - échographie obstétricale",
            recipient=RADIO_BLOCK,
            patient=PATIENT_COTE,
            orders="Échographie obstétricale de datation\nDDM : 2026-10-05, G2P1",
            signature=LEVESQUE_SIG,
        ),
        "accepted",
        "fax",
        "imaging_rx",
        {"sender.last_name": "Lévesque", "sender.licence": "1512045", **COTE_FIELDS},
        absent=("SENDER_IDENTITY_MISMATCH", "PATIENT_NAM_MISMATCH"),
    ),
    Case(
        "mammographie_depistage_faxed_to_auxbonsoins",
        Msg(
            from_=NGUYEN,
            to=AUXBONSOINS_FAX,
            subject="Mammographie de dépistage",
            recipient=AUX_BLOCK,
            patient=PATIENT_PELLETIER,
            orders="Mammographie de dépistage bilatérale (PQDCS)",
        ),
        "rejected",
        "fax",
        "imaging_rx",
        {"recipient.fax": "+15145550150"},
        present=("IMAGING_RX_NOT_IMAGING",),
        absent=("DRUG_RX_NOT_PHARMACY",),
    ),
    Case(
        "tdm_faxed_to_the_lab",
        Msg(
            from_=OUELLET,
            to=LAB_FAX,
            subject="Ordonnance d'imagerie",
            recipient=LAB_BLOCK,
            patient=PATIENT_BELANGER,
            orders="TDM thoracique basse dose\nIndication : dépistage cancer du poumon, tabagisme 40 PA",
            signature=OUELLET_SIG,
        ),
        "rejected",
        "fax",
        "imaging_rx",
        {"recipient.fax": "+14185550180"},
        present=("IMAGING_RX_NOT_IMAGING",),
    ),
    Case(
        "irm_lombaire_emailed_to_patient",
        Msg(
            from_=GAGNON,
            to="jf.belanger52@videotron.ca",
            subject="Requête IRM",
            recipient=CONSENT,
            patient=PATIENT_BELANGER,
            orders="IRM colonne lombaire\nIndication : lombosciatalgie gauche > 6 semaines",
            signature=GAGNON_SIG,
        ),
        "rejected",
        "email_encrypted",
        "imaging_rx",
        {"patient.nam": NAM_BELANGER},
        present=("IMAGING_RX_TO_PATIENT",),
        absent=("DRUG_RX_TO_PATIENT",),
    ),
]

# --- lab requisitions to the patient ----------------------------------------------------------------------

CASES += [
    Case(
        "lab_to_patient_consent_verbal_critical_values_named",
        Msg(
            to="annesophie.cote@hotmail.com",
            subject="Requête de laboratoire",
            greeting="Bonjour Anne-Sophie,",
            recipient="Destinataire : usagère\nConsentement verbal de l'usagère à l'envoi par courriel : "
            "obtenu le 2 décembre 2026",
            patient=PATIENT_COTE,
            orders=(
                "Analyses : FSC, ferritine, TSH, bêta-hCG quantitative\n"
                "Valeurs critiques : joindre Dre Nguyen au 819 555-0177"
            ),
            signature="Dre Julie Nguyen\nPermis 21504",
        ),
        "accepted",
        "email_encrypted",
        "lab_rx",
        {**COTE_FIELDS, "sender.licence": "21504", "critical_values_phone": "+18195550177"},
        absent=("PATIENT_CONSENT_MISSING", "LAB_CALLBACK_MISSING", "DESTINATION_INSECURE"),
    ),
    Case(
        "lab_to_patient_no_callback_number_anywhere",
        Msg(
            from_=GAGNON,
            to="monique.pelletier58@videotron.ca",
            subject="Requête de laboratoire",
            recipient=CONSENT,
            patient=PATIENT_PELLETIER,
            orders="Prélèvements : créatinine, potassium, INR",
            signature="Dre Sophie Gagnon\nPermis 18765",
        ),
        "rejected",
        "email_encrypted",
        "lab_rx",
        {"critical_values_phone": None},
        present=("LAB_CALLBACK_MISSING",),
        absent=("PATIENT_CONSENT_MISSING",),
    ),
    Case(
        "lab_to_patient_no_consent_statement",
        Msg(
            from_=GAGNON,
            to="monique.pelletier58@videotron.ca",
            subject="Requête de laboratoire",
            greeting="Bonjour Mme Pelletier,",
            recipient="Destinataire : usagère\nVoici la requête pour votre prise de sang de contrôle.",
            patient=PATIENT_PELLETIER,
            orders="Prélèvements : créatinine, potassium, INR\nValeurs critiques : 514 555-0123",
            signature=GAGNON_SIG,
        ),
        "rejected",
        "email_encrypted",
        "lab_rx",
        {**PELLETIER_FIELDS},
        present=("PATIENT_CONSENT_MISSING",),
        absent=("LAB_CALLBACK_MISSING",),
    ),
]

# --- other prescriptions and documents to the patient -----------------------------------------------------

CASES += [
    Case(
        "physiotherapie_to_patient",
        Msg(
            from_=OUELLET,
            to="l.saintpierre@bell.net",
            subject="Ordonnance de physiothérapie",
            recipient=CONSENT,
            patient=PATIENT_SAINTPIERRE,
            orders="Physiothérapie : évaluation et traitement, entorse cheville droite grade II, 6 à 8 séances",
            signature=OUELLET_SIG,
        ),
        "accepted",
        "email_encrypted",
        "other_rx",
        {**SAINTPIERRE_FIELDS, "sender.licence": "09432"},
        absent=("DRUG_RX_TO_PATIENT", "PATIENT_CONSENT_MISSING", "LAB_CALLBACK_MISSING"),
    ),
    Case(
        "ergotherapie_to_patient_without_consent",
        Msg(
            from_=OUELLET,
            to="l.saintpierre@bell.net",
            subject="Ordonnance d'ergothérapie",
            recipient="Destinataire : usager",
            patient=PATIENT_SAINTPIERRE,
            orders="Ergothérapie : évaluation du domicile et aides techniques, post-AVC",
            signature=OUELLET_SIG,
        ),
        "rejected",
        "email_encrypted",
        "other_rx",
        {"patient.nam": NAM_SAINTPIERRE},
        present=("PATIENT_CONSENT_MISSING",),
        absent=("DRUG_RX_TO_PATIENT",),
    ),
    Case(
        "orthese_plantaire_outlook_html_to_patient",
        Msg(
            from_=GAGNON,
            to="annesophie.cote@hotmail.com",
            subject="Ordonnance - orthèses plantaires",
            html=True,
            logo_cid=LOGO,
            recipient=CONSENT,
            patient=PATIENT_COTE,
            orders="Orthèses plantaires moulées sur mesure, bilatérales\nDx : fasciite plantaire chronique",
            signature=GAGNON_SIG,
        ),
        "accepted",
        "email_encrypted",
        "other_rx",
        {**COTE_FIELDS, "sender.licence": "18765"},
        absent=("DRUG_RX_TO_PATIENT", "PATIENT_CONSENT_MISSING", "ATTACHMENT_PHOTO"),
    ),
    Case(
        "billet_medical_to_patient",
        Msg(
            from_=NGUYEN,
            to="amadou.diallo88@gmail.com",
            subject="Billet médical",
            recipient=CONSENT,
            patient=f"Usager : Amadou Diallo\nDDN : 1988-09-14\nNAM : {spaced(NAM_DIALLO)}\nDossier : 771234",
            orders="Billet médical : M. Diallo doit s'absenter du travail du 1er au 7 décembre 2026.",
            signature="Dre Julie Nguyen\nPermis 21504\nTél. : 819 555-0177",
        ),
        "accepted",
        "email_encrypted",
        "other_document",
        {"patient.nam": NAM_DIALLO, "patient.dob": "1988-09-14", "sender.licence": "21504"},
        absent=("DRUG_RX_TO_PATIENT", "PATIENT_CONSENT_MISSING"),
    ),
    Case(
        "attestation_with_pdf_to_patient",
        Msg(
            from_=LEVESQUE,
            to="jf.belanger52@videotron.ca",
            subject="Attestation médicale",
            recipient=CONSENT,
            patient=PATIENT_BELANGER,
            orders="Ci-joint l'attestation médicale demandée pour votre employeur.",
            signature=LEVESQUE_SIG,
            attachments=(
                Part(
                    pdf_text("TÉLÉCONSULTATION\nAttestation médicale\nJean-François Bélanger"),
                    PDF,
                    "Attestation médicale_410987.pdf",
                ),
            ),
        ),
        "accepted",
        "email_encrypted",
        "other_document",
        {**BELANGER_FIELDS, "sender.licence": "1512045"},
        absent=("ATTACHMENT_TELECONSULTATION_MISSING", "DRUG_RX_TO_PATIENT"),
    ),
    Case(
        "formulaire_assurance_to_patient_without_consent",
        Msg(
            from_=OUELLET,
            to="l.saintpierre@bell.net",
            subject="Formulaire d'assurance",
            greeting="Bonjour M. Saint-Pierre,",
            recipient="Destinataire : usager\nVoici votre formulaire d'assurance rempli.",
            patient=PATIENT_SAINTPIERRE,
            orders="Formulaire d'assurance salaire (Desjardins) complété : arrêt de travail jusqu'au 2027-01-15.",
            signature=OUELLET_SIG,
        ),
        "rejected",
        "email_encrypted",
        "other_document",
        {},
        present=("PATIENT_CONSENT_MISSING",),
    ),
]

# --- progress notes ---------------------------------------------------------------------------------------

LONG_NOTES = (
    "NOTES D'ÉVOLUTION — TÉLÉCONSULTATION\n\n"
    "Usagère : Hélène Nadeau\nDDN : 30 mai 1949\n"
    f"NAM : {spaced(NAM_NADEAU)}\nNo de dossier : 118820\n\n"
    "2 décembre 2026, 10 h 15 — téléconsultation téléphonique de 25 minutes, usagère à domicile, "
    "identité vérifiée (nom, DDN, adresse).\n\n"
    "Raison : suivi de MPOC et d'hypertension. Depuis 5 jours, toux productive avec expectorations "
    "jaunâtres, dyspnée augmentée à l'effort (2 coins de rue au lieu de 4). Pas de fièvre mesurée. "
    "Saturation à domicile 92 % à l'air ambiant.\n\n"
    "Médication revue : tiotropium, salbutamol au besoin, amlodipine. Observance bonne. "
    "Vaccins influenza et pneumocoque à jour.\n\n"
    "Impression : exacerbation légère de MPOC.\n\n"
    "Plan : prednisone et amoxicilline-clavulanate prescrits à la pharmacie habituelle, enseignement "
    "des signes d'alarme, rappel dans 48 h par l'infirmière, consulter à l'urgence si dyspnée de repos.\n\n"
    "Dre Julie Nguyen, médecin — permis 21504 — 819 555-0177\n"
)
NADEAU_FIELDS: dict[str, str | None] = {
    "patient.last_name": "Nadeau",
    "patient.first_name": "Hélène",
    "patient.dob": "1949-05-30",
    "patient.nam": NAM_NADEAU,
    "patient.file_number": "118820",
}

CASES += [
    Case(
        "progress_notes_long_multi_paragraph_to_archives",
        Msg(to=ARCHIVES, cc=None, subject="Notes d'évolution", body=LONG_NOTES),
        "accepted",
        "archives",
        "progress_notes",
        {**NADEAU_FIELDS, "sender.licence": "21504"},
        absent=("RX_DRUG_INCOMPLETE", "NOTES_NOT_TO_ARCHIVES", "RECIPIENT_NAME_MISSING"),
    ),
    Case(
        "progress_notes_faxed_to_radiology",
        Msg(to=RADIO_FAX, subject="Notes d'évolution", body=RADIO_BLOCK + "\n\n" + LONG_NOTES),
        "rejected",
        "fax",
        "progress_notes",
        {},
        present=("NOTES_NOT_TO_ARCHIVES",),
    ),
    Case(
        "progress_notes_outlook_html_dr_dot",
        Msg(
            from_=OUELLET,
            to=ARCHIVES,
            cc=None,
            subject="Notes d'évolution - téléconsultation",
            html=True,
            greeting="",
            recipient="",
            patient=(f"Usager : Gérard Lapointe\nDDN : 1943-02-25\nNAM : {spaced(NAM_LAPOINTE)}\nDossier : 550061"),
            orders=(
                "2 décembre 2026 — appel vidéo de 15 minutes, usager avec son épouse.\n"
                "Suivi post-hospitalisation pour pneumonie : afébrile, appétit revenu, toux résiduelle.\n\n"
                "Plan : radiographie pulmonaire de contrôle dans 6 semaines, revoir au besoin."
            ),
            signature="Dr. Marc Ouellet\nPermis : 09432\nTél. : 418 555-0133",
        ),
        "accepted",
        "archives",
        "progress_notes",
        {
            "patient.last_name": "Lapointe",
            "patient.first_name": "Gérard",
            "patient.nam": NAM_LAPOINTE,
            "patient.file_number": "550061",
            "sender.last_name": "Ouellet",
            "sender.licence": "09432",
        },
        absent=("SENDER_NAME_MISSING", "NOTES_NOT_TO_ARCHIVES"),
    ),
]

# --- drug prescriptions -----------------------------------------------------------------------------------

CASES += [
    Case(
        "three_numbered_drugs",
        Msg(
            from_=GAGNON,
            to=PARC_FAX,
            recipient=PARC_BLOCK,
            patient=PATIENT_PELLETIER,
            orders=(
                "1. Metformine 500 mg 1 co po BID, 180 co, Ren 3\n"
                "2. Atorvastatine 20 mg 1 co po HS, 90 co, Ren 3\n"
                "3. Amlodipine 5 mg 1 co po DIE, 90 co, Ren 3"
            ),
            signature=GAGNON_SIG,
        ),
        "accepted",
        "fax",
        "drug_rx",
        {**PELLETIER_FIELDS, "orders": "3", "recipient.fax": "+14505550160"},
        absent=("RX_DRUG_INCOMPLETE", "RX_SIG_VAGUE", "RX_DANGEROUS_ABBREVIATION"),
    ),
    Case(
        "numbered_drugs_one_tel_que_prescrit",
        Msg(
            from_=GAGNON,
            to=PARC_FAX,
            recipient=PARC_BLOCK,
            patient=PATIENT_PELLETIER,
            orders=("1) Prednisone 5 mg tel que prescrit, 30 co\n2) Pantoprazole 40 mg 1 co po DIE, 30 co"),
            signature=GAGNON_SIG,
        ),
        "rejected",
        "fax",
        "drug_rx",
        {"orders": "2"},
        present=("RX_SIG_VAGUE",),
    ),
    Case(
        "selon_avis_sig",
        Msg(
            from_=OUELLET,
            to=AUXBONSOINS_FAX,
            recipient=AUX_BLOCK,
            patient=PATIENT_SAINTPIERRE,
            orders="Warfarine 1 mg selon avis de la clinique d'anticoagulation, 100 co",
            signature=OUELLET_SIG,
        ),
        "rejected",
        "fax",
        "drug_rx",
        {},
        present=("RX_SIG_VAGUE",),
    ),
    Case(
        "insulin_with_units_abbreviated_u",
        Msg(
            from_=NGUYEN,
            to=PARC_FAX,
            recipient=PARC_BLOCK,
            patient=PATIENT_BELANGER,
            orders="Insuline glargine 100 unités/mL, 18 U SC HS, 5 stylos de 3 mL",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {**BELANGER_FIELDS},
        present=("RX_DANGEROUS_ABBREVIATION",),
        absent=("RX_SIG_VAGUE",),
    ),
    Case(
        "trailing_zero_and_naked_decimal",
        Msg(
            from_=NGUYEN,
            to=PARC_FAX,
            recipient=PARC_BLOCK,
            patient=PATIENT_SAINTPIERRE,
            orders="1. Warfarine 5.0 mg 1 co po DIE, 30 co\n2. Digoxine .125 mg 1 co po DIE, 30 co",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"orders": "2"},
        present=("RX_DANGEROUS_ABBREVIATION",),
    ),
    Case(
        "lactulose_in_cc",
        Msg(
            from_=GAGNON,
            to=PARC_FAX,
            recipient=PARC_BLOCK,
            patient=PATIENT_PELLETIER,
            orders="Lactulose 667 mg/mL 15 cc po BID, 500 mL",
            signature=GAGNON_SIG,
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"orders": "1"},
        present=("RX_DANGEROUS_ABBREVIATION",),
        absent=("RX_SIG_VAGUE",),
    ),
    Case(
        "resident_no_de_permis",
        Msg(
            from_=NGUYEN,
            to=PARC_FAX,
            recipient=PARC_BLOCK,
            patient=PATIENT_COTE,
            orders="Nitrofurantoïne 100 mg 1 caps po BID x 5 jours, 10 caps",
            signature="Julie Nguyen, résidente en médecine familiale (R2)\nNo de permis : 21504\n"
            "Téléphone : 819 555-0177",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"sender.last_name": "Nguyen", "sender.licence": "21504", "sender.phone": "+18195550177", **COTE_FIELDS},
        absent=("SENDER_LICENCE_MISSING", "SENDER_IDENTITY_MISMATCH"),
    ),
]

# --- patients without a NAM -------------------------------------------------------------------------------

CASES += [
    Case(
        "infant_without_nam_mothers_name",
        Msg(
            to=PARC_FAX,
            recipient=PARC_BLOCK,
            patient=(
                "Patiente : Léa-Rose Tremblay-Ouimet\nDDN : 2026-08-11\n"
                "Mère : Catherine Ouimet\nNo de dossier : 990145\nPoids : 5,2 kg"
            ),
            orders="Amoxicilline 250 mg/5 mL, 4 mL po TID x 10 jours, 150 mL",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "Tremblay-Ouimet",
            "patient.first_name": "Léa-Rose",
            "patient.dob": "2026-08-11",
            "patient.nam": None,
            "patient.file_number": "990145",
        },
        absent=("PATIENT_ID_MISSING", "PATIENT_NAM_INVALID"),
    ),
    Case(
        "no_nam_but_address",
        Msg(
            from_=OUELLET,
            to=AUXBONSOINS_FAX,
            recipient=AUX_BLOCK,
            patient=(
                "Patient : Gérard Lapointe\nDDN : 25 février 1943\n"
                "Adresse : 1234, rue Beaubien Est, Montréal (Québec) H2G 1L7\nDossier : 550061"
            ),
            orders="Tamsulosine 0,4 mg 1 caps po HS, 90 caps, Ren 3",
            signature=OUELLET_SIG,
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.last_name": "Lapointe", "patient.dob": "1943-02-25", "patient.nam": None},
        absent=("PATIENT_ID_MISSING",),
    ),
    Case(
        "toddler_without_nam_fathers_name",
        Msg(
            from_=OUELLET,
            to=AUXBONSOINS_FAX,
            recipient=AUX_BLOCK,
            patient=(
                "Patient : Noah Lavoie-Bergeron\nDDN : 2025-03-14\nPère : Olivier Bergeron\n"
                "Dossier : 550062\nPoids : 11 kg"
            ),
            orders="Acétaminophène 160 mg/5 mL, 5 mL po q4-6h PRN fièvre (max 5 doses/24 h), 100 mL",
            signature=OUELLET_SIG,
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.last_name": "Lavoie-Bergeron", "patient.first_name": "Noah", "patient.nam": None},
        absent=("PATIENT_ID_MISSING",),
    ),
    Case(
        "no_nam_and_no_other_identifier",
        Msg(
            from_=OUELLET,
            to=AUXBONSOINS_FAX,
            recipient=AUX_BLOCK,
            patient="Patient : Gérard Lapointe\nDDN : 25 février 1943\nDossier : 550061",
            orders="Tamsulosine 0,4 mg 1 caps po HS, 90 caps, Ren 3",
            signature=OUELLET_SIG,
        ),
        "rejected",
        "fax",
        "drug_rx",
        {"patient.nam": None},
        present=("PATIENT_ID_MISSING",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_realistic_message_round3(case: Case) -> None:
    problems, found = case_problems(case)
    assert not problems, f"{problems}; findings={found}"


def test_between_25_and_30_distinct_cases() -> None:
    assert 25 <= len(CASES) <= 30
    assert len({c.name for c in CASES}) == len(CASES)


def test_accepted_cases_carry_no_error() -> None:
    """An accepted verdict is exactly «no error finding» (RULES.md: error rejects)."""
    for case in CASES:
        result = check(case.msg)
        has_error = any(f.severity.value == "error" for f in result.findings)
        assert (result.as_json()["verdict"] == "rejected") == has_error, case.name
