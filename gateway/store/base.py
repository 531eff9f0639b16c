"""The store's public vocabulary: the values it returns and the `JobStore` protocol both engines implement.

The API is synchronous (SQLite and psycopg's sync connection); the service calls it from asyncio through
`asyncio.to_thread`. Every method that changes a job takes `now` (aware datetime, default: the clock) so the
retry and purge logic can be tested without sleeping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from gateway.audit import AuditReport
from gateway.errors import StoreError
from gateway.store.states import JobState, Outcome


class JobNotFound(StoreError):
    """No job has this id."""


class LeaseLost(StoreError):
    """The worker no longer holds the job's lease (it expired and went elsewhere, or was reconciled)."""


class ContentPurged(StoreError):
    """The clinical content of the job was already destroyed."""


@dataclass(frozen=True, slots=True)
class Received:
    job_id: str
    created: bool  # False: the same Message-ID was received before; nothing new was stored


@dataclass(frozen=True, slots=True)
class NewDocument:
    """A rendered document to keep until the purge. `role` is a short label such as "fax" or "archives"."""

    role: str
    data: bytes
    pages: int


@dataclass(frozen=True, slots=True)
class StoredDocument:
    idx: int
    role: str
    sha256: str
    pages: int
    size: int
    data: bytes | None  # None once purged


@dataclass(frozen=True, slots=True)
class JobUpdate:
    """Facts learned while processing, written with a transition. None leaves a column unchanged.

    `destination` and `fields` are clinical or personal (a fax number, a patient's address, extracted fields)
    and are destroyed by the purge; the other values are metadata kept afterwards.
    """

    route: str | None = None
    destination_kind: str | None = None
    document: str | None = None
    page_count: int | None = None
    rule_codes: Sequence[str] | None = None
    remote_id: str | None = None
    destination: str | None = None
    fields: Mapping[str, object] | None = None
    documents: Sequence[NewDocument] = ()


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    state: JobState
    outcome: Outcome | None
    received_at: dt.datetime
    updated_at: dt.datetime
    next_attempt_at: dt.datetime
    notice_deadline: dt.datetime | None
    finished_at: dt.datetime | None
    notified_at: dt.datetime | None
    purged_at: dt.datetime | None
    tries: int
    last_cause: str | None
    lease_owner: str | None
    lease_until: dt.datetime | None
    route: str | None
    destination_kind: str | None
    document: str | None
    page_count: int | None
    rule_codes: tuple[str, ...]
    message_sha256: str
    message_size: int
    remote_id: str | None
    sender: str | None
    recipients: tuple[str, ...]
    destination: str | None

    @property
    def job_ref(self) -> str:
        """The reference put on outgoing messages so provider notices can be matched."""
        return self.id


@dataclass(frozen=True, slots=True)
class OverdueJob:
    job_id: str
    state: JobState
    received_at: dt.datetime
    age_seconds: float


@dataclass(frozen=True, slots=True)
class StatusSummary:
    counts: dict[str, int]
    open_jobs: int
    oldest_open: OverdueJob | None
    overdue: list[OverdueJob]
    in_doubt: int
    unconfirmed_past_deadline: int  # relayed, but the provider's notice is later than confirmation_deadline
    failures_total: int
    failures_last_24h: int
    failure_causes: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        def one(o: OverdueJob) -> dict[str, object]:
            return {
                "job_id": o.job_id,
                "state": o.state.value,
                "received_at": o.received_at.isoformat(),
                "age_seconds": round(o.age_seconds, 1),
            }

        return {
            "counts": self.counts,
            "open_jobs": self.open_jobs,
            "oldest_open": one(self.oldest_open) if self.oldest_open else None,
            "overdue": [one(o) for o in self.overdue],
            "in_doubt": self.in_doubt,
            "unconfirmed_past_deadline": self.unconfirmed_past_deadline,
            "failures_total": self.failures_total,
            "failures_last_24h": self.failures_last_24h,
            "failure_causes": self.failure_causes,
        }


class Tx(Protocol):
    """One open transaction; SQL uses `?` placeholders on both engines."""

    def execute(self, sql: str, params: Sequence[object] = ()) -> None: ...

    def one(self, sql: str, params: Sequence[object] = ()) -> tuple[object, ...] | None: ...

    def all(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]: ...


class Engine(Protocol):
    """What differs between SQLite and PostgreSQL; the job logic in `gateway.store.jobs` is shared."""

    name: str
    row_lock: str  # appended to a SELECT that reads a row about to be changed
    skip_locked: str  # appended to the SELECT of claim_next
    claim_index: str  # after the table name in claim_next's SELECT: an index hint, or nothing

    def transaction(self, *, readonly: bool = False, durable: bool = False) -> AbstractContextManager[Tx]:
        """A transaction; a `durable` one returns only once its commit would survive a power cut (the others
        may be lost by one, never by a crash of the process)."""
        ...

    def sync(self) -> None:
        """Make every commit so far durable."""
        ...

    def after_purge(self) -> None: ...

    def close(self) -> None: ...


class JobStore(Protocol):
    """The durable job store, identical on both engines."""

    def receive(
        self,
        message_id: str | None,
        raw: bytes,
        *,
        sender: str | None,
        recipients: Sequence[str] = (),
        now: dt.datetime | None = None,
    ) -> Received: ...

    def get(self, job_id: str) -> Job: ...

    def raw_message(self, job_id: str) -> bytes: ...

    def fields(self, job_id: str) -> dict[str, object] | None: ...

    def documents(self, job_id: str) -> list[StoredDocument]: ...

    def claim_next(
        self, worker_id: str, now: dt.datetime | None = None, lease_seconds: float | None = None
    ) -> Job | None: ...

    def renew_lease(
        self, job_id: str, worker_id: str, now: dt.datetime | None = None, lease_seconds: float | None = None
    ) -> None: ...

    def release(
        self, job_id: str, worker_id: str, *, delay_seconds: float = 0, now: dt.datetime | None = None
    ) -> None: ...

    def transition(
        self,
        job_id: str,
        to: JobState,
        *,
        worker_id: str | None,
        update: JobUpdate | None = None,
        now: dt.datetime | None = None,
    ) -> Job: ...

    def record_check(
        self,
        job_id: str,
        *,
        worker_id: str,
        accepted: bool,
        update: JobUpdate | None = None,
        queued: JobUpdate | None = None,
        now: dt.datetime | None = None,
    ) -> Job: ...

    def record_failure(
        self,
        job_id: str,
        *,
        worker_id: str | None,
        cause: str,
        retryable: bool,
        retry_after: float | None = None,
        now: dt.datetime | None = None,
    ) -> Job: ...

    def match_notice(
        self,
        job_ref: str | None,
        *,
        success: bool,
        cause: str | None = None,
        retryable: bool = False,
        remote_id: str | None = None,
        number: str | None = None,
        now: dt.datetime | None = None,
    ) -> Job | None:
        """Record a provider notice and apply it to its job; None when no job matches (unknown reference, or
        `number`, the fax number the notice names, differs from the job's destination)."""
        ...

    def reconcile(self, now: dt.datetime | None = None, *, include_live_leases: bool = False) -> list[str]: ...

    def overdue(self, older_than_seconds: float, now: dt.datetime | None = None) -> list[OverdueJob]: ...

    def status(self, now: dt.datetime | None = None, *, overdue_after_seconds: float = 1800) -> StatusSummary: ...

    def purge(self, job_id: str, now: dt.datetime | None = None) -> Job: ...

    def purge_rejected_older_than(self, delay_seconds: float, now: dt.datetime | None = None) -> list[str]: ...

    def purge_due(self, rejected_delay_seconds: float, now: dt.datetime | None = None) -> list[str]: ...

    def verify_audit(self, expect_head: tuple[int, str] | None = None) -> AuditReport: ...

    def jobs_in(self, states: Sequence[JobState]) -> list[Job]: ...

    def exchange_intent(self, job_id: str, key: str) -> str | None:
        """The Exchange draft id noted for the job's send `key`, if its send is not recorded yet."""
        ...

    def record_exchange_intent(self, job_id: str, key: str, draft_id: str) -> None:
        """Note (durably) the draft about to be sent; the change that records the send forgets it."""
        ...

    def sync(self) -> None:
        """Make every commit so far durable (the lazy ones too; the service does it every sweep)."""
        ...

    def close(self) -> None: ...
