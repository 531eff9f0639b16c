"""Label vocabularies, as regular expressions over *folded* text (lower-case, no accents; see text.fold).

Prescribers write the same label many ways: «Téléc.», «Télécopieur», «Fax»; «#Lic», «permis», «no de
prescripteur»; «D.D.N.», «né(e) le», «date de naissance». Keeping them here, in one place, is what lets the
extractor parse the meaning rather than one spelling.
"""

from __future__ import annotations

import re

FAX = r"(?:t[eé]l[eé]copieur|telecopie|telec\.?|teleco\.?|fax|telefax|no\.? de fax|\bf\s?:|\bf\.?\s?(?=[\d(]|$))"
PHONE = (
    r"(?:t[eé]l(?!ec)[eé]?(?:phone)?\.?|tel\.|phone|cell(?:ulaire)?\.?|cel\.|mobile|poste|\bt\s?:|\bt\.?\s?(?=[\d(]|$)|"
    r"(?:me\s+)?(?:re)?joindre(?:\s+au|\s+le)?|joignable(?:\s+au|\s+le)?|rejoint(?:e)?(?:\s+au|\s+le)?|"
    r"contact(?:er)?(?:\s+au)?|appele[rz](?:\s+au)?)"
)
LICENCE = re.compile(
    r"(?:\b(?:ips\w*|md|m\.d\.)\s*#|#\s*lic\b\.?|\blic\b\.?|\blicen[cs]e\b|\bpermis\b|\bn[o°º]?\.?\s*de\s+pratique|\bnumero\s+de\s+pratique|"
    r"\bpratique\s*#|\bprescripteur\b|\bcmq\b|\boiiq\b|\bopq\b|\bodq\b|\bmatricule\b)"
    r"(?:\s*(?:de\s+pratique|d'exercice|cmq|oiiq|no\.?|n[°º]|numero|#|:|-))*\s*#?\s*(\d-\d{4,6}|\d{2}\s\d{3}(?![\s.-]?\d)|\d{1,8})(?![\d])"
)
DOCTOR_TITLE = re.compile(r"(?<![\w])(?:dr|dre|docteur|docteure|doctor)\.?(?=\s)", re.IGNORECASE)
PATIENT_TITLE = re.compile(
    r"(?<![\w])(mme\.?|madame|mlle\.?|mademoiselle|m\.|mr\.?|mrs\.?|ms\.?|miss|monsieur|mx\.?)(?=\s)", re.IGNORECASE
)
DOB = re.compile(
    r"(?:date\s+de\s+naissance|\bd\.?\s?d\.?\s?n\b\.?|\bd\.\s?n\.|\bdob\b|\bn[eé]\s?\(\s?e\s?\)\s+le|"
    r"\bn[eé]e?\s+le|\bnaissance\b|\bne\(e\)|\bdate\s+of\s+birth|\bborn(?:\s+on)?|\bd\.?\s?n\s*:)(?:\s*\([^)\n]{0,20}\))?\s*[:\-]?\s*"
)
NAM = re.compile(
    r"(?:\bnam\b|\bn\.a\.m\.?|\bramq\b|\bn[o°º]?\.?\s*d'?\s?assurance[\s-]+maladie|\bnumero\s+d'?\s?assurance[\s-]+maladie|"
    r"\bassurance[\s-]+maladie|\bcarte\s+soleil|\bhin\b|\bhealth\s+(?:card|insurance)(?:\s+(?:number|no\.?|#))?|"
    r"\bmedicare(?:\s+(?:number|no\.?|#))?)\s*(?:du\s+quebec\s*)?(?:\([^)\n]{0,20}\)\s*)?[:#\-]?\s*"
)
FILE_NUMBER = re.compile(
    r"(?:(?:\bnumero|\bnum\.?|\bno\.?|\bn[°º]|\bn\s?o\.?|#)\s*(?:de\s+|du\s+)?dossier|"
    r"(?<!\bau )(?<!\bdu )(?<!\ble )(?<!\bson )(?<!\bmon )(?<!\bvotre )(?<!\bleur )\bdossier|"
    r"\bmrn\b|\bchart(?:\s+(?:number|no\.?))?|\bfile\s+(?:number|no\.?|#))"
    r"(?:\s+(?:hospitalier|medical|patient|usager|de\s+l'usager|[a-z]{2,6}(?=\s*[:#])))?"
    r"(?:\s*\([^)\n]{0,20}\))?\s*[:#]{0,2}\s*(?:n[o°º]\.?\s*)?((?:[a-z]{1,4}-?)?\d[\d-]*(?:\s\d{2,}\b)*)"
)
SEX = re.compile(r"\bsexe\s*:?\s*(f|m|feminin|masculin|femme|homme|female|male)\b")
ALT_ID = re.compile(
    r"(?:nom\s+(?:et\s+prenom\s+)?(?:de\s+la\s+mere|du\s+pere)|\bmere\s*:|\bpere\s*:|\badresse\s*(?:de\s+l'usager\s*)?:|"
    r"tel(?:ephone)?\.?\s+(?:de\s+l'|du\s+|de\s+la\s+)(?:usager|usagere|patient|patiente))"
)
ALLERGY = re.compile(r"(aucune\s+allergie(?:\s+connue)?|allergi\w*|\bnka\b|\bnkda\b|\baac\b|intoleran\w+)")
CLINICAL = re.compile(
    r"(intention\s+therapeutique|\bindication\b|\bdiagnostic\b|\bdx\b|\bmotif\b|\braison\b|contexte\s+clinique|"
    r"renseignements?\s+cliniques?|informations?\s+cliniques?|\bpour\s+(?:l'|le\s+|la\s+)?(?:traitement|"
    r"hta|hypertension|diabete|infection|douleur))"
)
TO_PATIENT = re.compile(
    r"destinataire\s*:\s*(?:l'|le\s+|la\s+)?(?:usager|usagere|patient|patiente|utilisateur)|"
    r"(?:envoi|transmis\w*|envoye\w*)\s+(?:directement\s+)?(?:a|au)\s+(?:l'usager|l'usagere|la\s+patiente|"
    r"le\s+patient|patient)|recipient\s*:\s*patient|"
    r"(?:a\s+)?(?:son|sa)\s+(?:propre\s+)?(?:adresse\s+)?(?:de\s+)?courriel\s+personnel\w*|"
    r"(?:adresse\s+)?courriel\s+(?:personnel\w*\s+)?de\s+l'(?:usager|usagere)"
)
CONSENT = re.compile(r"consent")  # a line that speaks of consent; CONSENT_POSITIVE/NEGATIVE read that line
CONSENT_NEGATIVE = re.compile(
    r"\b(non\s+obtenu|pas\s+obtenu|refus\w*|non\s+donne|not\s+obtained|aucun|ne\s+consent\s+pas|"
    r"n'a\s+pas\s+consenti|pas\s+de\s+consentement|sans\s+consentement)\b|:\s*(?:non|no)\b"
)
CONSENT_POSITIVE = re.compile(
    r"\b(obtenu|donne|recu|verbal|ecrit|consign\w*|accord\w*|obtained|given|a\s+consenti|consent\s+a|"
    r"consents?\s+to|oui|yes|accepte|ok)\b"
)
CRITICAL = re.compile(
    r"(valeurs?\s+critiques?|resultats?\s+critiques?|valeurs?\s+alarmantes?|valeurs?\s+de\s+panique|"
    r"en\s+urgence|urgence|en\s+tout\s+temps|critical\s+values?)"
)
VAGUE_SIG = re.compile(
    r"(tel\s+que\s+prescrit|tel\s+que\s+present\w*|tel\s+qu'indique|comme\s+indique|usage\s+connu|"
    r"selon\s+avis|selon\s+(?:les\s+)?directives|\bud\b|as\s+directed|as\s+before|comme\s+d'habitude|"
    r"selon\s+la\s+posologie\s+habituelle)"
)
TELECONSULTATION = re.compile(r"tele-?\s?consultation")
GREETING = re.compile(
    r"^(bonjour|bonsoir|allo|salut|hello|hi|cher|chere|madame,|monsieur,|mesdames|voici\b|veuillez|"
    r"ci-joint|ci-jointe|vous\s+trouverez|je\s+vous\s+(?:transmets|envoie|fais)|merci|cordialement|"
    r"salutations|bonne\s+journee|au\s+plaisir|regards|thanks|sincerement|meilleures|bien\s+a\s+vous)"
)
BOILERPLATE = re.compile(
    r"(^\[cid:|^(?:envoye|sent)\s+(?:de|from|depuis)\s|^(?:obtenir|get)\s+outlook|voir\s+(?:la\s+)?(?:photo|piece|pj|fichier|document|ordonnance)|ci-joint|ci-jointe|en\s+piece\s+jointe|"
    r"piece\s+jointe|numerisee?s?\s+ci|voir\s+ci|\bpj\b|attached|see\s+attach)"
)
RECIPIENT_LABEL = re.compile(
    r"(?:destinataire|nom\s+du\s+destinataire|(?:a\s+)?l'attention\s+de|a|to|attention|att\.?|pour|pharmacie|pharmacy|pharmacien\w*(?:\(ne\))?|"
    r"laboratoire|lab|"
    r"clinique|clinic|recipient|(?:a\s+)?telecopier\s+a|envoyer\s+a|(?:fax|send)\s+to)\s*:\s*"
)
TITLE_ONLY = re.compile(
    r"^(?:ordonnances?(?:\s+medicales?)?|notes?\s+d'?\s?evolution|requete\s+de\s+laboratoire|prescription)"
    r"(?:\s*[-:]\s*|\s+)?(?:tele-?consultation)?\W*$"
)
REPLY_HEADER_START = re.compile(r"^(?:de|from)\s*:")
REPLY_HEADER_NEXT = re.compile(r"^(?:envoye|sent|date|a|to|objet|subject|cc)\s*:")
REPLY_SEPARATOR = re.compile(
    r"^(?:-{2,}\s*(?:original message|message d'origine|message original|forwarded message|message transfere)"
    r"\s*-{2,}|_{8,}|de\s*:.*\b(?:envoye|date)\b|from:.*\bsent\b)"
)
DISCLAIMER = re.compile(
    r"(avis\s+de\s+confidentialite|confidentialit[ey]\s+notice|ce\s+(?:courriel|message)\s+(?:est|peut)\s+"
    r"(?:confidentiel|contenir)|this\s+(?:e-?mail|message)\s+(?:is|may)\s+(?:confidential|contain)|"
    r"si\s+vous\s+avez\s+recu\s+ce\s+(?:courriel|message)\s+par\s+erreur|"
    r"l'adresse\s+courriel\s+de\s+l'expediteur\s+ne\s+doit\s+pas)"
)
PROFESSIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\b(ips\w*|infirmi\w+\s+praticien\w*(?:\s+specialise\w*)?|nurse\s+practitioner|super-?infirmi\w+)"),
        "infirmière praticienne spécialisée",
    ),
    (re.compile(r"\b(pharmacien\w*|pharmacist)\b"), "pharmacien"),
    (re.compile(r"\b(dentiste|dentist)\b"), "dentiste"),
    (re.compile(r"\b(sage-femme|sages-femmes|midwife)\b"), "sage-femme"),
    (re.compile(r"\b(optometriste|optometrist)\b"), "optométriste"),
    (re.compile(r"\b(inhalotherapeute)\b"), "inhalothérapeute"),
    (
        re.compile(
            r"\b(medecin\w*|m\.\s?d\.|md|m\.d|omnipraticien\w*|docteure?|dre?\.?(?=\s)|physician|"
            r"pediatre|psychiatre|interniste|cardiologue|chirurgien\w*|resident\w*|urgentologue)"
        ),
        "médecin",
    ),
)


# Cheap substring tests run before the costly patterns above: most lines carry none of these words.
_FILE_WORDS = ("dossier", "mrn", "chart", "file")
_LICENCE_WORDS = ("lic", "permis", "pratique", "prescripteur", "cmq", "oiiq", "opq", "odq", "matricule", "#")


def file_number(folded: str) -> re.Match[str] | None:
    return FILE_NUMBER.search(folded) if any(w in folded for w in _FILE_WORDS) else None


def licence(folded: str) -> re.Match[str] | None:
    return LICENCE.search(folded) if any(w in folded for w in _LICENCE_WORDS) else None


_DOB_WORDS = ("naiss", "dob", "born", "birth", "dn", "d.n", "d n", "ne ", "ne(", "nee")


def dob(folded: str) -> re.Match[str] | None:
    return DOB.search(folded) if any(w in folded for w in _DOB_WORDS) else None
