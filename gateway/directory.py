"""The fax directory (bottin) and the registered senders, loaded once from their CSV files."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from gateway.errors import ConfigError
from gateway.extract.phones import to_e164
from gateway.models import DirectoryEntry, RegisteredSender

DIRECTORY_KINDS = frozenset({"pharmacy", "imaging", "lab", "clinic", "establishment"})


def _rows(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise ConfigError(f"{path}: missing column(s) {', '.join(missing)}")
            return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path}: cannot read: {exc.__class__.__name__}") from None


@dataclass(frozen=True, slots=True)
class FaxDirectory:
    entries: dict[str, DirectoryEntry] = field(default_factory=dict)
    configured: bool = False

    @classmethod
    def load(cls, path: Path | None) -> FaxDirectory:
        if path is None:
            return cls()
        entries: dict[str, DirectoryEntry] = {}
        for line, row in enumerate(_rows(path, ("fax", "name", "kind")), start=2):
            fax = to_e164(row["fax"])
            kind = row["kind"].lower()
            if fax is None or kind not in DIRECTORY_KINDS:
                raise ConfigError(f"{path}: line {line}: invalid fax number or kind")
            entries[fax] = DirectoryEntry(fax, row["name"], kind, to_e164(row.get("phone", "")))
        return cls(entries, configured=True)

    def lookup(self, fax: str | None) -> DirectoryEntry | None:
        return self.entries.get(fax) if fax else None


@dataclass(frozen=True, slots=True)
class SenderRegistry:
    senders: dict[str, RegisteredSender] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None) -> SenderRegistry | None:
        if path is None:
            return None
        senders = {}
        for row in _rows(path, ("email", "last_name", "first_name", "profession", "licence")):
            email = row["email"].lower()
            senders[email] = RegisteredSender(
                email, row["last_name"], row["first_name"], row["profession"], row["licence"]
            )
        return cls(senders)

    def lookup(self, email: str | None) -> RegisteredSender | None:
        return self.senders.get(email.lower()) if email else None
