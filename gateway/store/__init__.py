"""Durable job store: SQLite (embedded default) or PostgreSQL (several instances sharing one queue).

    store = open_store(config.storage, config.retry)
    received = store.receive(message_id, raw, sender=mail_from, recipients=rcpt_to)   # durable on return

See docs/storage.md for the life cycle, the guarantees and what they rest on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.config import RetrySection, StorageSection
from gateway.errors import StoreError
from gateway.store.base import (
    ContentPurged,
    Job,
    JobNotFound,
    JobStore,
    JobUpdate,
    LeaseLost,
    NewDocument,
    OverdueJob,
    Received,
    StatusSummary,
    StoredDocument,
)
from gateway.store.jobs import SqlJobStore
from gateway.store.sqlite import SqliteEngine
from gateway.store.states import CLAIMABLE, OPEN, TRANSITIONS, IllegalTransition, JobState, Outcome

__all__ = [
    "CLAIMABLE",
    "OPEN",
    "TRANSITIONS",
    "ContentPurged",
    "IllegalTransition",
    "Job",
    "JobNotFound",
    "JobState",
    "JobStore",
    "JobUpdate",
    "LeaseLost",
    "NewDocument",
    "Outcome",
    "OverdueJob",
    "Received",
    "SqlJobStore",
    "StatusSummary",
    "StoreError",
    "StoredDocument",
    "open_store",
]


def _audit_key(storage: StorageSection) -> bytes | None:
    path = storage.audit_key_file
    if path is None:
        return None
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise StoreError(f"storage.audit_key_file {path}: cannot read ({exc.__class__.__name__})") from None
    if len(key) < 16:
        raise StoreError(f"storage.audit_key_file {path}: key shorter than 16 bytes")
    return key


def open_store(storage: StorageSection, retry: RetrySection | None = None, *, create: bool = True) -> SqlJobStore:
    """Open (and migrate) the configured store. `create=False` refuses to create a missing SQLite file."""
    key = _audit_key(storage)
    if storage.engine == "postgresql":
        from gateway.store.postgres import PostgresEngine

        return SqlJobStore(
            PostgresEngine(storage.dsn, connections=storage.connections),
            retry,
            lease_seconds=storage.lease_seconds,
            audit_key=key,
        )
    engine = SqliteEngine(storage.path, create=create)
    return SqlJobStore(engine, retry, lease_seconds=storage.lease_seconds, audit_key=key)


if TYPE_CHECKING:  # mypy proves the shared implementation satisfies the protocol both engines promise
    _IMPLEMENTS: type[JobStore] = SqlJobStore
