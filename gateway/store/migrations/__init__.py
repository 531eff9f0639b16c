"""Versioned schema migrations, one Python module per version holding the SQL for each engine.

Python modules rather than .sql files so they ship inside the package with no packaging rule. A migration
runs in one transaction together with the row recording it in `schema_migrations`; on PostgreSQL an advisory
lock makes concurrent start-ups of several gateway instances apply it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Literal

from gateway.store.migrations import m0001_initial, m0002_messages_claim_index, m0003_exchange_intents

Engine = Literal["sqlite", "postgresql"]


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sqlite: str
    postgresql: str

    def sql(self, engine: Engine) -> str:
        return self.sqlite if engine == "sqlite" else self.postgresql


def _load(version: int, module: ModuleType) -> Migration:
    return Migration(version, str(module.NAME), str(module.SQLITE), str(module.POSTGRESQL))


MIGRATIONS: tuple[Migration, ...] = (
    _load(1, m0001_initial),
    _load(2, m0002_messages_claim_index),
    _load(3, m0003_exchange_intents),
)

LATEST = MIGRATIONS[-1].version

CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)


def pending(applied: set[int]) -> list[Migration]:
    return [m for m in MIGRATIONS if m.version not in applied]
