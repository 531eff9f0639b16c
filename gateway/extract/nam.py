"""The Québec health-insurance number (NAM, «numéro d'assurance maladie»).

Structure: 4 letters (first 3 of the surname padded with X, first letter of the given name), then YYMMDD
(month + 50 for women), then 2 digits (an administrative digit and a check digit). Spaces are allowed.
The check-digit algorithm is not published by the RAMQ; the one circulating in open-source health-card
validators is implemented here and only ever reported as information.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from gateway.extract.text import strip_accents

NAM_PATTERN = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{4})[\s-]?(\d{2})[\s-]?(\d{2})[\s-]?(\d{2})[\s-]?(\d{2})(?![A-Za-z0-9])"
)
NAM_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{3,4}(?:\s?[A-Za-z0-9]{2,4}){1,4}(?![A-Za-z0-9])")


@dataclass(frozen=True, slots=True)
class NamInfo:
    value: str  # 12 characters, upper-case, no spaces
    birth_dates: tuple[dt.date, ...]  # the encoded date in the possible centuries
    sex: str  # "F" or "M"

    @property
    def letters(self) -> str:
        return self.value[:4]


def normalise(raw: str) -> str:
    return re.sub(r"[\s\-]", "", raw).upper()


def decode(raw: str, *, today: dt.date | None = None) -> NamInfo | None:
    """Decode a NAM; None if its structure or encoded date is invalid."""
    value = normalise(raw)
    if not re.fullmatch(r"[A-Z]{4}\d{8}", value):
        return None
    yy, mm, dd = int(value[4:6]), int(value[6:8]), int(value[8:10])
    sex = "M"
    if mm > 50:
        sex, mm = "F", mm - 50
    today = today or dt.date.today()
    dates: list[dt.date] = []
    for century in (1900, 2000):
        try:
            d = dt.date(century + yy, mm, dd)
        except ValueError:
            continue
        if d <= today:
            dates.append(d)
    if not dates:
        return None
    return NamInfo(value=value, birth_dates=tuple(dates), sex=sex)


def expected_letters(last_name: str, first_name: str) -> str:
    """The 4 letters a NAM should start with for these names."""
    last = re.sub(r"[^A-Z]", "", strip_accents(last_name).upper())
    first = re.sub(r"[^A-Z]", "", strip_accents(first_name).upper())
    return (last[:3].ljust(3, "X")) + (first[:1] or "X")


_WEIGHTS = (7, 1, 1, 3, 9, 7, 3, 9, 5, 3, 1, 3, 5, 7, 6, 9, 1)


def _letter_digits(letter: str) -> tuple[int, int]:
    code = ord(letter) - ord("A") + 1
    if code > 18:  # the circulating algorithm skips a code between R and S
        code += 1
    return divmod(code, 10)


def _checksum(value: str, century: int) -> int:
    digits = [d for letter in value[:4] for d in _letter_digits(letter)]
    digits += [int(c) for c in f"{century}{value[4:10]}"]
    digits.append(int(value[10]))
    female = digits[6] >= 5  # as found in the wild (it tests the 4th letter's tens digit, not the month)
    if female:
        digits[6] -= 5
    total = sum(d * w for d, w in zip(digits, _WEIGHTS, strict=True)) + (4 if female else 0)
    return total % 10


def check_digit_ok(value: str) -> bool:
    """The unofficial check-digit algorithm circulating for Québec NAMs (information only; the RAMQ
    publishes none). Weighted sum over letter codes, the 4-digit birth year, month, day and the 11th
    character, modulo 10; both centuries are tried."""
    if not re.fullmatch(r"[A-Z]{4}\d{8}", value):
        return False
    return any(_checksum(value, century) == int(value[11]) for century in (19, 20))
