"""RX_DANGEROUS_ABBREVIATION — ISMP Canada's «do not use» list: forms that cause tenfold and daily/monthly
errors when read off a fax."""

from __future__ import annotations

import re

from gateway.models import Finding, Severity
from validators.base import Rule, RuleContext

# Case matters: «U» and «OD» are dangerous, «u» inside a word is not.
DANGEROUS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\d\s*U\b"), "U"),
    (re.compile(r"\bI\.?U\.?(?=\s|$|[,.;])"), "IU"),
    (re.compile(r"\bq\.?o\.?d\.?(?=\s|$|[,;])", re.IGNORECASE), "QOD"),
    (re.compile(r"\bq\.?d\.?(?=\s|$|[,;])", re.IGNORECASE), "QD"),
    (re.compile(r"\bO\.?D\.?(?=\s|$|[,;])"), "OD"),
    (re.compile(r"\d\s*cc\b"), "cc"),
    (re.compile(r"µg|μg"), "µg"),
    (re.compile(r"\d[.,]0+\s*(?:mg|mcg|g|ml|mL|unités|UI)\b"), "zéro final / trailing zero"),
    (re.compile(r"(?<![\d\w])[.,]\d+\s*(?:mg|mcg|g|ml|mL)\b"), "décimale sans zéro / naked decimal"),
)


class RxDangerousAbbreviation(Rule):
    code = "RX_DANGEROUS_ABBREVIATION"
    severity = Severity.WARNING
    field = "orders"
    description = "ISMP Canada «do not use» forms: U, IU, QD, QOD, OD, cc, µg, trailing zero, naked decimal."
    message_fr = (
        "Abréviation dangereuse : {found}. Écrivez « unités », « die », « mL », « mcg », "
        "sans zéro final (5 mg) et avec un zéro initial (0,5 mg)."
    )
    message_en = "Dangerous abbreviation: {found}. Write units, daily, mL, mcg, 5 mg (not 5.0), 0.5 mg (not .5)."

    def check(self, ctx: RuleContext) -> list[Finding]:
        found: list[str] = []
        for line in ctx.extracted.orders:
            for pattern, label in DANGEROUS:
                if label not in found and pattern.search(line):
                    found.append(label)
        return [self.finding(found=", ".join(found))] if found else []
