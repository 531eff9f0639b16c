"""What a document is — drug, imaging, lab or other prescription, progress notes, other document.

The subject is the prescriber's own label and is read first; specific words beat the generic «Ordonnance».
Then the order lines themselves: a strength and a dosage mean a drug, an exam name means imaging or lab.
For a fax with only generic wording, the directory's kind for the number decides.
"""

from __future__ import annotations

import re

from gateway.extract.text import fold
from gateway.models import DirectoryEntry, DocumentKind

_KIND_WORDS: tuple[tuple[DocumentKind, re.Pattern[str]], ...] = (
    (
        DocumentKind.PROGRESS_NOTES,
        re.compile(
            r"notes?\s+d'?\s?evolution|notes?\s+evolutives?|progress\s+notes?|"
            r"notes?\s+de\s+(?:consultation|suivi|visite|tele-?consultation)|consultation\s+notes?|"
            r"compte[\s-]rendu\s+de\s+(?:consultation|visite|tele-?consultation)"
        ),
    ),
    (
        DocumentKind.IMAGING_RX,
        re.compile(
            r"imagerie|radiolog\w*|radiographie|\brx\s+(?:pulmonaire|thorax|poumons?|genou|hanche|colonne|"
            r"main|pied|cheville|epaule|poignet|rachis|abdo\w*)|echographie|\bechos?\b|doppler|mammographie|"
            r"tomodensitometrie|\btdm\b|\bct-?scan|\birm\b|resonance\s+magnetique|scintigraphie|"
            r"medecine\s+nucleaire|osteodensitometrie|rayons?\s*-?x|imaging|x-ray|ultrasound|\bmri\b"
        ),
    ),
    (
        DocumentKind.LAB_RX,
        re.compile(
            r"laboratoire|\blabo\b|biologie\s+medicale|prelevements?|prise\s+de\s+sang|bilan\s+sanguin|"
            r"analyses?\s+(?:sanguines?|de\s+laboratoire|d'urine)|requete\s+de\s+labo\w*|\bfsc\b|\btsh\b|"
            r"glycemie|hba1c|creatinine|bilan\s+lipidique|culture\s+d'urine|analyse\s+d'urine|"
            r"\bions\b|\binr\b|ferritine|blood\s+test|lab\s+(?:test|requisition)"
        ),
    ),
    (
        DocumentKind.OTHER_RX,
        re.compile(
            r"physioth\w+|ergoth\w+|orthophon\w*|consultation\s+en|demande\s+de\s+consultation|"
            r"ordonnance\s+de\s+consultation|reference\s+(?:en|a)|orthese|prothese|kinesiolog\w*|"
            r"nutritionniste|dietetiste|psycholog\w+|audiolog\w+|chiropra\w+"
        ),
    ),
    (
        DocumentKind.OTHER_DOCUMENT,
        re.compile(
            r"billet\s+medical|certificat\s+medical|formulaire\s+d'assurance|attestation|arret\s+de\s+travail|"
            r"rapport\s+medical|lettre|absence|sick\s+note|medical\s+note|formulaire|cnesst|saaq|ivac|"
            r"certificat|attestation|invalidite|insurance\s+form"
        ),
    ),
)
_GENERIC_RX = re.compile(r"ordonnance|prescription|\brx\b|renouvellement|medicament|pharmacie")
_DRUG_LINE = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:(?:mg|mcg|µg|g|ml|ui|u|unites|meq|mmol|mg/ml)\b|%).*|"
    r"\b(?:po|die|bid|tid|qid|hs|prn|co|cos|comprimes?|caps(?:ules?)?|inh|sc|im|iv|gtt|sl)\b"
)
_DIRECTORY_KINDS = {"pharmacy": DocumentKind.DRUG_RX, "imaging": DocumentKind.IMAGING_RX}


def _kinds_in(text: str) -> list[DocumentKind]:
    return [kind for kind, pattern in _KIND_WORDS if pattern.search(text)]


def classify(subject: str, orders: list[str], body: str, entry: DirectoryEntry | None) -> DocumentKind:
    subject_f = fold(subject)
    subject_kinds = _kinds_in(subject_f)
    if subject_kinds:
        return subject_kinds[0]
    order_kinds = [kind for line in orders for kind in _kinds_in(fold(line))[:1]]
    drug_lines = sum(1 for line in orders if _DRUG_LINE.search(fold(line)))
    if drug_lines and drug_lines >= len(order_kinds):
        return DocumentKind.DRUG_RX
    if order_kinds:
        return max(set(order_kinds), key=order_kinds.count)
    body_kinds = _kinds_in(fold(body))
    if body_kinds and not _GENERIC_RX.search(subject_f):
        return body_kinds[0]
    if _GENERIC_RX.search(subject_f) or _GENERIC_RX.search(fold(body)):
        if entry is not None and entry.kind in _DIRECTORY_KINDS:
            return _DIRECTORY_KINDS[entry.kind]
        return DocumentKind.DRUG_RX if drug_lines or not body_kinds else body_kinds[0]
    return DocumentKind.UNKNOWN
