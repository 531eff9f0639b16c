"""RX_DRUG_INCOMPLETE — each drug line should state strength, dosage/frequency and quantity or duration."""

from __future__ import annotations

import re

from gateway.extract.text import fold
from gateway.models import DocumentKind, Finding, Severity
from validators.base import Rule, RuleContext

STRENGTH = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:(?:mg|mcg|µg|μg|ug|g|ml|ui|unites?|u|meq|mmol|mg/ml|mg/\d+\s*ml|mcg/dose|mg/dose)\b|%)|"
    r"\b\d+(?:[.,]\d+)?/\d+(?:[.,]\d+)?\b(?!\s*(?:h|j|jours?|sem\w*))"  # combination strengths: Symbicort 200/6
)
# A frequency, not a count: «90 co» is a quantity and «1 co» alone says how much, not how often.
FREQUENCY = re.compile(
    r"\b(?:die|bid|tid|qid|hs|qhs|prn|q\s?\d+(?:\s?-\s?\d+)?\s?(?:h|j|sem\w*)|aux\s+\d+(?:\s?-\s?\d+)?\s*h|"
    r"toutes\s+les\s+\d+|\d+\s*(?:x|fois)\s*(?:par|/)\s*(?:jour|j|sem\w*|mois)|(?:par|/)\s*(?:jour|sem\w*)|"
    r"le\s+matin|le\s+soir|au\s+coucher|au\s+lever|aux\s+repas|chaque\s+\w+|qam|qpm|stat|once|daily|"
    r"hebdomadaire\w*|une\s+fois|q\.?o?\.?d\b\.?|o\.?d\b\.?|weekly|twice\s+a\s+day|(?:once|twice)\s+daily|at\s+bedtime|every\s+\d+)"
)
QUANTITY = re.compile(
    r"(?:\b\d+\s*(?:co|cos|comp\w*|caps\w*|ml|g|tubes?|flacons?|inhalateurs?|boites?|unites?)\b.*\b\d+|"
    r"\bqte\b|\bquantite|\bx\s*\d+\s*(?:j|jours?|sem\w*|mois)|\bpendant\s+\d+|\bdurant\s+\d+|"
    r"\b\d+\s*(?:jours?|sem\w*|mois|days?|weeks?|months?)\b|\bren\w*\b|\brefills?\b|\bm\s*:\s*\d+|\bmitte\b|"
    r"\bdisp(?:ense)?\b|\d+\s*(?:co|cos|caps|tabs?|tablets?)\b\s*[,;]|"
    r",\s*\d+\s*(?:co|cos|caps\w*|comp\w*|tabs?|tablets?|ml|g|flacons?|tubes?|inhalateurs?|stylos?|seringues?|plaquettes?|boites?|"
    r"sachets?|ampoules?|amp|fioles?|bouteilles?|pompes?|timbres?|suppositoires?|ovules?)\b)"
)
_DRUG_HINT = re.compile(STRENGTH.pattern + r"|\b(?:po|co|cos|comprime|capsule|inh|sc|im|gtt|sl|ophtalmique)\b")


def missing_parts(line: str) -> list[str]:
    f = fold(line)
    missing = []
    if not STRENGTH.search(f):
        missing.append("teneur")
    if not FREQUENCY.search(f):
        missing.append("posologie")
    if not QUANTITY.search(f):
        missing.append("quantité ou durée")
    return missing


_CONTINUATION = re.compile(
    r"(?:posologie|poso\b|sig\b|dose\b|frequence|voie\b|quantite|qte\b|duree|renouvel\w*|ren\b|mitte|m\s*:|"
    r"disp(?:ense)?\b|qty\b|quantity|refills?\b|directions?\b|"
    r"x\s*\d|pendant\b|durant\b|pour\s+\d)"
)


def drug_entries(orders: list[str]) -> list[str]:
    """Order lines grouped per drug: a labelled line without a strength that follows a drug line
    («Posologie : 1 co po DIE», «Quantité : 90 co», «x 10 jours») completes it rather than being judged alone."""
    entries: list[str] = []
    for line in orders:
        if entries and _CONTINUATION.match(fold(line).lstrip()) and not STRENGTH.search(fold(line)):
            entries[-1] += " ; " + line
        else:
            entries.append(line)
    return entries


class RxDrugIncomplete(Rule):
    code = "RX_DRUG_INCOMPLETE"
    severity = Severity.WARNING
    field = "orders"
    description = "A drug line lacks strength, dosage/frequency, or quantity/duration."
    message_fr = "Une ligne d'ordonnance ne précise pas : {missing}. Complétez-la pour éviter un appel du pharmacien."
    message_en = "An order line lacks: {missing_en}. Complete it to spare the pharmacist a call."

    def check(self, ctx: RuleContext) -> list[Finding]:
        if ctx.document is not DocumentKind.DRUG_RX:
            return []
        english = {"teneur": "strength", "posologie": "dosage/frequency", "quantité ou durée": "quantity/duration"}
        for line in drug_entries(ctx.extracted.orders):
            if not _DRUG_HINT.search(fold(line)):
                continue
            missing = missing_parts(line)
            if missing:
                return [self.finding(missing=", ".join(missing), missing_en=", ".join(english[m] for m in missing))]
        return []
