"""What goes on the form, in words: from a CheckResult to the French strings each box of the page shows.

Kept apart from drawing so the wording (the labels of the provincial forms, the signature and transmission
statements the MSSS guide asks for) can be read and reviewed in one place, and so the layout code only
measures and places text. Every string here is cleaned for the font; missing optional fields show «—».
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gateway.config import Config
from gateway.models import FORM_TITLES, CheckResult, FileKind, Form, Route
from gateway.render.fonts import FontPair
from gateway.render.text import clean, clean_lines

MISSING = "—"


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    width: float  # points; the text column takes what is left when 0


@dataclass(frozen=True, slots=True)
class FormSpec:
    code: str
    title: str  # in capitals, as printed in the header
    file_title: str  # as used in the file name, e.g. «Ordonnances médicales»
    columns: tuple[Column, ...]
    shows_allergies: bool


SPECS: dict[Form | None, FormSpec] = {
    Form.AH_251: FormSpec(
        code="AH-251",
        title="ORDONNANCES MÉDICALES",
        file_title=FORM_TITLES[Form.AH_251],
        columns=(Column("Date / Heure", 112), Column("Ordonnances", 0), Column("Initiales", 62)),
        shows_allergies=True,
    ),
    Form.AH_253: FormSpec(
        code="AH-253",
        title="NOTES D'ÉVOLUTION",
        file_title=FORM_TITLES[Form.AH_253],
        columns=(Column("Date", 72), Column("Heure", 46), Column("Notes", 0)),
        shows_allergies=False,
    ),
    None: FormSpec(
        code="DOCUMENT",
        title="DOCUMENT CLINIQUE",
        file_title="Document",
        columns=(Column("Date", 72), Column("Heure", 46), Column("Contenu", 0)),
        shows_allergies=False,
    ),
}


@dataclass(frozen=True, slots=True)
class FormContent:
    spec: FormSpec
    establishment: str
    installation: str
    patient: tuple[tuple[str, str], ...]  # (label, value) × 6, in reading order
    recipient: str
    allergies: str | None
    clinical_info: str | None
    critical_values: str | None  # the phone to call with a critical laboratory value
    when: dt.datetime
    entries: tuple[tuple[str, ...], ...]  # each entry: its author's lines
    initials: str
    prescriber_name: str
    prescriber_ids: str
    signature: str
    transmission: str
    job_ref: str


def format_phone(e164: str | None, raw: str | None = None) -> str:
    """+18195550177 → «819 555-0177» (North American numbers); others as written."""
    if e164 and e164.startswith("+1") and len(e164) == 12 and e164[1:].isdigit():
        d = e164[2:]
        return f"{d[:3]} {d[3:6]}-{d[6:]}"
    return e164 or raw or MISSING


def initials(first: str | None, last: str | None) -> str:
    """«Jean-François» «Lévesque» → «J.-F.L.»; what a prescriber writes in the Initiales column."""
    out = []
    for name in (first, last):
        parts = [p for p in (name or "").split("-") if p.strip()]
        if parts:
            out.append("-".join(p.strip()[0].upper() + "." for p in parts))
    return "".join(out)


def _or_missing(value: str) -> str:
    return value or MISSING


def _patient_box(result: CheckResult, fonts: FontPair) -> tuple[tuple[str, str], ...]:
    p = result.extracted.patient
    dob = p.dob.isoformat() if p.dob else clean(p.dob_raw, fonts)
    if p.nam:
        ident = ("NAM", clean(p.nam, fonts))
    elif p.alt_id:
        ident = ("Autre identification (sans NAM)", clean(p.alt_id, fonts))
    else:
        ident = ("NAM", "")
    sex = {"F": "F", "M": "M"}.get((p.sex or "").upper(), clean(p.sex, fonts))
    return (
        ("Nom", _or_missing(clean(p.last_name, fonts).upper())),
        ("Prénom", _or_missing(clean(p.first_name, fonts))),
        ("N° de dossier", _or_missing(clean(p.file_number, fonts))),
        ("Date de naissance (AAAA-MM-JJ)", _or_missing(dob)),
        (ident[0], _or_missing(ident[1])),
        ("Sexe", _or_missing(sex)),
    )


def _recipient_name(result: CheckResult, fonts: FontPair) -> str:
    entry = result.destination.directory_entry
    name = entry.name if entry else result.extracted.recipient.name
    return clean(name, fonts)


def _routing(result: CheckResult, config: Config, fonts: FontPair) -> tuple[str, str]:
    """(the «Destinataire» line under the header, the transmission statement above the footer)."""
    dest, rcpt = result.destination, result.extracted.recipient
    archives = ", ".join(config.gateway.archives) or "archives médicales"
    reuse = "Document à usage unique : ne pas réutiliser ni retransmettre."
    copy = "Copie transmise aux archives médicales pour le dossier de l'usager."
    name = _recipient_name(result, fonts)
    if result.route is Route.FAX:
        fax = format_phone(dest.fax or rcpt.fax, dest.fax_digits_raw)
        entry_phone = dest.directory_entry.phone if dest.directory_entry else None
        phone = format_phone(rcpt.phone or entry_phone, rcpt.phone_raw)
        who = name or "destinataire"
        line = f"Destinataire : {_or_missing(name)} — télécopieur {fax} — téléphone {phone}"
        return (
            line,
            f"Transmis par télécopie à un seul destinataire : {who}, télécopieur {fax}. {copy} {reuse}",
        )
    if result.route is Route.ARCHIVES:
        line = f"Destinataire : Archives médicales ({archives})"
        return line, f"Transmis aux archives médicales ({archives}) pour le dossier de l'usager. {reuse}"
    address = clean(dest.address, fonts) or MISSING
    if result.route is Route.EMAIL_ENCRYPTED:
        who = "l'usager" if result.extracted.addressed_to_patient else (name or "destinataire")
        line = f"Destinataire : {who} — {address} — courriel chiffré"
        consent = (
            " Consentement de l'usager à l'envoi par courriel consigné au dossier."
            if (result.extracted.consent_stated)
            else ""
        )
        return (
            line,
            f"Transmis par courriel chiffré à un seul destinataire : {address}.{consent} {copy} {reuse}",
        )
    label = f"{name} — {address}" if name else address
    line = f"Destinataire : {label} — courriel sécurisé du réseau"
    return (
        line,
        f"Transmis par courriel sécurisé du réseau à un seul destinataire : {address}. {copy} {reuse}",
    )


def _entries(result: CheckResult, fonts: FontPair, form: Form | None) -> tuple[tuple[str, ...], ...]:
    entries = [tuple(lines) for lines in (clean_lines(o, fonts) for o in result.extracted.orders) if lines]
    pdfs = sum(1 for a in result.message.attachments if a.kind is FileKind.PDF)
    if pdfs:
        noun = "ordonnance jointe" if form is Form.AH_251 else "document joint"
        entries.append((f"Voir {noun} ({pdfs} fichier{'s' if pdfs > 1 else ''} PDF) à la suite de ce formulaire.",))
    return tuple(entries)


def _when(result: CheckResult) -> dt.datetime:
    when = result.message.date
    if when is None:
        return dt.datetime.now(dt.UTC).astimezone()
    return when


def build_content(result: CheckResult, config: Config, fonts: FontPair, job_ref: str) -> FormContent:
    """Every string the form shows for this result."""
    form = result.form
    s = result.extracted.sender
    name = ", ".join(v for v in (clean(s.last_name, fonts).upper(), clean(s.first_name, fonts)) if v)
    profession = clean(s.profession, fonts)
    licence = clean(s.licence, fonts) or MISSING
    phone = format_phone(s.phone, clean(s.phone_raw, fonts) or None)
    mailbox = clean(result.message.from_address, fonts) or MISSING
    recipient, transmission = _routing(result, config, fonts)
    return FormContent(
        spec=SPECS[form],
        establishment=clean(config.gateway.establishment, fonts),
        installation=clean(config.gateway.installation, fonts),
        patient=_patient_box(result, fonts),
        recipient=recipient,
        allergies=clean(result.extracted.allergies, fonts) or None,
        clinical_info=clean(result.extracted.clinical_info, fonts) or None,
        critical_values=(
            format_phone(result.extracted.critical_values_phone) if result.extracted.critical_values_phone else None
        ),
        when=_when(result),
        entries=_entries(result, fonts, form),
        initials=initials(clean(s.first_name, fonts), clean(s.last_name, fonts)),
        prescriber_name=(name or MISSING) + (f" — {profession}" if profession else ""),
        prescriber_ids=f"N° de permis : {licence}    Téléphone : {phone}",
        signature=(
            "Signature assurée par les coordonnées de l'expéditeur et son accès authentifié à sa boîte "
            f"courriel du réseau : {mailbox}"
        ),
        transmission=transmission,
        job_ref=job_ref,
    )
