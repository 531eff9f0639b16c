"""The job logic shared by both engines: receive, claim, transitions, retries, notices, reconciliation, purge.

Each public method is one transaction: the job row is locked (FOR UPDATE on PostgreSQL, the write lock on
SQLite), the transition is checked against `states.TRANSITIONS`, the row is changed and the audit record is
appended, and all of it commits or none of it does. Sweeps (reconcile, purge_due) take one transaction per job
so they never hold many row locks while waiting for the audit anchor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Mapping, Sequence

from gateway import audit
from gateway.audit import AuditRecord, AuditReport, DetailValue
from gateway.config import RetrySection
from gateway.errors import StoreError
from gateway.store.base import (
    ContentPurged,
    Engine,
    Job,
    JobNotFound,
    JobUpdate,
    LeaseLost,
    NewDocument,
    OverdueJob,
    Received,
    StatusSummary,
    StoredDocument,
    Tx,
)
from gateway.store.states import CLAIMABLE, OPEN, OUTCOME_OF, JobState, Outcome, check_transition

S = JobState
MAX_BACKOFF_SECONDS = 3600.0
_ROLE = re.compile(r"^[a-z0-9_-]{1,32}$")
_JOB_COLUMNS = (
    "id", "state", "outcome", "received_at", "updated_at", "next_attempt_at", "notice_deadline",
    "finished_at", "notified_at", "purged_at", "tries", "last_cause", "lease_owner", "lease_until", "route",
    "destination_kind", "document", "page_count", "rule_codes", "message_sha256", "message_size",
    "remote_id", "sender", "recipients", "destination",
)  # fmt: skip
_SELECT_JOB = f"SELECT {', '.join(_JOB_COLUMNS)} FROM jobs"
_RETURNING_JOB = f"RETURNING {', '.join(_JOB_COLUMNS)}"
# A worker that moves a job into one of these keeps it and goes on; a retry waits for anyone, later.
_KEEPS_LEASE = (CLAIMABLE - {S.RETRY_WAIT}) | {S.SENDING}
# Changes that record a send (or end the job): the Exchange intents kept until then go in the same commit.
_SEND_RECORDED = frozenset({S.SENT_UNCONFIRMED, S.ARCHIVED, S.PURGED})
_PURGED_COLUMNS = ("sender", "recipients", "destination", "fields")  # and the `messages` row


def _in(states: Sequence[JobState] | frozenset[JobState]) -> str:
    return "(" + ", ".join(f"'{s.value}'" for s in sorted(states)) + ")"


def _opt_str(v: object) -> str | None:
    return None if v is None else str(v)


def _opt_int(v: object) -> int | None:
    return None if v is None else int(str(v))


def _time(v: object) -> dt.datetime:
    return dt.datetime.fromtimestamp(float(str(v)), dt.UTC)


def _bytes(v: object) -> bytes:
    if isinstance(v, bytes | bytearray | memoryview):
        return bytes(v)
    raise StoreError(f"expected bytes from the database, got {type(v).__name__}")


def _opt_time(v: object) -> dt.datetime | None:
    return None if v is None else _time(v)


def _job(row: tuple[object, ...]) -> Job:
    r = dict(zip(_JOB_COLUMNS, row, strict=True))
    return Job(
        id=str(r["id"]),
        state=JobState(str(r["state"])),
        outcome=None if r["outcome"] is None else Outcome(str(r["outcome"])),
        received_at=_time(r["received_at"]),
        updated_at=_time(r["updated_at"]),
        next_attempt_at=_time(r["next_attempt_at"]),
        notice_deadline=_opt_time(r["notice_deadline"]),
        finished_at=_opt_time(r["finished_at"]),
        notified_at=_opt_time(r["notified_at"]),
        purged_at=_opt_time(r["purged_at"]),
        tries=int(str(r["tries"])),
        last_cause=_opt_str(r["last_cause"]),
        lease_owner=_opt_str(r["lease_owner"]),
        lease_until=_opt_time(r["lease_until"]),
        route=_opt_str(r["route"]),
        destination_kind=_opt_str(r["destination_kind"]),
        document=_opt_str(r["document"]),
        page_count=_opt_int(r["page_count"]),
        rule_codes=tuple(json.loads(str(r["rule_codes"]))),
        message_sha256=str(r["message_sha256"]),
        message_size=int(str(r["message_size"])),
        remote_id=_opt_str(r["remote_id"]),
        sender=_opt_str(r["sender"]),
        recipients=tuple(json.loads(str(r["recipients"]))) if r["recipients"] is not None else (),
        destination=_opt_str(r["destination"]),
    )


def message_key(message_id: str | None, raw: bytes) -> str:
    """The idempotency key: SHA-256 of the Message-ID, or of the bytes when a message has none."""
    if message_id and message_id.strip():
        return "mid:" + hashlib.sha256(message_id.strip().encode("utf-8", "surrogateescape")).hexdigest()
    return "raw:" + hashlib.sha256(raw).hexdigest()


def new_job_id(now: dt.datetime) -> str:
    """Sortable by day, unguessable, and valid as a relay job reference."""
    return f"{now.astimezone(dt.UTC):%Y%m%d}-{secrets.token_hex(6)}"


def _now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise StoreError("store times must be timezone-aware")
    return now


class SqlJobStore:
    """`JobStore` over an `Engine`; see gateway.store.base for the method contracts."""

    def __init__(
        self,
        engine: Engine,
        retry: RetrySection | None = None,
        *,
        lease_seconds: float = 300.0,
        audit_key: bytes | None = None,
    ) -> None:
        self.engine = engine
        self.retry = retry or RetrySection()
        self.lease_seconds = lease_seconds
        self._audit_key = audit_key

    # --- helpers ------------------------------------------------------------------------------------------

    def _audit(
        self, tx: Tx, job_id: str | None, event: str, details: Mapping[str, DetailValue], now: dt.datetime
    ) -> None:
        audit.append(
            tx,
            job_id=job_id,
            event=event,
            details=details,
            at=now,
            key=self._audit_key,
            lock_suffix=self.engine.row_lock,
        )

    def _load(self, tx: Tx, job_id: str, *, lock: bool = True) -> Job:
        row = tx.one(f"{_SELECT_JOB} WHERE id = ?{self.engine.row_lock if lock else ''}", (job_id,))
        if row is None:
            raise JobNotFound(f"no job {job_id}")
        return _job(row)

    @staticmethod
    def _owned(job: Job, worker_id: str | None) -> None:
        if worker_id is not None and job.lease_owner != worker_id:
            raise LeaseLost(f"job {job.id}: worker {worker_id} does not hold the lease")

    @staticmethod
    def _set(tx: Tx, job_id: str, cols: Mapping[str, object]) -> None:
        if cols:
            assignments = ", ".join(f"{name} = ?" for name in cols)
            tx.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*cols.values(), job_id))

    @staticmethod
    def _set_and_load(tx: Tx, job_id: str, cols: Mapping[str, object]) -> Job:
        """Update the row and read it back in one statement."""
        assignments = ", ".join(f"{name} = ?" for name in cols)
        row = tx.one(f"UPDATE jobs SET {assignments} WHERE id = ? {_RETURNING_JOB}", (*cols.values(), job_id))
        if row is None:
            raise JobNotFound(f"no job {job_id}")
        return _job(row)

    def _change(
        self,
        tx: Tx,
        job: Job,
        to: JobState,
        now: dt.datetime,
        *,
        worker_id: str | None,
        cols: Mapping[str, object] | None = None,
        details: Mapping[str, DetailValue] | None = None,
    ) -> Job:
        """The one place a state changes: legality, row update and audit record, in the caller's tx."""
        check_transition(job.id, job.state, to)
        ts = now.timestamp()
        values: dict[str, object] = {"state": to.value, "updated_at": ts, **(cols or {})}
        if to in OUTCOME_OF:
            values.update(outcome=OUTCOME_OF[to].value, finished_at=ts)
        if to is S.SENDING:
            values["tries"] = job.tries + 1
        if to in (S.SENT_UNCONFIRMED, S.AWAITING_NOTICE):
            values["notice_deadline"] = ts + self.retry.confirmation_deadline_seconds
        if to is S.NOTIFIED:
            values["notified_at"] = ts
        if to is S.PURGED:
            values.update(dict.fromkeys(_PURGED_COLUMNS), purged_at=ts)
            tx.execute("UPDATE documents SET data = NULL WHERE job_id = ?", (job.id,))
            tx.execute("DELETE FROM messages WHERE job_id = ?", (job.id,))
        if to in _SEND_RECORDED:
            tx.execute("DELETE FROM exchange_intents WHERE job_id = ?", (job.id,))
        if worker_id is None or to not in _KEEPS_LEASE:
            values.update(lease_owner=None, lease_until=None)
        changed = self._set_and_load(tx, job.id, values)
        record: dict[str, DetailValue] = {"from": job.state.value, "to": to.value, "worker": worker_id}
        if to is S.SENDING:
            record["tries"] = job.tries + 1
        record.update(details or {})
        self._audit(tx, job.id, "transition", record, now)
        return changed

    def _update_columns(
        self, tx: Tx, job_id: str, update: JobUpdate | None
    ) -> tuple[dict[str, object], dict[str, DetailValue]]:
        """Columns and audit details for a `JobUpdate`; stores its documents. Clinical values stay out of
        the audit details."""
        if update is None:
            return {}, {}
        cols: dict[str, object] = {}
        details: dict[str, DetailValue] = {}
        for name in ("route", "destination_kind", "document", "page_count", "remote_id"):
            value = getattr(update, name)
            if value is not None:
                cols[name] = value
                details[name] = value
        if update.rule_codes is not None:
            cols["rule_codes"] = json.dumps(list(update.rule_codes))
            details["rule_codes"] = list(update.rule_codes)
        if update.destination is not None:
            cols["destination"] = update.destination
        if update.fields is not None:
            cols["fields"] = json.dumps(update.fields, default=str, ensure_ascii=False)
        if update.documents:
            details["document_sha256"] = self._add_documents(tx, job_id, update.documents)
        return cols, details

    @staticmethod
    def _add_documents(tx: Tx, job_id: str, documents: Sequence[NewDocument]) -> list[str]:
        row = tx.one("SELECT COALESCE(MAX(idx), 0) FROM documents WHERE job_id = ?", (job_id,))
        idx = int(str(row[0])) if row else 0
        digests = []
        for doc in documents:
            if not _ROLE.match(doc.role):
                raise StoreError("document role must be a short lower-case label such as 'fax'")
            idx += 1
            digest = hashlib.sha256(doc.data).hexdigest()
            tx.execute(
                "INSERT INTO documents (job_id, idx, role, sha256, pages, size, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (job_id, idx, doc.role, digest, doc.pages, len(doc.data), doc.data),
            )
            digests.append(digest)
        return digests

    def _backoff(self, cause: str, tries: int) -> float:
        r = self.retry
        base = {
            "busy": r.backoff_busy_seconds,
            "no_answer": r.backoff_no_answer_seconds,
            "throttled": r.backoff_throttled_seconds,
        }.get(cause, r.backoff_unreachable_seconds)
        return float(min(base * 2 ** max(0, tries - 1), max(base, MAX_BACKOFF_SECONDS)))

    def _retry_or_fail(
        self,
        tx: Tx,
        job: Job,
        now: dt.datetime,
        *,
        cause: str,
        retryable: bool,
        retry_after: float | None,
        worker_id: str | None,
    ) -> Job:
        """Retry later when the cause allows it and the tries and the kill time are not spent; else fail."""
        kill_at = job.received_at.timestamp() + self.retry.kill_time_seconds
        details: dict[str, DetailValue] = {"cause": cause, "retryable": retryable}
        if not retryable:
            reason = "not_retryable"
        elif job.tries >= self.retry.max_tries:
            reason = "max_tries"
        else:
            delay = retry_after if retry_after is not None else self._backoff(cause, job.tries)
            next_at = now.timestamp() + max(0.0, delay)
            if next_at <= kill_at:
                details["next_attempt_at"] = audit.iso(_time(next_at))
                cols = {"last_cause": cause, "next_attempt_at": next_at}
                return self._change(tx, job, S.RETRY_WAIT, now, worker_id=worker_id, cols=cols, details=details)
            reason = "kill_time"
        details["reason"] = reason
        return self._change(tx, job, S.FAILED, now, worker_id=worker_id, cols={"last_cause": cause}, details=details)

    def _apply_notice(
        self,
        tx: Tx,
        job: Job,
        now: dt.datetime,
        *,
        success: bool,
        cause: str | None,
        retryable: bool,
        remote_id: str | None,
    ) -> Job:
        if success:
            cols: dict[str, object] = {"remote_id": remote_id} if remote_id else {}
            return self._change(
                tx,
                job,
                S.DELIVERED,
                now,
                worker_id=None,
                cols=cols,
                details={"notice": "delivered", "remote_id": remote_id},
            )
        if job.state is S.RETRY_WAIT:
            return job  # already going to try again
        return self._retry_or_fail(
            tx, job, now, cause=cause or "other", retryable=retryable, retry_after=None, worker_id=None
        )

    def _apply_pending_notices(self, tx: Tx, job: Job, now: dt.datetime) -> Job:
        """Notices that arrived while the job was still `sending` apply once its relay outcome is known."""
        rows = tx.all(
            "SELECT id, success, cause, retryable, remote_id FROM notices WHERE job_id = ? AND applied = 0 ORDER BY id",
            (job.id,),
        )
        for notice_id, success, cause, retryable, remote_id in rows:
            tx.execute("UPDATE notices SET applied = 1 WHERE id = ?", (notice_id,))
            if job.state in (S.SENT_UNCONFIRMED, S.AWAITING_NOTICE):
                job = self._apply_notice(
                    tx,
                    job,
                    now,
                    success=bool(success),
                    cause=_opt_str(cause),
                    retryable=bool(retryable),
                    remote_id=_opt_str(remote_id),
                )
        return job

    # --- receiving ----------------------------------------------------------------------------------------

    def receive(
        self,
        message_id: str | None,
        raw: bytes,
        *,
        sender: str | None,
        recipients: Sequence[str] = (),
        now: dt.datetime | None = None,
    ) -> Received:
        now = _now(now)
        ts = now.timestamp()
        key = message_key(message_id, raw)
        digest = hashlib.sha256(raw).hexdigest()
        job_id = new_job_id(now)
        with self.engine.transaction(durable=True) as tx:  # the 250 depends on it
            row = tx.one(
                "INSERT INTO jobs (id, message_key, state, received_at, updated_at, next_attempt_at, "
                "message_sha256, message_size, sender, recipients) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (message_key) DO NOTHING RETURNING id",
                (job_id, key, S.RECEIVED.value, ts, ts, ts, digest, len(raw), sender, json.dumps(list(recipients))),
            )
            if row is None:
                existing = tx.one("SELECT id FROM jobs WHERE message_key = ?", (key,))
                if existing is None:
                    raise StoreError("receive: duplicate key without a job")
                job_id = str(existing[0])
                self._audit(tx, job_id, "duplicate", {"message_sha256": digest}, now)
                return Received(job_id, False)
            tx.execute("INSERT INTO messages (job_id, raw) VALUES (?, ?)", (job_id, raw))
            details: dict[str, DetailValue] = {
                "to": S.RECEIVED.value,
                "message_sha256": digest,
                "message_size": len(raw),
            }
            self._audit(tx, job_id, "received", details, now)
        return Received(job_id, True)

    # --- reading ------------------------------------------------------------------------------------------

    def get(self, job_id: str) -> Job:
        with self.engine.transaction(readonly=True) as tx:
            return self._load(tx, job_id, lock=False)

    def raw_message(self, job_id: str) -> bytes:
        with self.engine.transaction(readonly=True) as tx:
            row = tx.one("SELECT raw FROM messages WHERE job_id = ?", (job_id,))
            if row is None:
                self._load(tx, job_id, lock=False)  # JobNotFound when there is no such job at all
                raise ContentPurged(f"job {job_id}: message already destroyed")
        return _bytes(row[0])

    def fields(self, job_id: str) -> dict[str, object] | None:
        with self.engine.transaction(readonly=True) as tx:
            row = tx.one("SELECT fields FROM jobs WHERE id = ?", (job_id,))
        if row is None:
            raise JobNotFound(f"no job {job_id}")
        return None if row[0] is None else dict(json.loads(str(row[0])))

    def documents(self, job_id: str) -> list[StoredDocument]:
        with self.engine.transaction(readonly=True) as tx:
            rows = tx.all(
                "SELECT idx, role, sha256, pages, size, data FROM documents WHERE job_id = ? ORDER BY idx",
                (job_id,),
            )
        return [
            StoredDocument(
                int(str(i)),
                str(role),
                str(sha),
                int(str(pages)),
                int(str(size)),
                None if data is None else _bytes(data),
            )
            for i, role, sha, pages, size, data in rows
        ]

    def exchange_intent(self, job_id: str, key: str) -> str | None:
        with self.engine.transaction(readonly=True) as tx:
            row = tx.one("SELECT draft_id FROM exchange_intents WHERE job_id = ? AND key = ?", (job_id, key))
        return None if row is None else str(row[0])

    def record_exchange_intent(self, job_id: str, key: str, draft_id: str) -> None:
        with self.engine.transaction(durable=True) as tx:  # on disk before the draft is sent
            tx.execute(
                "INSERT INTO exchange_intents (job_id, key, draft_id) VALUES (?, ?, ?) "
                "ON CONFLICT (job_id, key) DO UPDATE SET draft_id = excluded.draft_id",
                (job_id, key, draft_id),
            )

    def jobs_in(self, states: Sequence[JobState]) -> list[Job]:
        if not states:
            return []
        with self.engine.transaction(readonly=True) as tx:
            rows = tx.all(f"{_SELECT_JOB} WHERE state IN {_in(states)} ORDER BY received_at")
        return [_job(r) for r in rows]

    # --- working ------------------------------------------------------------------------------------------

    def claim_next(
        self, worker_id: str, now: dt.datetime | None = None, lease_seconds: float | None = None
    ) -> Job | None:
        now = _now(now)
        ts = now.timestamp()
        until = ts + (lease_seconds if lease_seconds is not None else self.lease_seconds)
        with self.engine.transaction() as tx:
            row = tx.one(
                f"SELECT id FROM jobs{self.engine.claim_index} WHERE state IN {_in(CLAIMABLE)} "
                "AND (lease_until IS NULL OR lease_until < ?) AND next_attempt_at <= ? "
                f"ORDER BY next_attempt_at, received_at LIMIT 1{self.engine.skip_locked}",
                (ts, ts),
            )
            if row is None:
                return None
            return self._set_and_load(tx, str(row[0]), {"lease_owner": worker_id, "lease_until": until})

    def renew_lease(
        self, job_id: str, worker_id: str, now: dt.datetime | None = None, lease_seconds: float | None = None
    ) -> None:
        now = _now(now)
        until = now.timestamp() + (lease_seconds if lease_seconds is not None else self.lease_seconds)
        with self.engine.transaction() as tx:
            self._owned(self._load(tx, job_id), worker_id)
            self._set(tx, job_id, {"lease_until": until})

    def release(self, job_id: str, worker_id: str, *, delay_seconds: float = 0, now: dt.datetime | None = None) -> None:
        now = _now(now)
        with self.engine.transaction() as tx:
            self._owned(self._load(tx, job_id), worker_id)
            self._set(
                tx,
                job_id,
                {
                    "lease_owner": None,
                    "lease_until": None,
                    "next_attempt_at": now.timestamp() + max(0.0, delay_seconds),
                },
            )

    def transition(
        self,
        job_id: str,
        to: JobState,
        *,
        worker_id: str | None,
        update: JobUpdate | None = None,
        now: dt.datetime | None = None,
    ) -> Job:
        now = _now(now)
        if to is S.RETRY_WAIT:
            raise StoreError("a retry is scheduled by record_failure, which applies the retry policy")
        with self.engine.transaction(durable=to is S.SENDING) as tx:  # lost, it could send a second time
            job = self._load(tx, job_id)
            self._owned(job, worker_id)
            check_transition(job.id, job.state, to)
            cols, details = self._update_columns(tx, job_id, update)
            job = self._change(tx, job, to, now, worker_id=worker_id, cols=cols, details=details)
            if to in (S.SENT_UNCONFIRMED, S.AWAITING_NOTICE):
                job = self._apply_pending_notices(tx, job, now)
        if to is S.PURGED:
            self.engine.after_purge()
        return job

    def record_check(
        self,
        job_id: str,
        *,
        worker_id: str,
        accepted: bool,
        update: JobUpdate | None = None,
        queued: JobUpdate | None = None,
        now: dt.datetime | None = None,
    ) -> Job:
        """The check's verdict. `queued` (an accepted message whose documents are already rendered) carries it
        on through rendering to queued in the same transaction: one commit instead of three, each state
        change still its own audit record."""
        now = _now(now)
        verdict = S.ACCEPTED if accepted else S.REJECTED
        with self.engine.transaction() as tx:
            job = self._load(tx, job_id)
            self._owned(job, worker_id)
            check_transition(job.id, S.CHECKED, verdict)
            if job.state is S.RECEIVED:
                job = self._change(tx, job, S.CHECKED, now, worker_id=worker_id)
            cols, details = self._update_columns(tx, job_id, update)
            job = self._change(tx, job, verdict, now, worker_id=worker_id, cols=cols, details=details)
            if accepted and queued is not None:
                job = self._change(tx, job, S.RENDERING, now, worker_id=worker_id)
                cols, details = self._update_columns(tx, job_id, queued)
                job = self._change(tx, job, S.QUEUED, now, worker_id=worker_id, cols=cols, details=details)
            return job

    def record_failure(
        self,
        job_id: str,
        *,
        worker_id: str | None,
        cause: str,
        retryable: bool,
        retry_after: float | None = None,
        now: dt.datetime | None = None,
    ) -> Job:
        now = _now(now)
        with self.engine.transaction() as tx:
            job = self._load(tx, job_id)
            self._owned(job, worker_id)
            return self._retry_or_fail(
                tx, job, now, cause=cause, retryable=retryable, retry_after=retry_after, worker_id=worker_id
            )

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
        now = _now(now)
        with self.engine.transaction(durable=True) as tx:  # acknowledged to the provider, which won't resend it
            row = None
            if job_ref:
                row = tx.one(f"{_SELECT_JOB} WHERE id = ?{self.engine.row_lock}", (job_ref,))
            job = None if row is None else _job(row)
            if job is not None and number is not None and job.destination not in (None, number):
                job = None  # a reference with someone else's number: not this job's notice
            applied = job is not None and job.state is not S.SENDING
            tx.execute(
                "INSERT INTO notices "
                "(job_ref, job_id, received_at, success, cause, retryable, remote_id, applied) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job_ref,
                    None if job is None else job.id,
                    now.timestamp(),
                    int(success),
                    cause,
                    int(retryable),
                    remote_id,
                    int(applied),
                ),
            )
            if job is None:
                self._audit(tx, None, "notice_unmatched", {"cause": cause, "remote_id": remote_id}, now)
                return None
            if job.state in (S.SENT_UNCONFIRMED, S.AWAITING_NOTICE, S.RETRY_WAIT):
                return self._apply_notice(
                    tx, job, now, success=success, cause=cause, retryable=retryable, remote_id=remote_id
                )
            event = "notice_pending" if job.state is S.SENDING else "notice_ignored"
            self._audit(
                tx,
                job.id,
                event,
                {"notice": "delivered" if success else "failed", "cause": cause, "remote_id": remote_id},
                now,
            )
            return job

    def reconcile(self, now: dt.datetime | None = None, *, include_live_leases: bool = False) -> list[str]:
        """Jobs left `sending` by a dead worker wait for their notice (never resent blindly); jobs whose
        notice did not come by the confirmation deadline are scheduled for a retry (or failed)."""
        now = _now(now)
        ts = now.timestamp()
        moved: list[str] = []
        lease_test = "" if include_live_leases else " AND (lease_until IS NULL OR lease_until < ?)"
        with self.engine.transaction(readonly=True) as tx:
            in_doubt = [
                str(r[0])
                for r in tx.all(
                    f"SELECT id FROM jobs WHERE state = 'sending'{lease_test}",
                    () if include_live_leases else (ts,),
                )
            ]
            expired = [
                str(r[0])
                for r in tx.all("SELECT id FROM jobs WHERE state = 'awaiting_notice' AND notice_deadline < ?", (ts,))
            ]
        for job_id in in_doubt:
            with self.engine.transaction() as tx:
                job = self._load(tx, job_id)
                live = job.lease_until is not None and job.lease_until >= now
                if job.state is not S.SENDING or (live and not include_live_leases):
                    continue
                job = self._change(tx, job, S.AWAITING_NOTICE, now, worker_id=None, details={"reason": "in_doubt"})
                self._apply_pending_notices(tx, job, now)
                moved.append(job_id)
        for job_id in expired:
            with self.engine.transaction() as tx:
                job = self._load(tx, job_id)
                if job.state is not S.AWAITING_NOTICE or job.notice_deadline is None or job.notice_deadline >= now:
                    continue
                self._retry_or_fail(tx, job, now, cause="no_notice", retryable=True, retry_after=0, worker_id=None)
                moved.append(job_id)
        return moved

    # --- operations ---------------------------------------------------------------------------------------

    def overdue(self, older_than_seconds: float, now: dt.datetime | None = None) -> list[OverdueJob]:
        now = _now(now)
        with self.engine.transaction(readonly=True) as tx:
            return self._overdue(tx, now, older_than_seconds)

    @staticmethod
    def _overdue(tx: Tx, now: dt.datetime, older_than: float, limit: int = 1000) -> list[OverdueJob]:
        rows = tx.all(
            f"SELECT id, state, received_at FROM jobs WHERE state IN {_in(OPEN)} AND received_at < ? "
            "ORDER BY received_at LIMIT ?",
            (now.timestamp() - older_than, limit),
        )
        return [OverdueJob(str(i), JobState(str(s)), _time(r), now.timestamp() - float(str(r))) for i, s, r in rows]

    def status(self, now: dt.datetime | None = None, *, overdue_after_seconds: float = 1800) -> StatusSummary:
        now = _now(now)
        ts = now.timestamp()
        with self.engine.transaction(readonly=True) as tx:
            counts = {str(s): int(str(n)) for s, n in tx.all("SELECT state, COUNT(*) FROM jobs GROUP BY state")}
            oldest = self._overdue(tx, now, -1e12, limit=1)
            overdue = self._overdue(tx, now, overdue_after_seconds, limit=100)
            in_doubt_row = tx.one(
                "SELECT COUNT(*) FROM jobs WHERE state = 'awaiting_notice' OR (state = 'sending' AND lease_until < ?)",
                (ts,),
            )
            unconfirmed = tx.one(
                "SELECT COUNT(*) FROM jobs WHERE state = 'sent_unconfirmed' AND notice_deadline < ?", (ts,)
            )
            failed = tx.one(
                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN finished_at >= ? THEN 1 ELSE 0 END), 0) "
                "FROM jobs WHERE outcome = 'failed'",
                (ts - 86400,),
            )
            causes = tx.all(
                "SELECT COALESCE(last_cause, 'unknown'), COUNT(*) FROM jobs WHERE outcome = 'failed' "
                "GROUP BY COALESCE(last_cause, 'unknown')"
            )
        return StatusSummary(
            counts={s.value: counts.get(s.value, 0) for s in JobState},
            open_jobs=sum(counts.get(s.value, 0) for s in OPEN),
            oldest_open=oldest[0] if oldest else None,
            overdue=overdue,
            in_doubt=int(str(in_doubt_row[0])) if in_doubt_row else 0,
            unconfirmed_past_deadline=int(str(unconfirmed[0])) if unconfirmed else 0,
            failures_total=int(str(failed[0])) if failed else 0,
            failures_last_24h=int(str(failed[1])) if failed else 0,
            failure_causes={str(c): int(str(n)) for c, n in causes},
        )

    # --- purging ------------------------------------------------------------------------------------------

    def purge(self, job_id: str, now: dt.datetime | None = None) -> Job:
        """Destroy the message, documents and extracted fields of a notified job; keep the metadata."""
        return self.transition(job_id, S.PURGED, worker_id=None, now=now)

    def _purge_where(self, condition: str, params: Sequence[object], now: dt.datetime) -> list[str]:
        with self.engine.transaction(readonly=True) as tx:
            sql = f"SELECT id FROM jobs WHERE state = 'notified' AND {condition}"
            ids = [str(r[0]) for r in tx.all(sql, params)]
        done = []
        for job_id in ids:
            with self.engine.transaction() as tx:
                job = self._load(tx, job_id)
                if job.state is S.NOTIFIED:
                    self._change(tx, job, S.PURGED, now, worker_id=None)
                    done.append(job_id)
        if done:
            self.engine.after_purge()
        return done

    def purge_rejected_older_than(self, delay_seconds: float, now: dt.datetime | None = None) -> list[str]:
        now = _now(now)
        cutoff = now.timestamp() - delay_seconds
        return self._purge_where("outcome = 'rejected' AND notified_at <= ?", (cutoff,), now)

    def purge_due(self, rejected_delay_seconds: float, now: dt.datetime | None = None) -> list[str]:
        """Delivered and failed jobs go as soon as the sender was told; rejected ones after the delay."""
        now = _now(now)
        return self._purge_where(
            "(outcome <> 'rejected' OR notified_at <= ?)", (now.timestamp() - rejected_delay_seconds,), now
        )

    # --- audit --------------------------------------------------------------------------------------------

    def verify_audit(self, expect_head: tuple[int, str] | None = None) -> AuditReport:
        """Verify the chain, then that every job's state is the one its last audit record says."""
        last_state: dict[str, str] = {}

        def observe(record: AuditRecord) -> None:
            if record.job_id is not None:
                to = json.loads(record.details).get("to")
                if isinstance(to, str):
                    last_state[record.job_id] = to

        with self.engine.transaction(readonly=True) as tx:
            report = audit.verify(tx, self._audit_key, expect_head=expect_head, observer=observe)
            if not report.ok:
                return report
            jobs = tx.all("SELECT id, state FROM jobs ORDER BY received_at")
        missing = set(last_state) - {str(j) for j, _ in jobs}
        if missing:
            return AuditReport(
                False,
                report.records,
                report.head_seq,
                report.head_hash,
                None,
                f"{len(missing)} audited job(s) missing from the jobs table, e.g. {min(missing)}",
            )
        for job_id, state in jobs:
            if last_state.get(str(job_id)) != str(state):
                return AuditReport(
                    False,
                    report.records,
                    report.head_seq,
                    report.head_hash,
                    None,
                    f"job {job_id} is '{state}' but its audit trail says "
                    f"'{last_state.get(str(job_id))}' (job row edited outside the store)",
                )
        return report

    def sync(self) -> None:
        self.engine.sync()

    def close(self) -> None:
        self.engine.close()
