"""Random schedules of arrivals, workers, failures, crashes, notices, clock jumps and purges (hypothesis
stateful testing) against the SQLite store, checking after every step what the gateway promises:

* one job per Message-ID, whatever the duplicates;
* no job is sent again once delivered, none is sent more than `max_tries` times;
* a job in doubt after a crash is never resent before its confirmation deadline;
* a purged job holds no message, fields or documents; the audit chain always verifies.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from gateway.config import RetrySection, StorageSection
from gateway.store import ContentPurged, JobState, JobUpdate, NewDocument, SqlJobStore, open_store

S = JobState
T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
RETRY = RetrySection(
    max_tries=3,
    kill_time_seconds=4 * 3600,
    backoff_busy_seconds=120,
    backoff_no_answer_seconds=240,
    backoff_unreachable_seconds=30,
    backoff_throttled_seconds=10,
    confirmation_deadline_seconds=600,
)
LEASE = 300.0
CAUSES = st.sampled_from(["busy", "no_answer", "unreachable", "throttled", "refused"])


class GatewayModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="ordofax-model-"))
        self.storage = StorageSection(path=self.folder / "store.sqlite3")
        self.store: SqlJobStore = open_store(self.storage, RETRY)
        self.now = T0
        self.message_ids: set[str] = set()

    def teardown(self) -> None:
        self.store.close()
        for f in self.folder.iterdir():
            f.unlink()
        self.folder.rmdir()

    @initialize()
    def first_messages(self) -> None:
        for mid in ("a", "b"):
            self.arrive(mid)

    @rule(mid=st.sampled_from(["a", "b", "c", "d", "e"]))
    def arrive(self, mid: str) -> None:
        self.store.receive(f"<{mid}@model>", f"body {mid}".encode(), sender="dr@x", now=self.now)
        self.message_ids.add(mid)

    @rule(seconds=st.sampled_from([1, 30, 200, 301, 700, 3600]))
    def clock(self, seconds: int) -> None:
        self.now += dt.timedelta(seconds=seconds)

    @rule()
    def crash_and_restart(self) -> None:
        self.store.close()
        self.store = open_store(self.storage, RETRY)

    @rule()
    def sweep(self) -> None:
        self.store.reconcile(self.now)
        self.store.purge_due(600, self.now)

    @rule(success=st.booleans(), cause=CAUSES, pick=st.integers(0, 3))
    def notice(self, success: bool, cause: str, pick: int) -> None:
        jobs = self.store.jobs_in(list(JobState))
        if jobs:
            job = jobs[pick % len(jobs)]
            self.store.match_notice(job.id, success=success, cause=cause, retryable=cause != "refused", now=self.now)

    @rule(
        worker=st.sampled_from(["w1", "w2"]),
        plan=st.lists(st.tuples(st.booleans(), st.sampled_from(["relayed", "failed", "crashed", "timeout"]), CAUSES),
                      min_size=1, max_size=8),
    )  # fmt: skip
    def work(self, worker: str, plan: list[tuple[bool, str, str]]) -> None:
        """One worker drains the queue, carrying each job as far as its plan says, like the service's
        processor; a crash while sending leaves that job in `sending` with the lease held."""
        while (job := self.store.claim_next(worker, self.now, lease_seconds=LEASE)) is not None:
            for accept, outcome, cause in plan:
                if not self._step(job.id, worker, accept, outcome, cause):
                    break
            after = self.store.get(job.id)
            if after.lease_owner == worker and after.state is not S.SENDING:
                self.store.release(job.id, worker, delay_seconds=1, now=self.now)

    def _step(self, job_id: str, worker: str, accept: bool, outcome: str, cause: str) -> bool:
        s, now = self.store, self.now
        job = s.get(job_id)
        if job.lease_owner != worker:
            return False
        state = job.state
        if state is S.RECEIVED:
            s.record_check(job_id, worker_id=worker, accepted=accept, update=JobUpdate(route="fax"), now=now)
        elif state is S.ACCEPTED:
            s.transition(job_id, S.RENDERING, worker_id=worker, now=now)
        elif state is S.RENDERING:
            docs = [NewDocument("fax", b"%PDF model", 1)]
            s.transition(job_id, S.QUEUED, worker_id=worker, update=JobUpdate(documents=docs), now=now)
        elif state is S.QUEUED or (state is S.RETRY_WAIT and job.next_attempt_at <= now):
            s.transition(job_id, S.SENDING, worker_id=worker, now=now)
            if outcome == "crashed":
                return False  # the worker dies holding the lease, outcome unknown
            if outcome == "relayed":
                s.transition(job_id, S.SENT_UNCONFIRMED, worker_id=worker, now=now)
            elif outcome == "timeout":
                s.transition(job_id, S.AWAITING_NOTICE, worker_id=worker, now=now)
            else:
                s.record_failure(job_id, worker_id=worker, cause=cause, retryable=cause != "refused", now=now)
        elif state is S.DELIVERED:
            s.transition(job_id, S.ARCHIVED, worker_id=worker, now=now)
        elif state in (S.ARCHIVED, S.REJECTED, S.FAILED):
            s.transition(job_id, S.NOTIFIED, worker_id=worker, now=now)
        else:
            return False
        return True

    def _trails(self) -> dict[str, list[tuple[dt.datetime, dict[str, object]]]]:
        trails: dict[str, list[tuple[dt.datetime, dict[str, object]]]] = {}
        with self.store.engine.transaction(readonly=True) as tx:
            rows = tx.all("SELECT job_id, at, details FROM audit WHERE job_id IS NOT NULL ORDER BY seq")
        for job_id, at, details in rows:
            trails.setdefault(str(job_id), []).append((dt.datetime.fromisoformat(str(at)), json.loads(str(details))))
        return trails

    @invariant()
    def one_job_per_message(self) -> None:
        assert len(self.store.jobs_in(list(JobState))) == len(self.message_ids)

    @invariant()
    def never_sent_after_delivery_nor_too_often(self) -> None:
        for job_id, trail in self._trails().items():
            targets = [d.get("to") for _, d in trail]
            assert targets.count("sending") <= RETRY.max_tries, job_id
            if "delivered" in targets:
                assert "sending" not in targets[targets.index("delivered") :], job_id
                assert targets.count("delivered") == 1

    @invariant()
    def in_doubt_jobs_wait_for_their_deadline(self) -> None:
        """Leaving `awaiting_notice` without a notice (cause no_notice) happens only after the deadline."""
        deadline = dt.timedelta(seconds=RETRY.confirmation_deadline_seconds)
        for job_id, trail in self._trails().items():
            doubt_since = None
            for at, d in trail:
                if d.get("to") == "awaiting_notice":
                    doubt_since = at
                elif d.get("from") == "awaiting_notice":
                    if d.get("cause") == "no_notice":
                        assert doubt_since is not None and at >= doubt_since + deadline, job_id
                    else:
                        assert d.get("notice") is not None or d.get("cause") is not None, job_id
                    doubt_since = None

    @invariant()
    def purged_jobs_hold_nothing(self) -> None:
        for job in self.store.jobs_in([S.PURGED]):
            try:
                self.store.raw_message(job.id)
            except ContentPurged:
                pass
            else:
                raise AssertionError(f"{job.id} still holds its message")
            assert self.store.fields(job.id) is None
            assert all(d.data is None for d in self.store.documents(job.id))

    @invariant()
    def audit_verifies(self) -> None:
        report = self.store.verify_audit()
        assert report.ok, report.problem


GatewayModel.TestCase.settings = settings(max_examples=40, stateful_step_count=40, deadline=None)
TestGatewayModel = GatewayModel.TestCase
