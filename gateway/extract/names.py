"""Personal names in free text: capturing them after a title or label, and splitting first from last.

Québec usage is «Prénom Nom» in prose, «NOM, Prénom» in records, upper-case surnames in charts, and
unhyphenated double surnames. When the NAM is known its four letters decide the split; otherwise the comma,
then capitals, then prose order.
"""

from __future__ import annotations

import re
from functools import lru_cache

from gateway.extract.labels import PROFESSIONS
from gateway.extract.nam import expected_letters
from gateway.extract.text import fold

_UPPER = "A-ZÀ-ÖØ-ÞŒ"
_LOWER = "a-zß-öø-ÿœ"
_PARTICLE = r"(?:de|du|des|la|le|van|von|der|den|ten|ter|da|das|dos|di|del|della|st|ste|d'|l')"
TOKEN = rf"(?:[{_UPPER}]\.(?=\s)|[{_UPPER}][{_UPPER}{_LOWER}'’\-]*|{_PARTICLE}(?=\s?[{_UPPER}]|\s{_PARTICLE}\s))"
_TITLES = re.compile(r"^(?:(?:mme|madame|mlle|mademoiselle|m|mr|mrs|ms|miss|monsieur|mx|dr|dre)\.?\s+)+", re.IGNORECASE)
NAME_RUN = re.compile(rf"{TOKEN}(?:[ \t]{{1,2}}{TOKEN}|\s?,\s?(?={TOKEN}\s*(?:[,.;\n(]|$)){TOKEN}){{0,4}}")
_STOP_WORDS = {
    "Tél", "Tel", "Téléphone", "Télécopieur", "Fax", "NAM", "DDN", "Né", "Née", "Date", "Dossier", "No",
    "Numéro", "Permis", "Lic", "MD", "IPS", "Dr", "Dre", "Médecin", "Pour", "Voici", "Ordonnance", "Sexe",
    "D", "DN", "Infirmière", "Infirmier", "Pharmacie", "Merci", "Cordialement", "Tél.", "Cell", "Courriel",
}  # fmt: skip


_NEXT_LABEL = re.compile(r"\s+[\w'’.\-]+(?:\s+de\s+\w+)?\s?:")


@lru_cache(maxsize=4096)
def _is_title_or_profession(token: str) -> bool:
    if not token or token == ",":
        return False
    folded = fold(token)
    return any(pattern.fullmatch(folded) for pattern, _ in PROFESSIONS) or bool(_CREDENTIAL.fullmatch(folded))


_CREDENTIAL = re.compile(r"(?:ips\w*|md|m\.d\.?|phd|msc|inf\.?|ph\.?|b\.?\s?pharm|frcpc|ccmf|mdcm|dr|dre)")


def capture_name(text: str) -> str | None:
    """The personal name starting at the beginning of `text` (after a title), or None."""
    text = _TITLES.sub("", _NEXT_LABEL.split(text.lstrip(), maxsplit=1)[0])
    m = NAME_RUN.match(text)
    if not m:
        return None
    tokens = re.split(r"(\s+|,)", m.group(0))
    kept: list[str] = []
    for token in tokens:
        if token.strip() in _STOP_WORDS or _is_title_or_profession(token.strip()):
            break
        kept.append(token)
    name = "".join(kept).strip(" ,")
    return name if re.search(rf"[{_UPPER}]", name) else None


def split_name(name: str, nam_letters: str | None = None) -> tuple[str | None, str | None]:
    """(first_name, last_name) of a written name."""
    name = re.sub(r"\s+", " ", name).strip(" ,")
    if not name:
        return None, None
    if "," in name:
        last, _, first = name.partition(",")
        return (first.strip() or None), (last.strip() or None)
    tokens = name.split(" ")
    if len(tokens) == 1:
        return None, tokens[0]
    splits = [(" ".join(tokens[:i]), " ".join(tokens[i:])) for i in range(1, len(tokens))]
    splits += [(" ".join(tokens[i:]), " ".join(tokens[:i])) for i in range(1, len(tokens))]
    if nam_letters:
        for first, last in splits:
            if expected_letters(last, first) == nam_letters:
                return first, last
    caps = [t for t in tokens if len(t) > 1 and t.isupper() and not t.endswith(".")]
    if caps and len(caps) < len(tokens):
        last = " ".join(t for t in tokens if t in caps)
        first = " ".join(t for t in tokens if t not in caps)
        return first, last
    return tokens[0], " ".join(tokens[1:])
