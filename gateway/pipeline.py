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
from gateway.models import CheckResult, Severity
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


def check_bytes(raw: bytes, ctx: CheckContext, *, file: str = "", today: dt.date | None = None) -> CheckResult:
    """Judge one raw message. Never raises on message content: every problem is a finding."""
    today = today or dt.date.today()
    gateway = ctx.config.gateway
    message = parse_message(raw, ctx.config.limits, gateway.trusted_authserv_ids)
    registered = ctx.senders.lookup(message.from_address) if ctx.senders else None
    extracted = extract(message.body_text, registered=registered, from_display=message.from_display, today=today)
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
