"""Dates as prescribers write them, in French or English, to `datetime.date`.

Accepted: ISO `1946-01-03`, `1946/01/03`, written months (`3 janvier 1946`, `1er mars 1950`,
`3 janv. 1946`, `January 3, 1946`), and numeric day-first `03/01/1946` only when unambiguous — when both the
day and the month are ≤ 12 (and differ) the date is ambiguous unless a hint (the NAM's date) settles it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from gateway.extract.text import fold

MONTHS: dict[str, int] = {
    "janvier": 1, "janv": 1, "jan": 1, "january": 1,
    "fevrier": 2, "fevr": 2, "fev": 2, "february": 2, "feb": 2,
    "mars": 3, "march": 3, "mar": 3,
    "avril": 4, "avr": 4, "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juin": 6, "june": 6, "jun": 6,
    "juillet": 7, "juil": 7, "july": 7, "jul": 7,
    "aout": 8, "august": 8, "aug": 8,
    "septembre": 9, "sept": 9, "sep": 9, "september": 9,
    "octobre": 10, "oct": 10, "october": 10,
    "novembre": 11, "nov": 11, "november": 11,
    "decembre": 12, "dec": 12, "december": 12,
}  # fmt: skip
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))

ISO = re.compile(r"(?<!\d)(\d{4})\s?[-/.]\s?(\d{1,2})\s?[-/.]\s?(\d{1,2})(?!\d)")
DAY_FIRST = re.compile(r"(?<!\d)(\d{1,2})\s?([-/.])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?!\d)")
WRITTEN = re.compile(rf"(?<![\w])(\d{{1,2}})\s*(?:er|e|re)?\s+(?:de\s+)?({_MONTH_ALT})\.?,?\s+(\d{{4}}|\d{{2}})(?!\d)")
WRITTEN_EN = re.compile(rf"(?<![\w])({_MONTH_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)")


@dataclass(frozen=True, slots=True)
class DateMatch:
    raw: str
    start: int
    end: int
    value: dt.date | None  # None: impossible or ambiguous
    ambiguous: bool = False
    candidates: tuple[dt.date, ...] = ()


def _make(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _expand_year(y: int, today: dt.date) -> list[int]:
    if y >= 100:
        return [y]
    return [c + y for c in (1900, 2000) if c + y <= today.year]


def find_date(text: str, *, today: dt.date | None = None, hint: dt.date | None = None) -> DateMatch | None:
    """The first date written in `text` (ISO, written month, or numeric day-first)."""
    today = today or dt.date.today()
    folded = fold(text)
    found: list[DateMatch] = []
    for m in ISO.finditer(folded):
        found.append(_match(text, m, [_make(int(m[1]), int(m[2]), int(m[3]))]))
    for m in WRITTEN.finditer(folded):
        found.append(_written(text, m, today, hint))
    for m in WRITTEN_EN.finditer(folded):
        found.append(_match(text, m, [_make(int(m[3]), MONTHS[m[1]], int(m[2]))]))
    for m in DAY_FIRST.finditer(folded):
        if any(f.start <= m.start() < f.end for f in found):
            continue
        found.append(_day_first(text, m, today, hint))
    if not found:
        return None
    return min(found, key=lambda f: f.start)


def _match(text: str, m: re.Match[str], dates: list[dt.date | None]) -> DateMatch:
    return DateMatch(raw=text[m.start() : m.end()], start=m.start(), end=m.end(), value=dates[0])


def _written(text: str, m: re.Match[str], today: dt.date, hint: dt.date | None) -> DateMatch:
    """«3 janvier 1946»; with a two-digit year («30 août 66») the century must be the only possible one."""
    options = [d for year in _expand_year(int(m[3]), today) if (d := _make(year, MONTHS[m[2]], int(m[1])))]
    raw = text[m.start() : m.end()]
    if hint is not None and hint in options:
        return DateMatch(raw, m.start(), m.end(), hint)
    if len(options) == 1:
        return DateMatch(raw, m.start(), m.end(), options[0])
    return DateMatch(raw, m.start(), m.end(), None, ambiguous=len(options) > 1, candidates=tuple(options))


def _day_first(text: str, m: re.Match[str], today: dt.date, hint: dt.date | None) -> DateMatch:
    a, b = int(m[1]), int(m[3])
    candidates: list[dt.date] = []
    for year in _expand_year(int(m[4]), today):
        for day, month in ((a, b), (b, a)):
            d = _make(year, month, day)
            if d is not None and d not in candidates:
                candidates.append(d)
    raw = text[m.start() : m.end()]
    if hint is not None and hint in candidates:
        return DateMatch(raw, m.start(), m.end(), hint)
    if len(candidates) == 1:
        return DateMatch(raw, m.start(), m.end(), candidates[0])
    return DateMatch(raw, m.start(), m.end(), None, ambiguous=len(candidates) > 1, candidates=tuple(candidates))


def parse_date(text: str, *, today: dt.date | None = None, hint: dt.date | None = None) -> dt.date | None:
    """Parse a whole string as one date; None when it is not exactly one valid, unambiguous date."""
    match = find_date(text.strip(), today=today, hint=hint)
    if match is None or match.start != 0 or match.end != len(text.strip()):
        return None
    return match.value
