"""Text folding shared by the extractors and rules.

`fold` lower-cases and strips diacritics *character for character*, so a match found in the folded text
has the same offsets in the original: labels are matched on the folded form, values are sliced from the
original with their accents.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f\u200b]+")
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'", "`": "'"})


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch.isascii():
        return ch.lower()
    decomposed = unicodedata.normalize("NFKD", ch)
    base = decomposed[0] if decomposed else ch
    if len(base) != 1 or unicodedata.combining(base):
        return ch.lower()[:1] or ch
    low = base.lower()
    return low if len(low) == 1 else ch


# Latin-1 and Latin Extended-A/B cover French and the names prescribers write; other scripts pass unchanged.
_FOLD_TABLE = {code: _fold_char(chr(code)) for code in range(0x41, 0x250) if _fold_char(chr(code)) != chr(code)}
_FOLD_TABLE.update({ord(c): "'" for c in "\u2019\u2018\u02bc\u00b4`"})  # Outlook AutoCorrect apostrophes
_FOLD_TABLE.update({ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})
_FOLD_TABLE.update({ord(c): " " for c in "\u00a0\u2007\u202f"})


def fold(text: str) -> str:
    """Lower-case, accent-free copy of `text` with exactly the same length."""
    return text.translate(_FOLD_TABLE)


def tidy(text: str) -> str:
    """Normalise the typography Outlook and phones produce: NFC, dashes, quotes, non-breaking spaces."""
    text = unicodedata.normalize("NFC", text).translate(_DASHES).translate(_QUOTES)
    return _SPACES.sub(" ", text)


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def clean_value(text: str) -> str:
    """A field value without surrounding spaces and punctuation."""
    return text.strip(" \t,;:.-–—()[]«»\"'")
