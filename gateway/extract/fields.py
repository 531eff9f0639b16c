"""The free-text fields of a prescriber's message: recipient, prescriber, patient, orders.

The body is cut into blocks (paragraphs) and lines; labels are found on the folded text (see labels.py) and
values sliced from the original. Each phone number is attributed to the label just before (or just after)
it, so «Tél» and «Télécopieur» lines are never confused, and each block is given one role — recipient,
patient, signature — so that the lines left over are the orders.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field

from gateway.extract import labels as L
from gateway.extract.dates import find_date
from gateway.extract.nam import NAM_PATTERN, NamInfo, decode
from gateway.extract.names import capture_name, split_name
from gateway.extract.phones import PhoneMatch, digits_of, find_phones, to_e164
from gateway.extract.text import clean_value, fold, tidy
from gateway.models import Extracted, Patient, Recipient, RegisteredSender, Sender


@dataclass(slots=True)
class Line:
    text: str
    folded: str
    block: int
    index: int
    role: str = ""  # recipient, patient, signature, meta, greeting, order
    cache: dict[str, object] = field(default_factory=dict)  # per-line results computed once


@dataclass(slots=True)
class _Doc:
    lines: list[Line] = field(default_factory=list)
    blocks: list[list[Line]] = field(default_factory=list)


def _strip_tail(text: str) -> str:
    """Drop quoted replies (Outlook's «De : / Envoyé :» header block, «-----Message d'origine-----», «>» lines):
    they are not the prescriber's order."""
    lines = text.split("\n")
    folded = [fold(line.strip()) for line in lines]
    kept: list[str] = []
    for i, raw in enumerate(lines):
        if L.REPLY_SEPARATOR.match(folded[i]):
            break
        following = [f for f in folded[i + 1 : i + 4] if f]
        if L.REPLY_HEADER_START.match(folded[i]) and following and L.REPLY_HEADER_NEXT.match(following[0]):
            break
        if raw.lstrip().startswith(">"):
            continue
        kept.append(raw)
    return "\n".join(kept)


_LONG_LINE = 160
_SENTENCE_END = re.compile(r"[.!?;]\s+(?=[A-ZÀ-Ý«])")
_ABBREVIATIONS = frozenset(
    {"m", "mme", "mlle", "dr", "dre", "st", "ste", "no", "n°", "tél", "tel", "téléc", "ex", "p", "av", "boul"}
)


def _sentences(line: str) -> list[str]:
    """A long line written as one paragraph («…, tél 819 555-0191. Ordonnance pour Mme…. Ramipril…. Dre…»)
    is read sentence by sentence, so each sentence can take its own role; abbreviations do not end one."""
    if len(line) <= _LONG_LINE:
        return [line]
    parts: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(line):
        word = re.findall(r"[\w°]+$", line[start : m.start()])
        if word and ((len(word[0]) == 1 and word[0].isalpha()) or word[0].lower() in _ABBREVIATIONS):
            continue
        parts.append(line[start : m.start() + 1].strip())
        start = m.end()
    parts.append(line[start:].strip())
    return [p for p in parts if p]


def _segment(text: str) -> _Doc:
    doc = _Doc()
    block: list[Line] = []
    for raw in (sentence for physical in text.split("\n") for sentence in (_sentences(physical) or [""])):
        stripped = raw.strip(" \t")
        if not stripped:
            if block:
                doc.blocks.append(block)
                block = []
            continue
        folded = fold(stripped)
        if L.DISCLAIMER.search(folded):
            continue
        line = Line(stripped, folded, len(doc.blocks), len(doc.lines))
        doc.lines.append(line)
        block.append(line)
    if block:
        doc.blocks.append(block)
    return doc


@dataclass(frozen=True, slots=True)
class _Phone:
    match: PhoneMatch
    kind: str  # "fax", "phone" or "" (unlabelled)
    line: Line


_FAX_BEFORE = re.compile(L.FAX + r"[^\d\n]{0,25}$")
_PHONE_BEFORE = re.compile(L.PHONE + r"[^\d\n]{0,40}$")
_FAX_AFTER = re.compile(r"^\s*[(\[]?\s*(?:" + L.FAX + r")")
_PHONE_AFTER = re.compile(r"^\s*[(\[]?\s*(?:t[eé]l(?!ec)|cell|bureau|phone)")
_LOOSE_NUMBER = re.compile(r"[+(]?\d[\d\s().\-]{5,18}\d")


def _phones(line: Line) -> list[_Phone]:
    cached = line.cache.get("phones")
    if cached is None:
        cached = line.cache["phones"] = _find_labelled_phones(line)
    return cached  # type: ignore[return-value]


_ASIDE = re.compile(r"\s*[(\[]")


def _find_labelled_phones(line: Line) -> list[_Phone]:
    found: list[_Phone] = []
    for m in find_phones(line.text):
        before = line.folded[max(0, m.start - 45) : m.start]
        after = line.folded[m.end : m.end + 14]
        fax_at = _last_label(_FAX_BEFORE, before)
        phone_at = _last_label(_PHONE_BEFORE, before)
        aside = _ASIDE.match(after)  # «819 555-0190 (fax)»: a label in brackets right after the number wins
        if aside and _FAX_AFTER.match(after):
            kind = "fax"
        elif aside and _PHONE_AFTER.match(after):
            kind = "phone"
        elif fax_at is not None and (phone_at is None or fax_at > phone_at):
            kind = "fax"
        elif phone_at is not None:
            kind = "phone"
        elif _FAX_AFTER.match(after):
            kind = "fax"
        elif _PHONE_AFTER.match(after):
            kind = "phone"
        else:
            kind = ""
        found.append(_Phone(m, kind, line))
    return found


def _last_label(pattern: re.Pattern[str], before: str) -> int | None:
    """Where the label closest before a number starts (the gap to the number holds no digit)."""
    m = pattern.search(before)
    return m.start() if m else None


def _loose_labelled_number(line: Line, label: str) -> str | None:
    """A number written after a label that is not a well-formed phone number (too short, too long)."""
    m = re.search(label + r"[^\d\n]{0,40}", line.folded)
    if not m:
        return None
    loose = _LOOSE_NUMBER.match(line.text, m.end())
    if loose and len(digits_of(loose.group(0))) >= 7:
        return loose.group(0).strip()
    return None


# --- block roles -----------------------------------------------------------------------------------------


_PRESCRIBED_FOR = re.compile(r"(?:ordonnance|requete|prescription|rx|notes?)\s+(?:\w+\s+)?pour\b")


def _is_patient_line(line: Line) -> bool:
    cached = line.cache.get("patient")
    if cached is None:
        cached = line.cache["patient"] = _looks_like_patient_line(line)
    return bool(cached)


def _looks_like_patient_line(line: Line) -> bool:
    f = line.folded
    return bool(
        L.NAM.search(f)
        or L.dob(f)
        or L.file_number(f)
        or L.SEX.search(f)
        or L.ALT_ID.search(f)
        or re.match(
            r"(nom|prenom|usager|usagere|patient|patiente|pte?\.?|nom de l'usager)(?:\s+name|\s+nom|\s*/\s*\w+)?\s*:", f
        )
        or (L.PATIENT_TITLE.search(line.text) and _PRESCRIBED_FOR.search(f) and len(f) < 200)
    )


_CREDENTIAL = re.compile(r"(?:,|\s)\s*(?:md|m\.d\.|ips\w*|ipspl|ipsss)(?:\b|$)")


def _is_signature_line(line: Line) -> bool:
    f = line.folded
    return bool(L.licence(f) or L.DOCTOR_TITLE.match(line.text) or _CREDENTIAL.search(f))


def _assign_roles(doc: _Doc) -> None:
    signature = _signature_lines(doc)
    for line in doc.lines:
        f = line.folded
        if line.index in signature:
            line.role = "signature"
        elif L.GREETING.match(f) or L.BOILERPLATE.search(f) or L.TITLE_ONLY.match(f):
            line.role = "greeting"
        elif _is_patient_line(line):
            line.role = "patient"
        elif (
            L.TO_PATIENT.search(f)
            or "consent" in f
            or (L.CRITICAL.search(f) and _phones(line))
            or re.match(
                r"(allergi\w*|aucune\s+allergie|intention\s+therapeutique|indication|diagnostic|dx|"
                r"contexte|renseignements?\s+cliniques?)\b[^\n]{0,200}$",
                f,
            )
        ):
            line.role = "meta"
    _mark_recipient(doc)
    _mark_name_headings(doc)
    _mark_identification_blocks(doc)
    for line in doc.lines:
        if not line.role:
            line.role = "order"


_IDENTIFICATION_HEADING = re.compile(
    r"(?:identification\s+(?:de\s+l'usager\w*|du\s+patient\w*|de\s+la\s+patiente)|usager\w*|patient\w*|"
    r"renseignements\s+sur\s+l'usager\w*|patient\s+information)\s*:?$"
)
_BARE_DATE = re.compile(r"[\d\s/.\-]{8,10}$|\d{1,2}(?:er)?\s+\w+\.?\s+\d{4}$")


def _mark_identification_blocks(doc: _Doc) -> None:
    """An EMR's «IDENTIFICATION DE L'USAGER» heading over unlabelled lines: name, date of birth, NAM, file."""
    for block in doc.blocks:
        for i, heading in enumerate(block):
            if not _IDENTIFICATION_HEADING.match(heading.folded):
                continue
            heading.role = "patient"
            for line in block[i + 1 :]:
                if line.role not in ("", "order", "patient"):
                    break
                if _BARE_DATE.match(line.folded):
                    line.role = "patient_dob"
                elif not line.role and _is_name_only(line):
                    line.role = "patient_name"
                else:
                    line.role = "patient"


def _is_name_only(line: Line) -> bool:
    name = capture_name(line.text)
    return name is not None and " " in name and len(name) >= len(line.text.rstrip(" ,.;:")) - 1


def _mark_name_headings(doc: _Doc) -> None:
    """A line that is only a name, heading a block of patient lines («Marie Tremblay» / «DDN : …»), is the
    patient's name."""
    for block in doc.blocks:
        for line, following in itertools.pairwise(block):
            if not line.role and following.role == "patient" and _is_name_only(line):
                line.role = "patient_name"


def _signature_lines(doc: _Doc) -> set[int]:
    """The lines of the prescriber's signature: around the last line with a licence, «Dr» or «, MD».

    Usually the signature closes the message and everything after its first line belongs to it. Written on
    top (a letterhead) it is only its own block. Without blank lines (mobile mail, Outlook HTML without
    spacer paragraphs) it starts at the first line, going up from the anchor, that is not signature-like.
    """
    candidates = [line for line in doc.lines if _is_signature_line(line)]
    if not candidates:
        closing = [ln for ln in doc.lines if _is_closing(ln)]
        return set(range(closing[-1].index + 1, len(doc.lines))) if closing else set()
    anchor = candidates[-1]
    block = doc.blocks[anchor.block]
    position = block.index(anchor)
    while position > 0 and _signature_like(block[position - 1]):
        position -= 1
    first = block[position].index
    if position == 0:
        first = doc.blocks[_blocks_above(doc, anchor.block)][0].index
    if anchor.index >= len(doc.lines) * 0.6:
        return set(range(first, len(doc.lines)))
    return set(range(first, block[-1].index + 1))


def _blocks_above(doc: _Doc, start: int) -> int:
    """«Dre Sophie Gagnon» / blank line / «Permis : 18765»: short blocks just above that name the prescriber
    belong to the same signature."""
    while start > 0:
        above = doc.blocks[start - 1]
        if len(above) > 4 or not all(_signature_like(ln) for ln in above):
            break
        start -= 1
    return start


def _signature_like(line: Line) -> bool:
    if _is_patient_line(line) or _DOSE.search(line.folded):
        return False
    if _is_signature_line(line) or _is_closing(line) or _is_name_only(line):
        return True
    return len(line.folded) <= 80 and any(p.search(line.folded) for p, _ in L.PROFESSIONS)


_DOSE = re.compile(r"(?<![a-z\d])\d+(?:[.,]\d+)?\s*(?:mg|mcg|g|ml|ui|unites|%)(?!\w)|\b(?:po|die|bid|tid|qid|prn)\b")


def _is_closing(line: Line) -> bool:
    return bool(re.match(r"(cordialement|salutations|merci|bien a vous|regards)", line.folded))


def _mark_recipient(doc: _Doc) -> None:
    """The recipient's lines: the first run of unassigned lines holding a fax label and a number (or an
    explicit «Destinataire :» label), with the name line just above — never an order line."""
    for block in doc.blocks:
        free = [ln for ln in block if not ln.role and not _DOSE.search(ln.folded)]
        phones = [p for line in free for p in _phones(line)]
        has_fax_label = any(re.search(L.FAX, line.folded) for line in free)
        explicit = any(L.RECIPIENT_LABEL.match(ln.folded) and (_phones(ln) or _NAMED_RECIPIENT.match(ln.folded))
                       for ln in free)  # fmt: skip
        if not ((phones and has_fax_label) or explicit):
            continue
        for run in _runs(block):
            if any(re.search(L.FAX, ln.folded) or L.RECIPIENT_LABEL.match(ln.folded) for ln in run):
                for line in run:
                    line.role = "recipient"
                return


_NAMED_RECIPIENT = re.compile(r"(?:destinataire|pharmacie|pharmacy|laboratoire|clinique|clinic)\b")


def _runs(block: list[Line]) -> list[list[Line]]:
    """Consecutive unassigned, non-order lines of a block."""
    runs: list[list[Line]] = [[]]
    for line in block:
        if line.role or _DOSE.search(line.folded):
            runs.append([])
        else:
            runs[-1].append(line)
    return [run for run in runs if run]


# --- fields ------------------------------------------------------------------------------------------------


def _recipient(doc: _Doc) -> Recipient:
    rec = Recipient()
    lines = [ln for ln in doc.lines if ln.role == "recipient"]
    if lines and lines[0].index > 0 and _recipient_name(lines) is None:
        above = doc.lines[lines[0].index - 1]  # «Pharmacie X» / blank line / «Tél : … Téléc : …»
        if above.role in ("", "order") and _could_be_a_name(above, doc):
            above.role = "recipient"
            lines.insert(0, above)
    for line in lines:
        for phone in _phones(line):
            if phone.kind == "fax" and rec.fax_raw is None:
                rec.fax_raw, rec.fax = phone.match.raw, phone.match.e164
            elif phone.kind != "fax" and rec.phone_raw is None:
                rec.phone_raw, rec.phone = phone.match.raw, phone.match.e164
        if rec.fax_raw is None:
            rec.fax_raw = _loose_labelled_number(line, L.FAX)
            rec.fax = to_e164(rec.fax_raw) if rec.fax_raw else None
    rec.name = _recipient_name(lines)
    return rec


def _could_be_a_name(line: Line, doc: _Doc) -> bool:
    return len(doc.blocks[line.block]) == 1 and not _DOSE.search(line.folded) and len(line.text) <= 80


def _recipient_name(lines: list[Line]) -> str | None:
    for line in lines:
        text = line.text
        m = L.RECIPIENT_LABEL.match(line.folded)
        if m:
            text = text[m.end() :]
        aside = re.search(r"\(([^()]{3,90})\)", text)
        if aside and re.match(r"\s*(?:" + L.FAX + "|" + L.PHONE + ")", fold(text)):
            named = re.split(r"[,;]?\s*(?:" + L.FAX + "|" + L.PHONE + r")|\d", fold(aside.group(1)), maxsplit=1)[0]
            if len(named.strip()) >= 3:
                return clean_value(aside.group(1)[: len(named)])
        if re.match(r"\s*\(?\s*(?:" + L.FAX + "|" + L.PHONE + ")", fold(text)):
            continue  # «Tél : …», «Téléc. : …»: a number line, not the name
        label = re.search(r"(?:,|\s[-–]|\s)\s*\(?\s*(?:" + L.FAX + "|" + L.PHONE + r")\b", fold(text))
        if label:
            text = text[: label.start()]
        number = next(find_phones(text), None)
        if number is not None:
            text = text[: number.start]
        text = clean_value(text)
        if text and not any(find_phones(text)) and re.search(r"[A-Za-zÀ-ÿ]{2}", text):
            if re.match(r"(?:l')?(usager|usagere|patient|patiente)\b", fold(text)):
                return None
            return text
    return None


def _nam(doc: _Doc, patient: Patient) -> NamInfo | None:
    text = "\n".join(ln.text for ln in doc.lines)
    folded = fold(text)
    label = L.NAM.search(folded)
    if label:
        raw = _nam_value(text, label.end())
        if raw is not None:
            patient.nam_raw = raw
            info = decode(raw)
            if info:
                patient.nam = info.value
            return info
    m = NAM_PATTERN.search(text)
    if m and m.group(1).isupper():
        info = decode(m.group(0))
        if info:
            patient.nam_raw, patient.nam = m.group(0), info.value
            return info
    return None


_ABSENT = re.compile(r"(non\s+disponible|aucun|n/?a\b|inconnu|pas\s+de|none|absent|en\s+attente|nd\b)")


def _nam_value(text: str, start: int) -> str | None:
    """The NAM as written after its label: up to 12 letters and digits, spaces and dashes allowed."""
    rest = text[start : start + 40]
    if _ABSENT.match(fold(rest)):
        return None
    structured = NAM_PATTERN.match(rest)
    if structured:
        return structured.group(0)
    tokens = re.match(r"[A-Za-z0-9]+(?:[ \-][A-Za-z0-9]+){0,4}", rest)
    if not tokens:
        return None
    kept: list[str] = []
    count = 0
    for token in re.split(r"[ \-]", tokens.group(0)):
        if kept and (count + len(token) > 12 or (token.isalpha() and len(token) > 2)):
            break
        kept.append(token)
        count += len(token)
    value = " ".join(kept)
    return value if any(c.isdigit() for c in value) or len(value) >= 8 else None


def _patient(doc: _Doc, today: dt.date) -> Patient:
    p = Patient()
    nam = _nam(doc, p)
    text = "\n".join(
        ln.text for ln in doc.lines if ln.role in ("patient", "patient_name", "order", "meta", "greeting", "")
    )
    folded = fold(text)
    _patient_name(doc, p, nam)
    _patient_dob(doc, p, nam, today)
    m = L.file_number(folded)
    if m:
        p.file_number = clean_value(text[m.start(1) : m.end(1)]).replace(" ", "") or None
    m = L.SEX.search(folded)
    if m:
        p.sex = "F" if m.group(1)[0] == "f" else "M"
    elif p.sex is None and nam is not None:
        p.sex = nam.sex
    m = L.ALT_ID.search(folded)
    if m:
        p.alt_id = clean_value(_clause(text, m.start(), stops=".\n;,")) or None
    return p


_FULL_NAME_LABEL = re.compile(
    r"\b(?:nom\s*,\s*prenom|nom\s+et\s+prenom|nom\s+complet|nom\s+de\s+l'usager\w*|nom\s+du\s+patient\w*|"
    r"prenom\s*,?\s*(?:et\s+)?nom|patient\s+name|name)\s*:\s*"
)


def _patient_name(doc: _Doc, p: Patient, nam: NamInfo | None) -> None:
    letters = nam.letters if nam else None
    last = first = None
    for line in doc.lines:
        if line.role == "signature":
            continue
        full = _FULL_NAME_LABEL.search(line.folded)
        if full:
            name = capture_name(line.text[full.end() :])
            if name:
                p.first_name, p.last_name = split_name(name, letters)
                return
        if line.role == "patient_name":
            p.first_name, p.last_name = split_name(capture_name(line.text) or "", letters)
            return
        m = re.search(r"(?:^|\b)nom(?:\s+de\s+famille)?\s*:\s*", line.folded)
        if m and not re.search(r"(mere|pere|medecin)\s*$", line.folded[: m.start()]):
            last = capture_name(line.text[m.end() :]) or last
        m = re.search(r"\bprenom\s*:\s*", line.folded)
        if m:
            first = capture_name(line.text[m.end() :]) or first
    if last:
        p.last_name, p.first_name = last, first
        return
    best: tuple[int, str, str | None] | None = None
    for line in doc.lines:
        if line.role in ("signature", "recipient"):
            continue
        for m in _patient_name_starts(line):
            name = capture_name(line.text[m.end() :])
            if not name:
                continue
            score = (2 if line.role == "patient" else 0) + (1 if " " in name or "," in name else 0)
            if best is None or score > best[0]:
                best = (score, name, _title_sex(m.group(0)))
    if best is None:
        best = _leading_name(doc)
    if best:
        p.first_name, p.last_name = split_name(best[1], letters)
        p.sex = best[2] or p.sex


def _leading_name(doc: _Doc) -> tuple[int, str, str | None] | None:
    """«GIRARD Lucie, DDN 1966/08/30, NAM …»: a patient line that opens with the name itself."""
    for line in doc.lines:
        if line.role == "patient" and not re.match(r"[\w' ]{0,30}:", line.folded):
            name = capture_name(line.text)
            if name and (" " in name or "," in name):
                return (0, name, None)
    return None


def _patient_name_starts(line: Line) -> list[re.Match[str]]:
    starts = list(L.PATIENT_TITLE.finditer(line.text))
    starts += list(
        re.finditer(r"(?:usager|usagere|patient|patiente|pte?\.?|nom\s+et\s+prenom|pour)\s*:\s*", line.folded)
    )
    starts += [m for m in _PRESCRIBED_FOR.finditer(line.folded)]
    return starts


def _title_sex(title: str) -> str | None:
    t = fold(title).strip(" :")
    if t in ("mme", "madame", "mlle", "mademoiselle"):
        return "F"
    if t in ("m.", "mr", "mr.", "monsieur"):
        return "M"
    return None


def _patient_dob(doc: _Doc, p: Patient, nam: NamInfo | None, today: dt.date) -> None:
    hint = nam.birth_dates[0] if nam and len(nam.birth_dates) == 1 else None
    unlabelled = [ln.text for ln in doc.lines if ln.role == "patient_dob"]
    text = "\n".join(
        ln.text for ln in doc.lines if ln.role in ("patient", "patient_name", "order", "meta", "greeting", "")
    )
    folded = fold(text)
    if unlabelled and not L.DOB.search(folded):
        text, folded = "DDN : " + unlabelled[0], fold("DDN : " + unlabelled[0])
    for m in L.DOB.finditer(folded):
        found = find_date(text[m.end() : m.end() + 40], today=today, hint=hint)
        if found is not None and found.start <= 3:
            p.dob_raw = found.raw
            p.dob_ambiguous = found.ambiguous
            if found.value and found.value <= today and found.value.year > today.year - 130:
                p.dob = found.value
            return
        loose = re.match(r"[\d/.\-]{6,10}", text[m.end() : m.end() + 12])
        if loose:
            p.dob_raw = loose.group(0)
            return


def _sender(doc: _Doc, registered: RegisteredSender | None, from_display: str) -> Sender:
    s = Sender()
    sig = [ln for ln in doc.lines if ln.role == "signature"]
    sig_text = "\n".join(ln.text for ln in sig)
    sig_folded = fold(sig_text)
    m = L.licence(sig_folded) or L.licence(fold("\n".join(ln.text for ln in doc.lines)))
    if m:
        # «1-21504»: the leading «1-» is the RAMQ profession prefix (1 = physician), not part of the permit
        s.licence = re.sub(r"[\s-]", "", re.sub(r"^\d-(?=\d{5}$)", "", m.group(1)))
    _sender_name(sig, s, registered, from_display)
    for pattern, profession in L.PROFESSIONS:
        if pattern.search(sig_folded):
            s.profession = profession
            break
    if s.profession is None and registered is not None:
        s.profession = registered.profession
    _sender_phone(doc, sig, s)
    return s


def _sender_name(sig: list[Line], s: Sender, registered: RegisteredSender | None, from_display: str) -> None:
    name = None
    for line in sig:
        title = L.DOCTOR_TITLE.search(line.text)
        if title:
            name = capture_name(line.text[title.end() :])
            if name:
                break
    if name is None:
        for line in sig:
            if L.GREETING.match(line.folded):
                continue
            label = _SENDER_LABEL.match(line.folded)
            candidate = capture_name(line.text[label.end() :] if label else line.text)
            if candidate and (" " in candidate or "," in candidate):
                name = candidate
                break
    if name is None:
        return
    s.first_name, s.last_name = _orient(name, registered, from_display)


_SENDER_LABEL = re.compile(r"(?:prescri\w*|medecin|signature|signe|signed|expediteur|sender|from|de)\s*:\s*")


def _orient(name: str, registered: RegisteredSender | None, from_display: str) -> tuple[str | None, str | None]:
    """Split a prescriber's name, using the enrolled account or the From display name to decide the order."""
    first, last = split_name(name)
    tokens = {fold(t) for t in re.split(r"[\s,]+", name) if t}
    if registered is not None and {fold(registered.first_name), fold(registered.last_name)} <= tokens:
        return registered.first_name, registered.last_name
    if "," in from_display and "," not in name:
        display_last = fold(from_display.split(",")[0].strip())
        if first and fold(first) == display_last:
            return last, first
    return first, last


_CALL_ME = re.compile(
    r"(re)?joindre|joignable|rejoint|valeurs?\s+critiques?|critical\s+values?|appele[rz]|\bcall\b|urgence"
)


def _sender_phone(doc: _Doc, sig: list[Line], s: Sender) -> None:
    candidates = [p for line in sig for p in _phones(line) if p.kind != "fax"]
    labelled = [p for p in candidates if p.kind == "phone"]
    chosen: _Phone | None = (labelled or candidates)[0] if (labelled or candidates) else None
    if chosen is None:
        for line in doc.lines:
            if line.role != "recipient" and _CALL_ME.search(line.folded):
                chosen = next((p for p in _phones(line) if p.kind != "fax"), None)
                if chosen:
                    break
    if chosen is not None:
        s.phone_raw, s.phone = chosen.match.raw, chosen.match.e164
        return
    for line in sig:
        loose = _loose_labelled_number(line, L.PHONE)
        if loose:
            s.phone_raw, s.phone = loose, to_e164(loose)
            return


_BULLET = re.compile(r"^(?:[-•*·▪◦–]+|\d{1,2}[.)]|rx\s*:|r/|ordonnance\s*:|prescription\s*:|notes?\s*:)\s*", re.I)


def _orders(doc: _Doc) -> list[str]:
    orders = []
    for line in doc.lines:
        if line.role != "order":
            continue
        text = _BULLET.sub("", line.text).strip()
        if len(re.findall(r"[A-Za-zÀ-ÿ0-9]", text)) >= 2 and not _is_column_header(fold(text)):
            orders.append(text)
    return orders


_COLUMN_WORDS = frozenset(
    [
        "rx",
        "ordonnance",
        "ordonnances",
        "medicament",
        "medicaments",
        "medication",
        "drug",
        "posologie",
        "dose",
        "dosage",
        "quantite",
        "qte",
        "qty",
        "quantity",
        "duree",
        "duration",
        "ren",
        "ren.",
        "renouvellement",
        "renouvellements",
        "refills",
        "sig",
        "disp",
        "teneur",
        "voie",
        "route",
        "frequence",
        "frequency",
        "examen",
        "examens",
        "analyse",
        "analyses",
    ]
)


def _is_column_header(folded: str) -> bool:
    """«Médicament | Posologie | Quantité | Ren.»: a table's header row, or a lone «Rx :», is not an order."""
    words = [w for w in re.split(r"[\s\t:|/]+", folded) if w]
    return bool(words) and all(w.strip(".") in _COLUMN_WORDS or w in _COLUMN_WORDS for w in words)


def _meta(doc: _Doc, ex: Extracted) -> None:
    full = "\n".join(ln.folded for ln in doc.lines)
    ex.addressed_to_patient = bool(L.TO_PATIENT.search(full))
    ex.consent_stated = any(_states_consent(ln.folded) for ln in doc.lines)
    for line in doc.lines:
        if L.CRITICAL.search(line.folded):
            phone = next((p.match.e164 for p in _phones(line) if p.match.e164 and p.kind != "fax"), None)
            if phone:
                ex.critical_values_phone = phone
                break
    originals = "\n".join(ln.text for ln in doc.lines)
    allergy = L.ALLERGY.search(full)
    if allergy:
        clause = _clause(originals, allergy.start())
        label = re.match(r"allergi\w*\s*(?:connues?\s*)?:\s*", fold(clause))
        ex.allergies = clause[label.end() :] if label and clause[label.end() :].strip() else clause
    clinical = L.CLINICAL.search(full)
    if clinical:
        ex.clinical_info = _clause(originals, clinical.start())
    ex.vague_sig = [m.group(0) for ln in doc.lines if ln.role == "order" for m in L.VAGUE_SIG.finditer(ln.folded)]
    ex.teleconsultation_mentioned = bool(L.TELECONSULTATION.search(full))


def _states_consent(folded: str) -> bool:
    if not (L.CONSENT.search(folded) and L.CONSENT_POSITIVE.search(folded)):
        return False
    return not L.CONSENT_NEGATIVE.search(folded)


def _clause(text: str, start: int, stops: str = ".\n;") -> str:
    end = len(text)
    for stop in stops:
        pos = text.find(stop, start)
        if pos != -1:
            end = min(end, pos)
    return text[start:end].strip()


def extract(
    body: str,
    *,
    registered: RegisteredSender | None = None,
    from_display: str = "",
    today: dt.date | None = None,
) -> Extracted:
    """All the fields of a message body. Never raises; missing values stay None."""
    today = today or dt.date.today()
    doc = _segment(_strip_tail(tidy(body)))
    _assign_roles(doc)
    ex = Extracted()
    ex.recipient = _recipient(doc)
    ex.patient = _patient(doc, today)
    ex.sender = _sender(doc, registered, from_display)
    ex.orders = _orders(doc)
    _meta(doc, ex)
    return ex
