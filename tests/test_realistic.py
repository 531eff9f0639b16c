"""Realistic messages a Québec prescriber could send, none of them in the corpus: other Outlook layouts and
orders of fields, other labels and phrasings, other documents and routes.

Each case states what a careful human reader gets from the message — verdict, route, document kind, and the
key fields (recipient fax in E.164, licence, patient's date of birth, NAM, file number, names) — and the test
checks the gateway gets the same. A failure here is an extraction miss to fix in the product, not in the test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from tests.msgbuild import (
    AUXBONSOINS_FAX,
    GAGNON,
    LAFLEUR_FAX,
    LEVESQUE,
    NGUYEN,
    OUELLET,
    PARC_FAX,
    PATIENT,
    PDF,
    RADIO_FAX,
    Case,
    Msg,
    Part,
    case_problems,
    check,
    outlook_html,
    pdf_text,
)

LOGO = "image001.png@01DB44C2.7A1E3F60"
PATIENT_NG = PATIENT


CASES: list[Case] = [
    Case(
        "outlook_html_labelled_block_one_line_recipient",
        Msg(
            from_=GAGNON,
            to="14505550160@telecopie.example.org",
            html=True,
            logo_cid=LOGO,
            recipient="Pharmacie du Parc — tél. 450 555-0161 — téléc. 450 555-0160",
            patient=(
                "Usager : TREMBLAY, Marie\nDDN : 1965-03-05\nNo RAMQ : TREM 6553 0510\nN° dossier : 087231\n"
                "Allergies : pénicilline (urticaire)"
            ),
            orders=(
                "Rx :\n1. Amlodipine 5 mg 1 co po DIE, 90 co, Ren 3\n2. Atorvastatine 20 mg 1 co po HS, 90 co, Ren 3"
            ),
            signature=(
                "Dre Sophie Gagnon\nMédecin de famille — GMF des Patriotes\nPermis : 18765\nTél. : 514 555-0123 poste 2"
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
            "sender.last_name": "Gagnon",
            "sender.first_name": "Sophie",
            "sender.phone": "+15145550123",
            "patient.last_name": "Tremblay",
            "patient.first_name": "Marie",
            "patient.dob": "1965-03-05",
            "patient.nam": "TREM65530510",
            "patient.file_number": "087231",
            "orders": "2",
        },
        present=("INLINE_IMAGE_IGNORED",),
    ),
    Case(
        "nom_virgule_prenom_licence_with_leading_zero",
        Msg(
            from_=OUELLET,
            to=AUXBONSOINS_FAX,
            recipient=("Destinataire : Pharmacie Auxbonsoins\nTéléphone : 514-555-0151\nTélécopieur : 514-555-0150"),
            patient=(
                "Patient : CÔTÉ, Yves\nDate de naissance : 31 décembre 1939\nNAM : COTY 3912 3111\n"
                "Numéro de dossier : 00412877\nIntention thérapeutique : fibrillation auriculaire"
            ),
            orders="Apixaban 5 mg 1 co po BID, 60 co, Ren 5",
            signature="Merci,\n\nDr Marc Ouellet, M.D.\nPermis 09432\nTél. : 418 555-0133",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.name": "Pharmacie Auxbonsoins",
            "recipient.fax": "+15145550150",
            "sender.licence": "09432",
            "sender.last_name": "Ouellet",
            "sender.phone": "+14185550133",
            "patient.last_name": "Côté",
            "patient.first_name": "Yves",
            "patient.dob": "1939-12-31",
            "patient.nam": "COTY39123111",
            "patient.file_number": "00412877",
        },
    ),
    Case(
        "nom_prenom_on_separate_lines_apostrophe",
        Msg(
            recipient="À : Pharmacie Lafleur et Gendron\nTél. : 819 555-0191 | Téléc. : 819 555-0190",
            patient=(
                "Nom : D'Amours\nPrénom : Jean\nDate de naissance : 12 novembre 1948\n"
                "Numéro d'assurance maladie : DAMJ 4811 1215\nNo de dossier : 456789\nAllergies : aucune connue"
            ),
            orders="Tamsulosine 0,4 mg 1 caps po HS, 90 caps, Ren 3",
            signature="Julie Nguyen, MD\nPermis 21504\nTél. : 819 555-0177",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.name": "Pharmacie Lafleur et Gendron",
            "recipient.fax": "+18195550190",
            "recipient.phone": "+18195550191",
            "sender.licence": "21504",
            "patient.last_name": "D'Amours",
            "patient.first_name": "Jean",
            "patient.dob": "1948-11-12",
            "patient.nam": "DAMJ48111215",
            "patient.file_number": "456789",
        },
    ),
    Case(
        "ips_signature_oiiq_hyphenated_patient",
        Msg(
            from_=LEVESQUE,
            to=PARC_FAX,
            recipient="Pharmacie du Parc — tél. 450 555-0161 — téléc. 450 555-0160",
            patient=(
                "Ordonnance pour Mme Chantal Lévesque-Roy, née le 9 janvier 1983\n"
                "NAM : LEVC 8351 0911 — dossier 334455\nAllergie : sulfamidés"
            ),
            orders="Nitrofurantoïne 100 mg 1 caps po BID x 5 jours, 10 caps",
            signature="Karine Lévesque, IPSPL, #OIIQ 1512045\nTél. : 450 555-0199",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+14505550160",
            "recipient.phone": "+14505550161",
            "sender.licence": "1512045",
            "sender.last_name": "Lévesque",
            "sender.first_name": "Karine",
            "sender.profession": "infirmière praticienne spécialisée",
            "sender.phone": "+14505550199",
            "patient.last_name": "Lévesque-Roy",
            "patient.first_name": "Chantal",
            "patient.dob": "1983-01-09",
            "patient.nam": "LEVC83510911",
            "patient.file_number": "334455",
        },
    ),
    Case(
        "numbered_orders_saint_pierre",
        Msg(
            recipient="Pharmacie Lafleur et Gendron\nTél : 819 555-0191\nTéléc : 819 555-0190",
            patient=(
                "Mme Louise Saint-Pierre (DDN : 21 juin 1972)\nNAM : SAIL 7256 2113\nDossier : 771899\n"
                "Intention thérapeutique : diabète de type 2"
            ),
            orders=(
                "Rx :\n1) Metformine 500 mg 1 co po BID aux repas, 180 co, Ren 3\n"
                "2) Empagliflozine 10 mg 1 co po DIE, 90 co, Ren 3\n3) Cesser le gliclazide"
            ),
            signature="Julie Nguyen, MD — permis 21504 — 819-555-0177",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+18195550190",
            "sender.licence": "21504",
            "sender.phone": "+18195550177",
            "patient.last_name": "Saint-Pierre",
            "patient.first_name": "Louise",
            "patient.dob": "1972-06-21",
            "patient.nam": "SAIL72562113",
            "patient.file_number": "771899",
            "orders": "3",
        },
    ),
    Case(
        "imaging_html_to_radiology_with_logo",
        Msg(
            from_=GAGNON,
            to=RADIO_FAX,
            subject="Demande d'examen - radiologie",
            html=True,
            logo_cid=LOGO,
            recipient=(
                "Destinataire : Clinique de radiologie Saint-Denis\nTél. : (514) 555-0171\nTéléc. : (514) 555-0170"
            ),
            patient=(
                "Usagère : Mme Thérèse Bélanger\nDDN : 2 avril 1944\nNAM : BELT 4454 0213\nNo de dossier : 552211"
            ),
            orders=(
                "Radiographie pulmonaire PA et latérale\nIndication : toux persistante depuis 6 semaines, ex-fumeuse"
            ),
            signature="Dre Sophie Gagnon, médecin de famille\nPermis : 18765\nTél. : 514 555-0123",
        ),
        "accepted",
        "fax",
        "imaging_rx",
        {
            "recipient.name": "Clinique de radiologie Saint-Denis",
            "recipient.fax": "+15145550170",
            "recipient.phone": "+15145550171",
            "sender.licence": "18765",
            "patient.last_name": "Bélanger",
            "patient.first_name": "Thérèse",
            "patient.dob": "1944-04-02",
            "patient.nam": "BELT44540213",
            "patient.file_number": "552211",
        },
        present=("INLINE_IMAGE_IGNORED",),
    ),
    Case(
        "lab_requisition_to_patient_consent_critical_values",
        Msg(
            to="emilie.nadeau91@hotmail.com",
            subject="Requête de laboratoire",
            greeting="Bonjour Mme Nadeau-Lafrance,",
            recipient=(
                "Destinataire : usager\nConsentement de l'usager à l'envoi par courriel : obtenu verbalement "
                "le 1er décembre 2026 (consigné au dossier)"
            ),
            patient=(
                "Usagère : Émilie Nadeau-Lafrance\nDate de naissance : 1991-10-23\nNAM : NADE 9160 2311\n"
                "Numéro de dossier : 903344"
            ),
            orders=(
                "Analyses demandées : FSC, ferritine, TSH, bilan lipidique à jeun\n"
                "Présentez-vous au centre de prélèvements avec cette requête imprimée.\n\n"
                "Valeurs critiques : le laboratoire peut me joindre au 819 555-0177 (en tout temps)."
            ),
            signature="Julie Nguyen, MD\nPermis : 21504",
        ),
        "accepted",
        "email_encrypted",
        "lab_rx",
        {
            "sender.licence": "21504",
            "patient.last_name": "Nadeau-Lafrance",
            "patient.first_name": "Émilie",
            "patient.dob": "1991-10-23",
            "patient.nam": "NADE91602311",
            "patient.file_number": "903344",
            "critical_values_phone": "+18195550177",
        },
    ),
    Case(
        "progress_notes_to_archives",
        Msg(
            from_=GAGNON,
            to="archives.hmr@ssss.gouv.qc.ca",
            cc=None,
            subject="Notes d'évolution - téléconsultation",
            greeting="",
            recipient="Notes d'évolution — téléconsultation",
            patient="Usager : PELLETIER, Gaston\nDDN : 20 mai 1955\nNAM : PELG 5505 2012\nDossier : 118822",
            orders=(
                "2 décembre 2026, 10 h 15 — consultation téléphonique de 15 minutes.\n"
                "Usager connu MPOC, rapporte une dyspnée stable, pas de fièvre. Saturation 94 % à domicile.\n"
                "Plan : poursuivre le tiotropium, réévaluer dans 4 semaines."
            ),
            signature="Dre Sophie Gagnon\nPermis 18765 — tél. 514 555-0123",
        ),
        "accepted",
        "archives",
        "progress_notes",
        {
            "sender.licence": "18765",
            "patient.last_name": "Pelletier",
            "patient.first_name": "Gaston",
            "patient.dob": "1955-05-20",
            "patient.nam": "PELG55052012",
            "patient.file_number": "118822",
        },
    ),
    Case(
        "billet_medical_to_patient",
        Msg(
            from_=OUELLET,
            to="j.smith58@videotron.ca",
            subject="Billet médical",
            greeting="Bonjour M. Smith,",
            recipient=("Destinataire : usager\nConsentement à l'envoi par courriel : obtenu, consigné au dossier."),
            patient="Usager : John Smith, né le 14 février 1958\nNAM : SMIJ 5802 1416\nDossier : 204060",
            orders=(
                "Billet médical : M. Smith doit s'absenter du travail du 2 au 9 décembre 2026 pour raison médicale."
            ),
            signature="Dr Marc Ouellet\nPermis : 09432\nTél. : 418 555-0133",
        ),
        "accepted",
        "email_encrypted",
        "other_document",
        {
            "sender.licence": "09432",
            "patient.last_name": "Smith",
            "patient.first_name": "John",
            "patient.dob": "1958-02-14",
            "patient.nam": "SMIJ58021416",
            "patient.file_number": "204060",
        },
    ),
    Case(
        "reply_with_original_message_below",
        Msg(
            to=AUXBONSOINS_FAX,
            subject="RE: Demande de renouvellement",
            greeting="Bonjour,\nVoici le renouvellement demandé.",
            recipient="Pharmacie Auxbonsoins\nTél : 514 555-0151\nTéléc : 514 555-0150",
            patient=(
                "M. Rémi St-Onge, né le 30 janvier 1969\nNAM : STOR 6901 3017\nNuméro de dossier : 667788\n"
                "Allergies : aucune"
            ),
            orders="Salbutamol 100 mcg/inh, 2 inh q4-6h PRN, 2 inhalateurs, Ren 2",
            closing=(
                "-----Message d'origine-----\n"
                "De : Pharmacie Auxbonsoins <pharmacie.auxbonsoins@videotron.ca>\n"
                "Envoyé : 1 décembre 2026 16:02\nÀ : Nguyen, Julie\nObjet : Demande de renouvellement\n\n"
                "Demande de renouvellement pour Mme Lise Tremblay, NAM TREL 4555 0101, dossier 999999.\n"
                "Tél : 514 555-0151 Téléc : 514 555-0152"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+15145550150",
            "sender.licence": "21504",
            "patient.last_name": "St-Onge",
            "patient.first_name": "Rémi",
            "patient.dob": "1969-01-30",
            "patient.nam": "STOR69013017",
            "patient.file_number": "667788",
            "orders": "1",
        },
    ),
    Case(
        "reply_outlook_header_block_without_separator",
        Msg(
            to=AUXBONSOINS_FAX,
            subject="RE: Demande de renouvellement",
            html=True,
            greeting="Bonjour,",
            recipient="Pharmacie Auxbonsoins\nTél : 514 555-0151\nTéléc : 514 555-0150",
            patient=(
                "M. Rémi St-Onge, né le 30 janvier 1969\nNAM : STOR 6901 3017\nNuméro de dossier : 667788\n"
                "Allergies : aucune"
            ),
            orders="Salbutamol 100 mcg/inh, 2 inh q4-6h PRN, 2 inhalateurs, Ren 2",
            closing=(
                "De : Pharmacie Auxbonsoins <pharmacie.auxbonsoins@videotron.ca>\n"
                "Envoyé : 1 décembre 2026 16:02\nÀ : Nguyen, Julie <julie.nguyen.med@ssss.gouv.qc.ca>\n"
                "Objet : Demande de renouvellement\n\n"
                "Bonjour Dre Nguyen, le patient suivant demande un renouvellement :\n"
                "Mme Lise Tremblay, NAM TREL 4555 0101, dossier 999999.\n"
                "Ventolin tel que prescrit\n"
                "Pharmacie Auxbonsoins, tél. 514 555-0151, téléc. 514 555-0152"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+15145550150",
            "sender.licence": "21504",
            "sender.phone": "+18195550177",
            "patient.last_name": "St-Onge",
            "patient.dob": "1969-01-30",
            "patient.nam": "STOR69013017",
            "patient.file_number": "667788",
            "orders": "1",
        },
    ),
    Case(
        "multi_line_confidentiality_disclaimer_with_a_number",
        Msg(
            closing=(
                "AVIS DE CONFIDENTIALITÉ : Ce courriel peut contenir des renseignements confidentiels destinés\n"
                "uniquement au destinataire. Si vous l'avez reçu par erreur, veuillez en aviser l'expéditeur au\n"
                "1 800 555-0199 et le détruire."
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+18195550190",
            "sender.licence": "21504",
            "sender.phone": "+18195550177",
            "patient.dob": "1979-09-30",
            "patient.nam": "NGXL79593019",
            "patient.file_number": "771502",
            "orders": "1",
        },
    ),
    Case(
        "windows_1252_8bit_outlook_plain",
        Msg(
            from_=GAGNON,
            to=AUXBONSOINS_FAX,
            charset="windows-1252",
            cte="8bit",
            recipient="Pharmacie Auxbonsoins\nTél. : 514 555-0151\nTéléc. : 514 555-0150",
            patient="Ordonnance pour Mme Ana Lee, née le 8 août 1988\nNAM : LEEA 8858 0814\nN° de dossier : 220033\n"
            "Aucune allergie connue",
            orders="Fluconazole 150 mg 1 caps po une fois, 1 caps",
            signature="Dre Sophie Gagnon — permis 18765 — tél. : 514 555-0123, poste 2245",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+15145550150",
            "sender.licence": "18765",
            "sender.phone": "+15145550123",
            "patient.last_name": "Lee",
            "patient.first_name": "Ana",
            "patient.dob": "1988-08-08",
            "patient.nam": "LEEA88580814",
            "patient.file_number": "220033",
        },
    ),
    Case(
        "iso_8859_1_base64_english_labels",
        Msg(
            from_=OUELLET,
            to=AUXBONSOINS_FAX,
            charset="iso-8859-1",
            cte="base64",
            greeting="Hello,",
            recipient="Pharmacy: Pharmacie Auxbonsoins\nTel: 514-555-0151\nFax: 514-555-0150",
            patient=(
                "Patient: Maria Da Silva\nDOB: September 15, 1977\nRAMQ: DASM 7759 1513\nMRN: 3345567\nAllergies: NKDA"
            ),
            orders="Amoxicillin 500 mg 1 cap PO TID x 7 days, 21 caps",
            signature="Dr. Marc Ouellet, MD\nLicense #09432\nTel: 418-555-0133",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.name": "Pharmacie Auxbonsoins",
            "recipient.fax": "+15145550150",
            "recipient.phone": "+15145550151",
            "sender.licence": "09432",
            "sender.last_name": "Ouellet",
            "sender.phone": "+14185550133",
            "patient.last_name": "Da Silva",
            "patient.first_name": "Maria",
            "patient.dob": "1977-09-15",
            "patient.nam": "DASM77591513",
            "patient.file_number": "3345567",
        },
    ),
    Case(
        "a_l_attention_du_pharmacien",
        Msg(
            recipient=(
                "À l'attention du pharmacien — Pharmacie Lafleur et Gendron\nTél. 819 555-0191 / Téléc. 819 555-0190"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.fax": "+18195550190", "recipient.phone": "+18195550191", "patient.file_number": "771502"},
    ),
    Case(
        "infant_no_nam_yet_mother_name",
        Msg(
            from_=GAGNON,
            to=PARC_FAX,
            recipient="Pharmacie du Parc\nTél. : 450 555-0161\nTéléc. : 450 555-0160",
            patient=(
                "Ordonnance pour Léo Gagné (bébé), né le 17 mai 2025\nNAM : en attente (carte non reçue)\n"
                "Nom de la mère : Jessica Gagné\nNo de dossier : 990011\nPoids : 7,2 kg. Aucune allergie connue."
            ),
            orders="Acétaminophène suspension 80 mg/mL, 1 mL po q6h PRN fièvre, 1 flacon de 24 mL",
            signature="Dre Sophie Gagnon\nPermis : 18765\nTél. : 514 555-0123",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+14505550160",
            "sender.licence": "18765",
            "patient.last_name": "Gagné",
            "patient.first_name": "Léo",
            "patient.dob": "2025-05-17",
            "patient.nam": None,
            "patient.file_number": "990011",
        },
    ),
    Case(
        "patient_all_on_one_line",
        Msg(
            patient=(
                "Patiente : Isabelle Fortin (F), DDN 1990-12-03, NAM FORI90620311, dossier 445566. "
                "Allergies : aucune connue."
            ),
            orders="Norgestimate-éthinylestradiol 0,25 mg/0,035 mg 1 co po DIE, 3 plaquettes, Ren 3",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+18195550190",
            "patient.last_name": "Fortin",
            "patient.first_name": "Isabelle",
            "patient.dob": "1990-12-03",
            "patient.nam": "FORI90620311",
            "patient.file_number": "445566",
        },
    ),
    Case(
        "outlook_html_only_table_patient_block",
        Msg(
            from_=GAGNON,
            to=PARC_FAX,
            html_body=(
                "<html><head><style>p.MsoNormal{margin:0cm}</style></head><body lang=FR-CA>"
                "<div class=WordSection1><p class=MsoNormal>Bonjour,<o:p></o:p></p>"
                "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
                "<p class=MsoNormal>Pharmacie du Parc<br>T&eacute;l.&nbsp;: 450 555-0161<br>"
                "T&eacute;l&eacute;c.&nbsp;: 450 555-0160<o:p></o:p></p>"
                "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
                "<table class=MsoTableGrid border=1>"
                "<tr><td><p class=MsoNormal><b>Nom</b></p></td><td><p class=MsoNormal>BOUCHARD</p></td></tr>"
                "<tr><td><p class=MsoNormal><b>Pr&eacute;nom</b></p></td><td><p class=MsoNormal>Gabriel</p></td></tr>"
                "<tr><td><p class=MsoNormal><b>Date de naissance</b></p></td>"
                "<td><p class=MsoNormal>4 juillet 2015</p></td></tr>"
                "<tr><td><p class=MsoNormal><b>NAM</b></p></td><td><p class=MsoNormal>BOUG 1507 0415</p></td></tr>"
                "<tr><td><p class=MsoNormal><b>No de dossier</b></p></td>"
                "<td><p class=MsoNormal>123987</p></td></tr></table>"
                "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
                "<p class=MsoNormal>Allergies&nbsp;: aucune connue<o:p></o:p></p>"
                "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
                "<p class=MsoNormal>Amoxicilline 400 mg/5 mL, 7 mL po BID x 10 jours, 150 mL<o:p></o:p></p>"
                "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
                "<p class=MsoNormal>Dre Sophie Gagnon<br>Permis&nbsp;: 18765<br>T&eacute;l.&nbsp;: 514 555-0123"
                "<o:p></o:p></p></div></body></html>"
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
            "patient.last_name": "Bouchard",
            "patient.first_name": "Gabriel",
            "patient.dob": "2015-07-04",
            "patient.nam": "BOUG15070415",
            "patient.file_number": "123987",
            "orders": "1",
        },
    ),
    Case(
        "monsieur_and_abbreviated_month",
        Msg(
            patient=(
                "Ordonnance pour Monsieur Gaston Pelletier, D.D.N. : 20 mai 1955\nNAM : PELG 5505 2012\n"
                "# dossier : 118822\nAllergies : codéine"
            ),
            orders="Tiotropium 18 mcg, 1 inh DIE, 30 caps, Ren 5",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+18195550190",
            "patient.last_name": "Pelletier",
            "patient.first_name": "Gaston",
            "patient.dob": "1955-05-20",
            "patient.nam": "PELG55052012",
            "patient.file_number": "118822",
        },
    ),
    Case(
        "mammography_by_ips",
        Msg(
            from_=LEVESQUE,
            to=RADIO_FAX,
            subject="Ordonnance - mammographie",
            recipient="Clinique de radiologie Saint-Denis\nTél. : 514 555-0171\nTéléc. : 514 555-0170",
            patient="Usagère : TREMBLAY, Marie\nDDN : 5 mars 1965\nNAM : TREM 6553 0510\nDossier : 087231",
            orders=("Mammographie de dépistage bilatérale\nRenseignements cliniques : aucun antécédent, dépistage"),
            signature="Karine Lévesque, IPSPL\n#OIIQ 1512045\nTél. : 450 555-0199",
        ),
        "accepted",
        "fax",
        "imaging_rx",
        {
            "recipient.fax": "+15145550170",
            "sender.licence": "1512045",
            "sender.last_name": "Lévesque",
            "patient.last_name": "Tremblay",
            "patient.dob": "1965-03-05",
            "patient.nam": "TREM65530510",
            "patient.file_number": "087231",
        },
    ),
    Case(
        "physiotherapy_to_patient",
        Msg(
            to="marie.tremblay65@hotmail.com",
            subject="Ordonnance de physiothérapie",
            greeting="Bonjour Mme Tremblay,",
            recipient="Destinataire : usager\nConsentement de l'usager à l'envoi par courriel : obtenu",
            patient="Usagère : Marie Tremblay\nDDN : 1965-03-05\nNAM : TREM 6553 0510\nDossier : 087231",
            orders=(
                "Physiothérapie : évaluation et traitement, lombalgie mécanique, 1 à 2 fois par semaine x 6 semaines"
            ),
        ),
        "accepted",
        "email_encrypted",
        "other_rx",
        {
            "sender.licence": "21504",
            "patient.last_name": "Tremblay",
            "patient.first_name": "Marie",
            "patient.dob": "1965-03-05",
            "patient.nam": "TREM65530510",
            "patient.file_number": "087231",
        },
    ),
    Case(
        "drug_rx_to_establishment_pharmacy",
        Msg(
            to="pharmacie.hmr@ssss.gouv.qc.ca",
            recipient="Pharmacie de l'Hôpital Maisonneuve-Rosemont — poste 4410",
            orders="Enoxaparine 40 mg SC DIE x 10 jours, 10 seringues",
        ),
        "accepted",
        "email_internal",
        "drug_rx",
        {"sender.licence": "21504", "patient.dob": "1979-09-30", "patient.file_number": "771502"},
    ),
    Case(
        "lower_case_labels_ambiguous_dob_settled_by_nam",
        Msg(
            patient=(
                "Pour : Mme Marie Tremblay, ddn : 05/03/1965, nam : trem 6553 0510, # dossier : 087231\n"
                "Allergies : aucune connue"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "Tremblay",
            "patient.first_name": "Marie",
            "patient.dob": "1965-03-05",
            "patient.nam": "TREM65530510",
            "patient.file_number": "087231",
        },
        absent=("PATIENT_DOB_INVALID",),
    ),
    Case(
        "apostrophe_and_compound_first_name",
        Msg(
            patient=(
                "Ordonnance pour Mme Marie-Ève O'Neill, née le 14 février 1958\nNAM : ONEM 5852 1411\n"
                "Numéro de dossier : 310204\nAllergies : AAS"
            ),
            orders="Pantoprazole 40 mg 1 co po DIE, 90 co, Ren 3",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "O'Neill",
            "patient.first_name": "Marie-Ève",
            "patient.dob": "1958-02-14",
            "patient.nam": "ONEM58521411",
            "patient.file_number": "310204",
        },
        absent=("PATIENT_NAM_MISMATCH",),
    ),
    Case(
        "patient_line_with_dashes",
        Msg(
            patient=(
                "Usager : M. Jean D'Amours — DDN : 1948-11-12 — NAM : DAMJ 4811 1215 — N° de dossier : 456789\n"
                "Allergies : aucune connue"
            ),
            orders="Tamsulosine 0,4 mg 1 caps po HS, 90 caps, Ren 3",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "D'Amours",
            "patient.first_name": "Jean",
            "patient.dob": "1948-11-12",
            "patient.nam": "DAMJ48111215",
            "patient.file_number": "456789",
        },
    ),
    Case(
        "cmq_licence_and_cell",
        Msg(
            from_=GAGNON,
            signature="Sophie Gagnon, MD\nCMQ 18765\nCell. 514 555-0124",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "sender.licence": "18765",
            "sender.last_name": "Gagnon",
            "sender.first_name": "Sophie",
            "sender.phone": "+15145550124",
        },
    ),
    Case(
        "imaging_with_named_pdf_requisition",
        Msg(
            to=RADIO_FAX,
            subject="Ordonnance d'imagerie médicale",
            recipient="Clinique de radiologie Saint-Denis\nTél. : 514 555-0171\nTéléc. : 514 555-0170",
            orders=("Échographie abdominale supérieure — voir la requête ci-jointe\nIndication : cholélithiase ?"),
            attachments=(
                Part(
                    pdf_text("TÉLÉCONSULTATION\nOrdonnances médicales\nÉchographie abdominale supérieure"),
                    PDF,
                    "Ordonnances médicales_771502.pdf",
                ),
            ),
        ),
        "accepted",
        "fax",
        "imaging_rx",
        {"recipient.fax": "+15145550170", "patient.dob": "1979-09-30", "patient.file_number": "771502"},
        absent=("ATTACHMENT_NAME", "ATTACHMENT_TELECONSULTATION_MISSING"),
    ),
    Case(
        "ne_le_colon_slash_iso_date",
        Msg(
            patient=(
                "Usager : M. Jean D'Amours\nNé le : 1948/11/12\nNAM : DAMJ 4811 1215\nDossier no 456789\n"
                "Aucune allergie connue"
            ),
            orders="Tamsulosine 0,4 mg 1 caps po HS, 90 caps, Ren 3",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.dob": "1948-11-12", "patient.nam": "DAMJ48111215", "patient.file_number": "456789"},
    ),
    Case(
        "guide_style_prose_with_tel_in_recipient_sentence",
        Msg(
            from_=NGUYEN,
            to=LAFLEUR_FAX,
            greeting="Bonjour,\n\nVoici une ordonnance pour une de vos patientes.",
            recipient="Pharmacie Lafleur et Gendron, téléphone 819 555-0191, télécopieur 819 555-0190",
        ),
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
        "signature_with_clinic_fax_and_recipient_after_orders",
        Msg(
            greeting="Bonjour,",
            recipient="",
            patient=PATIENT_NG,
            orders=(
                "Ramipril 5 mg 1 co po DIE, 90 co, Ren 3\n\n"
                "À télécopier à : Pharmacie Lafleur et Gendron, téléc. 819 555-0190, tél. 819 555-0191"
            ),
            signature=(
                "Julie Nguyen, MD\nGMF-U de Gatineau\nPermis : 21504\nTél. : 819 555-0177 | Téléc. : 819 555-0178"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.name": "Pharmacie Lafleur et Gendron",
            "recipient.fax": "+18195550190",
            "recipient.phone": "+18195550191",
            "sender.licence": "21504",
            "sender.phone": "+18195550177",
            "patient.nam": "NGXL79593019",
            "orders": "1",
        },
        absent=("FAX_NUMBER_MISMATCH",),
    ),
    Case(
        "structured_emr_like_order_lines",
        Msg(
            orders=("Médicament : Ramipril 5 mg\nPosologie : 1 co po DIE\nQuantité : 90 co\nRenouvellements : 3"),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.fax": "+18195550190", "patient.file_number": "771502"},
        absent=("RX_DRUG_INCOMPLETE",),
    ),
    Case(
        "pharmacie_label_and_narrow_nbsp_before_colons",
        Msg(
            to=PARC_FAX,
            recipient=(
                "Pharmacie\u202f: Pharmacie du Parc\nTél.\u202f: 450\u00a0555-0161\n"
                "Téléc.\u202f: 450\u00a0555\u20110160"
            ),
            patient=(
                "Usagère\u202f: Mme Lan Ng\nDate de naissance\u202f: 30 septembre 1979\n"
                "NAM\u202f: NGXL\u00a07959\u00a03019\nNo de dossier\u202f: 771502\nAllergies\u202f: aucune"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.name": "Pharmacie du Parc",
            "recipient.fax": "+14505550160",
            "recipient.phone": "+14505550161",
            "patient.last_name": "Ng",
            "patient.first_name": "Lan",
            "patient.dob": "1979-09-30",
            "patient.nam": "NGXL79593019",
            "patient.file_number": "771502",
        },
    ),
    Case(
        "patient_phone_as_identifier_no_nam",
        Msg(
            patient=(
                "Ordonnance pour Mme Lan Ng, née le 30 septembre 1979\n"
                "NAM : non disponible (carte expirée)\n"
                "Tél. de l'usagère : 819 555-0142\nNuméro de dossier : 771502\nAllergies : aucune connue"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "recipient.fax": "+18195550190",
            "recipient.phone": "+18195550191",
            "sender.phone": "+18195550177",
            "patient.nam": None,
            "patient.dob": "1979-09-30",
            "patient.file_number": "771502",
        },
    ),
    Case(
        "recipient_one_line_in_parentheses",
        Msg(
            to=PARC_FAX,
            recipient="Destinataire : Pharmacie du Parc (téléc. 450 555-0160, tél. 450 555-0161)",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.name": "Pharmacie du Parc", "recipient.fax": "+14505550160", "recipient.phone": "+14505550161"},
    ),
    Case(
        "progress_note_html_with_consultation_date",
        Msg(
            from_=GAGNON,
            to="archives.hmr@ssss.gouv.qc.ca",
            cc=None,
            html=True,
            logo_cid=LOGO,
            subject="Note d'évolution",
            greeting="",
            recipient="Date de la téléconsultation : 2026-12-01",
            patient=(
                "Usagère : TREMBLAY, Marie\nDate de naissance : 1965-03-05\nNAM : TREM 6553 0510\nDossier : 087231"
            ),
            orders=(
                "S : se sent mieux, toux résolue.\nO : T 36,8 °C rapportée.\nA/P : pneumonie résolue; cesser le suivi."
            ),
            signature="Dre Sophie Gagnon, MD\nPermis : 18765\nTél. : 514 555-0123",
        ),
        "accepted",
        "archives",
        "progress_notes",
        {"patient.dob": "1965-03-05", "patient.nam": "TREM65530510", "patient.file_number": "087231"},
    ),
    Case(
        "no_de_permis_and_title_after_name",
        Msg(
            signature=("Julie Nguyen\nMédecin de famille, M.D., CCMF\nNo de permis : 21504\nTéléphone : 819 555-0177"),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "sender.licence": "21504",
            "sender.last_name": "Nguyen",
            "sender.first_name": "Julie",
            "sender.phone": "+18195550177",
        },
    ),
    Case(
        "greeting_names_the_pharmacist",
        Msg(
            greeting="Bonjour Mme Roy,",
            recipient="Pharmacie Lafleur et Gendron\nTél : 819 555-0191\nTéléc : 819 555-0190",
            patient=(
                "Voici l'ordonnance de M. Jean D'Amours, né le 12 novembre 1948.\nNAM : DAMJ 4811 1215\n"
                "No de dossier : 456789\nAllergies : aucune connue"
            ),
            orders="Tamsulosine 0,4 mg 1 caps po HS, 90 caps, Ren 3",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "D'Amours",
            "patient.first_name": "Jean",
            "patient.dob": "1948-11-12",
            "patient.nam": "DAMJ48111215",
        },
        absent=("PATIENT_NAM_MISMATCH",),
    ),
    Case(
        "file_number_with_site_prefix_and_nam_expiry",
        Msg(
            patient=(
                "Ordonnance pour Mme Lan Ng, née le 30 septembre 1979\n"
                "NAM : NGXL 7959 3019 (exp. 2027-09)\nDossier : HMR-771502\nAllergies : aucune connue"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.dob": "1979-09-30", "patient.nam": "NGXL79593019", "patient.file_number": "HMR-771502"},
    ),
    Case(
        "recipient_with_street_address_and_suffix_labels",
        Msg(
            to=PARC_FAX,
            recipient=(
                "Pharmacie du Parc\n1234, boulevard des Laurentides, Laval (Québec) H7G 2W1\n"
                "450 555-0160 (téléc.)\n450 555-0161 (tél.)"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.name": "Pharmacie du Parc", "recipient.fax": "+14505550160", "recipient.phone": "+14505550161"},
    ),
    Case(
        "prose_order_and_dob_after_nam",
        Msg(
            patient="Mme Marie Tremblay, NAM TREM 6553 0510, DDN 5 mars 1965, dossier 087231. Aucune allergie.",
            orders="Prière de renouveler l'atorvastatine 20 mg 1 co po HS pour 3 mois (90 co).",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "Tremblay",
            "patient.first_name": "Marie",
            "patient.dob": "1965-03-05",
            "patient.nam": "TREM65530510",
            "patient.file_number": "087231",
            "orders": "1",
        },
    ),
    Case(
        "address_as_identifier_and_dashed_dob",
        Msg(
            patient=(
                "Usagère : Mme Lan Ng\nDate de naissance : 30-09-1979\n"
                "Adresse : 45, rue Laurier, Gatineau (Québec) J8X 3V8\nNo de dossier : 771502\nAllergies : aucune"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.dob": "1979-09-30", "patient.nam": None, "patient.file_number": "771502"},
    ),
    Case(
        "mri_request_to_radiology_signature_dash_dash",
        Msg(
            from_=OUELLET,
            to=RADIO_FAX,
            subject="IRM genou droit",
            recipient="Radiologie Saint-Denis\nTélécopieur : 514 555-0170\nTéléphone : 514 555-0171",
            patient="Patient : M. Yves Côté\nDDN : 31 déc. 1939\nNAM : COTY 3912 3111\nDossier : 00412877",
            orders="IRM du genou droit sans contraste\nIndication : déchirure méniscale suspectée",
            signature="-- \nDr. Marc Ouellet, M.D.\nPermis : 09432\nTél. : 418 555-0133",
        ),
        "accepted",
        "fax",
        "imaging_rx",
        {
            "recipient.fax": "+15145550170",
            "recipient.phone": "+15145550171",
            "sender.licence": "09432",
            "sender.last_name": "Ouellet",
            "patient.last_name": "Côté",
            "patient.dob": "1939-12-31",
            "patient.nam": "COTY39123111",
            "patient.file_number": "00412877",
        },
    ),
    Case(
        "lab_to_patient_critical_values_in_signature",
        Msg(
            to="lan.ng79@gmail.com",
            subject="Prise de sang",
            greeting="Bonjour Mme Ng,",
            recipient=(
                "Destinataire : usagère\n"
                "Consentement de l'usagère à l'envoi par courriel : obtenu (consigné au dossier)"
            ),
            orders="Bilan sanguin : glycémie à jeun, HbA1c, créatinine, bilan lipidique",
            signature="Julie Nguyen, MD — permis 21504\nPour tout résultat critique : 819 555-0177",
        ),
        "accepted",
        "email_encrypted",
        "lab_rx",
        {"sender.licence": "21504", "patient.nam": "NGXL79593019", "critical_values_phone": "+18195550177"},
    ),
    Case(
        "upper_case_fax_domain_and_display_names",
        Msg(
            to='"Pharmacie du Parc" <4505550160@TELECOPIE.EXAMPLE.ORG>',
            cc='"Archives HMR" <ARCHIVES.HMR@SSSS.GOUV.QC.CA>',
            recipient="Pharmacie du Parc\nTél. : 450 555-0161\nTéléc. : 450 555-0160",
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.fax": "+14505550160", "recipient.name": "Pharmacie du Parc"},
        absent=("ARCHIVES_NOT_CC", "CC_NOT_ARCHIVES", "RECIPIENT_MULTIPLE"),
    ),
    Case(
        "three_given_names_and_nam_in_parentheses",
        Msg(
            patient=(
                "Ordonnance pour Mme Marie Josée Lucie Tremblay (NAM TREM 6553 0510), née le 5 mars 1965\n"
                "No de dossier : 087231\nAllergies : aucune connue"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {
            "patient.last_name": "Tremblay",
            "patient.first_name": "Marie Josée Lucie",
            "patient.dob": "1965-03-05",
            "patient.nam": "TREM65530510",
            "patient.file_number": "087231",
        },
        absent=("PATIENT_NAM_MISMATCH",),
    ),
    Case(
        "signature_nom_prenom_upper_case",
        Msg(signature="NGUYEN, Julie, MD\nPermis : 21504\nTél. : 819 555-0177"),
        "accepted",
        "fax",
        "drug_rx",
        {"sender.last_name": "Nguyen", "sender.first_name": "Julie", "sender.licence": "21504"},
    ),
    Case(
        "fax_then_phone_order_in_recipient",
        Msg(recipient="Pharmacie Lafleur et Gendron\nFax : 819.555.0190\nTéléphone : 819.555.0191"),
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
        "consent_written_as_a_verb",
        Msg(
            to="lan.ng79@gmail.com",
            subject="Requête de laboratoire",
            greeting="Bonjour Mme Ng,",
            recipient="Destinataire : usagère\nL'usagère consent à recevoir ce document par courriel.",
            orders="Prélèvements sanguins : TSH, FSC\nValeurs critiques : joindre le 819 555-0177",
        ),
        "accepted",
        "email_encrypted",
        "lab_rx",
        {"patient.nam": "NGXL79593019", "critical_values_phone": "+18195550177"},
        absent=("PATIENT_CONSENT_MISSING",),
    ),
    Case(
        "consent_oui",
        Msg(
            to="lan.ng79@gmail.com",
            subject="Requête de laboratoire",
            greeting="Bonjour Mme Ng,",
            recipient="Destinataire : usager\nConsentement à l'envoi par courriel : oui",
            orders="Prélèvements sanguins : TSH, FSC\nValeurs critiques : joindre le 819 555-0177",
        ),
        "accepted",
        "email_encrypted",
        "lab_rx",
        {"patient.nam": "NGXL79593019"},
        absent=("PATIENT_CONSENT_MISSING",),
    ),
    Case(
        "eye_drops_and_gel_with_percent_strengths",
        Msg(orders="Latanoprost 0,005 % 1 gtt OU HS, 1 flacon\nDiclofénac gel 1 % TID, 1 tube de 100 g"),
        "accepted",
        "fax",
        "drug_rx",
        {"orders": "2"},
        absent=("RX_DRUG_INCOMPLETE",),
    ),
    Case(
        "signature_with_first_initial_is_not_someone_else",
        Msg(signature="Dre J. Nguyen\nPermis 21504\nTél. : 819 555-0177"),
        None,
        "fax",
        "drug_rx",
        {"sender.last_name": "Nguyen", "sender.licence": "21504"},
        absent=("SENDER_IDENTITY_MISMATCH",),
    ),
    Case(
        "nom_and_prenom_labels_on_one_line",
        Msg(
            patient=(
                "Nom : TREMBLAY   Prénom : Marie\n"
                "DDN : 1965-03-05\n"
                "NAM : TREM 6553 0510\n"
                "Dossier : 087231\n"
                "Allergies : aucune"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.last_name": "Tremblay", "patient.first_name": "Marie", "patient.nam": "TREM65530510"},
    ),
    Case(
        "nom_virgule_prenom_label",
        Msg(
            patient=(
                "Nom, prénom : Tremblay, Marie\n"
                "DDN : 1965-03-05\n"
                "NAM : TREM 6553 0510\n"
                "Dossier : 087231\n"
                "Allergies : aucune"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.last_name": "Tremblay", "patient.first_name": "Marie", "patient.dob": "1965-03-05"},
    ),
    Case(
        "dob_label_with_format_hint",
        Msg(
            patient=(
                "Usagère : Marie Tremblay\n"
                "Date de naissance (AAAA-MM-JJ) : 1965-03-05\n"
                "NAM : TREM 6553 0510\n"
                "Dossier : 087231\n"
                "Allergies : aucune"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.dob": "1965-03-05", "patient.nam": "TREM65530510", "patient.file_number": "087231"},
    ),
    Case(
        "file_label_with_site_in_parentheses",
        Msg(
            patient=(
                "Usagère : Marie Tremblay\n"
                "DDN : 1965-03-05\n"
                "NAM (RAMQ) : TREM 6553 0510\n"
                "No dossier (HMR) : 087231\n"
                "Allergies : aucune"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.nam": "TREM65530510", "patient.file_number": "087231"},
    ),
    Case(
        "file_number_written_with_a_space",
        Msg(
            patient=(
                "Usagère : Marie Tremblay\n"
                "DDN : 1965-03-05\n"
                "NAM : TREM 6553 0510\n"
                "Dossier : 087 231\n"
                "Allergies : aucune"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.file_number": "087231"},
    ),
    Case(
        "unlabelled_name_line_heading_the_patient_block",
        Msg(
            patient=(
                "Marie Tremblay\nDDN : 5 mars 1965\nNAM : TREM 6553 0510\nNo de dossier : 087231\nAllergies : aucune"
            ),
        ),
        "accepted",
        "fax",
        "drug_rx",
        {"patient.last_name": "Tremblay", "patient.first_name": "Marie", "patient.dob": "1965-03-05"},
    ),
    Case(
        "pharmacy_signature_short_labels_t_f",
        Msg(recipient="Pharmacie Lafleur et Gendron, Gatineau\nT: 819 555-0191  F: 819 555-0190"),
        "accepted",
        "fax",
        "drug_rx",
        {"recipient.fax": "+18195550190", "recipient.phone": "+18195550191"},
    ),
    Case(
        "recipient_name_in_parentheses_after_fax",
        Msg(recipient="Télécopieur : 819 555-0190 (Pharmacie Lafleur et Gendron)\nTéléphone : 819 555-0191"),
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
        "ct_scan_contrast_left_to_the_radiologist",
        Msg(
            from_=OUELLET,
            to=RADIO_FAX,
            subject="Demande d'imagerie",
            recipient="Clinique de radiologie Saint-Denis\nTél. : 514 555-0171\nTéléc. : 514 555-0170",
            patient="Patient : M. Yves Côté\nDDN : 31 décembre 1939\nNAM : COTY 3912 3111\nDossier : 00412877",
            orders=(
                "TDM abdomino-pelvienne, avec contraste selon avis du radiologiste\n"
                "Indication : perte de poids inexpliquée; créatinine normale (2026-11-20)"
            ),
            signature="Dr Marc Ouellet\nPermis : 09432\nTél. : 418 555-0133",
        ),
        "accepted",
        "fax",
        "imaging_rx",
        {"recipient.fax": "+15145550170", "sender.licence": "09432", "patient.dob": "1939-12-31"},
        absent=("RX_SIG_VAGUE",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_realistic_message(case: Case) -> None:
    problems, found = case_problems(case)
    assert not problems, f"{problems}; findings={found}"


def test_at_least_25_cases_with_distinct_names() -> None:
    assert len(CASES) >= 25
    assert len({c.name for c in CASES}) == len(CASES)


def test_quoted_history_never_leaks_into_orders() -> None:
    for case in CASES:
        if "reply" in case.name:
            orders = check(case.msg).extracted.orders
            assert not any("Tremblay" in o or "tel que prescrit" in o for o in orders), orders


def test_dates_are_iso_and_numbers_e164() -> None:
    result = check(CASES[0].msg)
    patient = result.extracted.patient
    assert patient.dob == dt.date(1965, 3, 5)
    assert result.as_json()["extracted"]["patient"]["dob"] == "1965-03-05"  # type: ignore[index]


def test_outlook_html_only_reads_like_the_plain_text() -> None:
    """The same message as an HTML-only Outlook body (MsoNormal paragraphs, &nbsp;, signature table beside a
    cid: logo) must yield the same fields and verdict as its plain-text form."""
    for case in CASES:
        if case.msg.html_body is not None:
            continue
        plain = check(case.msg)
        html = check(replace(case.msg, html_body=outlook_html(case.msg)))
        assert html.extracted.as_json() == plain.extracted.as_json(), case.name
        assert html.verdict == plain.verdict, case.name
