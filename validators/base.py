"""What every rule shares: the context it reads, and a base class that turns a violation into a Finding.

A rule is a class with a stable `code`, a `severity`, a one-line `description` (what the guide asks), the
French message a prescriber reads — with the fix — and its English twin. Simple rules implement `violated`;
rules that report several things, or need to word the message, override `check`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from gateway.config import Config
from gateway.directory import FaxDirectory
from gateway.models import (
    Attachment,
    Destination,
    DocumentKind,
    Extracted,
    FileKind,
    Finding,
    ParsedMessage,
    RegisteredSender,
    Route,
    Severity,
)


@dataclass(frozen=True, slots=True)
class RuleContext:
    message: ParsedMessage
    extracted: Extracted
    document: DocumentKind
    destination: Destination
    config: Config
    directory: FaxDirectory
    registered: RegisteredSender | None
    senders_configured: bool
    today: dt.date

    @property
    def route(self) -> Route | None:
        return self.destination.route

    @property
    def is_fax(self) -> bool:
        return self.destination.route is Route.FAX

    @property
    def to_personal_mailbox(self) -> bool:
        return self.destination.route is Route.EMAIL_ENCRYPTED

    def pdfs(self) -> list[Attachment]:
        return [a for a in self.message.attachments if a.kind is FileKind.PDF]


class Rule:
    code: ClassVar[str]
    severity: ClassVar[Severity]
    description: ClassVar[str]
    message_fr: ClassVar[str]
    message_en: ClassVar[str]
    field: ClassVar[str | None] = None

    def violated(self, ctx: RuleContext) -> bool:
        raise NotImplementedError

    def check(self, ctx: RuleContext) -> list[Finding]:
        return [self.finding()] if self.violated(ctx) else []

    def finding(self, **values: str) -> Finding:
        """The rule's finding; `values` fill the messages' {placeholders} (never with clinical data)."""
        fr = self.message_fr.format(**values) if values else self.message_fr
        en = self.message_en.format(**values) if values else self.message_en
        return Finding(self.code, self.severity, fr, en, self.field)


class MissingValueRule(Rule):
    """A rule violated when one extracted value is absent (on the routes where the guide requires it)."""

    fax_only: ClassVar[bool] = False

    def value(self, ctx: RuleContext) -> object:
        raise NotImplementedError

    def violated(self, ctx: RuleContext) -> bool:
        if self.fax_only and not ctx.is_fax:
            return False
        return self.value(ctx) in (None, "")
