"""North American phone and fax numbers: finding them in prose, validating them, writing them as E.164.

Validation follows the NANP plan as the rules state it: 10 digits (or 1 + 10), area code [2-9][0-8][0-9],
exchange [2-9][0-9][0-9], neither of them an N11 service code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# A number as people write it: optional +1 / 1-, area code possibly in parentheses, separators of
# space, dot or dash. Digits glued to letters or other digits are not a phone number.
PHONE_PATTERN = re.compile(r"(?<![\w+])(?:\+?\s?1[\s.\-]?)?(?:\(\s?\d{3}\s?\)|\d{3})[\s.\-]?\d{3}[\s.\-]?\d{4}(?![\w])")
_N11 = re.compile(r"^[2-9]11$")


@dataclass(frozen=True, slots=True)
class PhoneMatch:
    raw: str
    start: int
    end: int
    e164: str | None  # None when the number is not a valid NANP number


def digits_of(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def national_digits(digits: str) -> str | None:
    """The 10 national digits of a 10-digit or 1+10-digit string, or None."""
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits if len(digits) == 10 else None


def is_valid_nanp(national: str) -> bool:
    if len(national) != 10 or not national.isdigit():
        return False
    area, exchange = national[:3], national[3:6]
    if area[0] in "01" or area[1] == "9" or _N11.match(area):
        return False
    return not (exchange[0] in "01" or _N11.match(exchange))


def to_e164(text: str) -> str | None:
    """E.164 form (+1XXXXXXXXXX) of a written number, or None when it is not a valid NANP number."""
    national = national_digits(digits_of(text))
    if national is None or not is_valid_nanp(national):
        return None
    return "+1" + national


def fax_address_number(local_part: str) -> str | None:
    """The E.164 number of a fax address local part: strictly 10 digits or 1 + 10, nothing else."""
    if not local_part.isascii() or not local_part.isdigit():
        return None
    national = national_digits(local_part)
    if national is None or not is_valid_nanp(national):
        return None
    return "+1" + national


def find_phones(text: str) -> Iterator[PhoneMatch]:
    for m in PHONE_PATTERN.finditer(text):
        raw = m.group(0)
        yield PhoneMatch(raw=raw.strip(), start=m.start(), end=m.end(), e164=to_e164(raw))
