"""check: raw bytes → parsed message → extracted fields → document kind and route → findings.

Pure and offline: no network, no disk writes. The same function serves `ordofax check`, `render`, the relays
and the service, so a message is judged the same way everywhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gateway.classify import classify
from gateway.config import Config
from gateway.directory import FaxDirectory, SenderRegistry
from gateway.extract.fields import extract
from gateway.models import CheckResult, Extracted, ParsedMessage, Severity
from gateway.parsing.mime import parse_message
from gateway.routing import destination
from validators.base import Rule, RuleContext
from validators.registry import RULES

_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True, slots=True)
class CheckContext:
    """Everything `check` needs besides the message, loaded once from the configuration."""

    config: Config
    directory: FaxDirectory
    senders: SenderRegistry | None
    rules: tuple[Rule, ...] = RULES

    @classmethod
    def from_config(cls, config: Config) -> CheckContext:
        return cls(
            config=config,
            directory=FaxDirectory.load(config.gateway.directory),
            senders=SenderRegistry.load(config.gateway.registered_senders),
        )


_PATIENT_FIELDS = ("last_name", "first_name", "dob", "dob_raw", "sex", "nam", "nam_raw", "file_number", "alt_id")


def _complete_patient_from_pdfs(extracted: Extracted, message: ParsedMessage, today: dt.date) -> None:
    """A prescription attached as a PDF from an EMR identifies the patient itself (guide, rule 3): fields the
    body does not give are read from the attached form's text layer. Recipient and prescriber must still be
    in the body (rule 1)."""
    patient = extracted.patient
    if all(getattr(patient, name) for name in ("last_name", "first_name", "dob_raw", "file_number")):
        return
    for attachment in message.attachments:
        if attachment.pdf is None or attachment.pdf.unreadable or not attachment.pdf.text.strip():
            continue
        found = extract(attachment.pdf.text, today=today).patient
        for name in _PATIENT_FIELDS:
            if getattr(patient, name) in (None, "") and getattr(found, name) not in (None, ""):
                setattr(patient, name, getattr(found, name))


def check_bytes(raw: bytes, ctx: CheckContext, *, file: str = "", today: dt.date | None = None) -> CheckResult:
    """Judge one raw message. Never raises on message content: every problem is a finding."""
    today = today or dt.date.today()
    gateway = ctx.config.gateway
    message = parse_message(raw, ctx.config.limits, gateway.trusted_authserv_ids)
    registered = ctx.senders.lookup(message.from_address) if ctx.senders else None
    extracted = extract(message.body_text, registered=registered, from_display=message.from_display, today=today)
    _complete_patient_from_pdfs(extracted, message, today)
    dest = destination(message.to, message.cc, message.bcc, gateway, ctx.directory)
    document = classify(message.subject, extracted.orders, message.body_text, dest.directory_entry)
    rule_ctx = RuleContext(
        message=message,
        extracted=extracted,
        document=document,
        destination=dest,
        config=ctx.config,
        directory=ctx.directory,
        registered=registered,
        senders_configured=ctx.senders is not None,
        today=today,
    )
    findings = [finding for rule in ctx.rules for finding in rule.check(rule_ctx)]
    findings.sort(key=lambda f: _SEVERITY_ORDER[f.severity])
    return CheckResult(file, message, extracted, document, dest, findings)
