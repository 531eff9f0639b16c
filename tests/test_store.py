"""The job store, run identically against SQLite and a real PostgreSQL server (started once per session).

Times are passed explicitly, so retries, leases and deadlines are tested without sleeping.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.commands import status as status_command
from gateway.config import RetrySection, StorageSection
from gateway.store import (
    CLAIMABLE,
    TRANSITIONS,
    ContentPurged,
    IllegalTransition,
    Job,
    JobState,
    JobUpdate,
    LeaseLost,
    NewDocument,
    Outcome,
    SqlJobStore,
    StoreError,
    open_store,
)
from gateway.store.pgserver import shared_server, storage_for_test, unavailable_reason

S = JobState
T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
RETRY = RetrySection(
    max_tries=3,
    kill_time_seconds=3 * 3600,
    backoff_busy_seconds=300,
    backoff_no_answer_seconds=600,
    backoff_unreachable_seconds=60,
    backoff_throttled_seconds=30,
    confirmation_deadline_seconds=900,
)
PATIENT = b"ZORGLUBIA"
NAM = b"ZORT65530512"
RAW = (
    b"Message-ID: <rx-1@ssss.gouv.qc.ca>\r\nFrom: dr.house@ssss.gouv.qc.ca\r\n"
    b"To: 5145550150@telecopie.example.org\r\nSubject: Ordonnance\r\n\r\n"
    b"Patient : " + PATIENT + b" Theodorine\r\nNAM : " + NAM + b"\r\nAspirine 80 mg DIE\r\n"
)
PDF = b"%PDF-1.4\n% fake rendered form\n(" + PATIENT + b" " + NAM + b") Tj\n%%EOF\n"
FIELDS = {"patient": {"last_name": PATIENT.decode(), "nam": NAM.decode()}, "orders": ["Aspirine 80 mg DIE"]}

_PG_MISSING = unavailable_reason()
ENGINES = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(_PG_MISSING is not None, reason=_PG_MISSING or "")),
]


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture(params=ENGINES)
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> StorageSection:
    return storage_for_test(str(request.param), tmp_path, request.node.name)


@pytest.fixture
def store(storage: StorageSection) -> Iterator[SqlJobStore]:
    s = open_store(storage, RETRY)
    yield s
    s.close()


def receive_and_claim(store: SqlJobStore, mid: str = "<rx-1@ssss.gouv.qc.ca>", now: dt.datetime = T0) -> Job:
    store.receive(mid, RAW, sender="dr.house@ssss.gouv.qc.ca", recipients=["rx@gw"], now=now)
    job = store.claim_next("w1", now)
    assert job is not None
    return job


def to_sending(store: SqlJobStore, mid: str = "<rx-1@ssss.gouv.qc.ca>", now: dt.datetime = T0) -> Job:
    """Receive a prescription and carry it, as worker w1, up to the moment the relay is called."""
    job = receive_and_claim(store, mid, now)
    update = JobUpdate(
        route="fax",
        destination_kind="pharmacy",
        document="drug_rx",
        rule_codes=["ARCHIVES_NOT_IN_CC"],
        destination="+15145550150",
        fields=FIELDS,
    )
    store.record_check(job.id, worker_id="w1", accepted=True, update=update, now=now)
    store.transition(job.id, S.RENDERING, worker_id="w1", now=now)
    docs = [NewDocument("fax", PDF, 1), NewDocument("archives", PDF + b"copy", 1)]
    store.transition(job.id, S.QUEUED, worker_id="w1", update=JobUpdate(page_count=1, documents=docs), now=now)
    return store.transition(job.id, S.SENDING, worker_id="w1", now=now)


def to_notified(store: SqlJobStore, now: dt.datetime = T0) -> Job:
    job = to_sending(store, now=now)
    store.transition(job.id, S.SENT_UNCONFIRMED, worker_id="w1", update=JobUpdate(remote_id="q-1"), now=now)
    store.match_notice(job.id, success=True, remote_id="IFX-77", now=now)
    worker = store.claim_next("w1", now)
    assert worker is not None and worker.id == job.id and worker.state is S.DELIVERED
    store.transition(job.id, S.ARCHIVED, worker_id="w1", now=now)
    return store.transition(job.id, S.NOTIFIED, worker_id="w1", now=now)


# --- the life-cycle table itself -------------------------------------------------------------------------


def reachable(start: JobState) -> set[JobState]:
    seen, todo = {start}, deque([start])
    while todo:
        for nxt in TRANSITIONS[todo.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_every_state_is_reachable_and_every_job_can_end_purged() -> None:
    assert reachable(S.RECEIVED) == set(JobState)
    assert all(S.PURGED in reachable(s) for s in JobState)
    assert TRANSITIONS[S.PURGED] == frozenset()


def test_no_path_resends_a_delivered_or_purged_job() -> None:
    for done in (S.DELIVERED, S.ARCHIVED, S.NOTIFIED, S.PURGED, S.FAILED):
        assert S.SENDING not in reachable(done)
    assert S.SENDING not in CLAIMABLE  # a job found in `sending` is in doubt, never handed out again


# --- receiving ---------------------------------------------------------------------------------------------


def test_same_message_id_twice_is_one_job(store: SqlJobStore) -> None:
    first = store.receive("<rx-1@ssss.gouv.qc.ca>", RAW, sender="dr.house@ssss.gouv.qc.ca", now=T0)
    again = store.receive(" <rx-1@ssss.gouv.qc.ca> ", RAW + b"resent", sender="dr.house@x", now=at(60))
    assert first.created and not again.created
    assert again.job_id == first.job_id
    assert [j.id for j in store.jobs_in(list(JobState))] == [first.job_id]
    assert store.raw_message(first.job_id) == RAW
    assert store.verify_audit().records == 2  # received + duplicate, both on the record


def test_without_message_id_the_bytes_decide(store: SqlJobStore) -> None:
    a = store.receive(None, b"one", sender=None, now=T0)
    b = store.receive("", b"one", sender=None, now=T0)
    c = store.receive(None, b"two", sender=None, now=T0)
    assert a.job_id == b.job_id and not b.created
    assert c.created and c.job_id != a.job_id


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from("abcde"), min_size=1, max_size=12))
def test_receive_is_idempotent_for_any_sequence(store: SqlJobStore, ids: list[str]) -> None:
    prefix = uuid.uuid4().hex
    job_of: dict[str, str] = {}
    for mid in ids:
        got = store.receive(f"<{prefix}-{mid}@x>", b"body " + mid.encode(), sender=None, now=T0)
        assert got.created == (mid not in job_of)
        assert job_of.setdefault(mid, got.job_id) == got.job_id
    mine = [j for j in store.jobs_in([S.RECEIVED]) if j.id in job_of.values()]
    assert len(mine) == len(set(ids))


# --- transitions -------------------------------------------------------------------------------------------


def test_happy_path_to_purged_is_recorded_step_by_step(store: SqlJobStore) -> None:
    job = to_notified(store)
    purged = store.purge(job.id, at(5))
    assert purged.state is S.PURGED and purged.outcome is Outcome.DELIVERED
    assert purged.remote_id == "IFX-77" and purged.tries == 1
    assert (purged.route, purged.destination_kind, purged.page_count) == ("fax", "pharmacy", 1)
    assert purged.rule_codes == ("ARCHIVES_NOT_IN_CC",)
    report = store.verify_audit()
    assert report.ok, report.problem
    # received, checked, accepted, rendering, queued, sending, sent_unconfirmed, delivered, archived,
    # notified, purged
    assert report.records == 11


def test_illegal_transition_changes_nothing(store: SqlJobStore) -> None:
    job = receive_and_claim(store)
    before = store.verify_audit()
    with pytest.raises(IllegalTransition):
        store.transition(job.id, S.SENDING, worker_id="w1", now=T0)
    assert store.get(job.id).state is S.RECEIVED
    assert store.verify_audit().head_hash == before.head_hash


def test_purged_job_goes_nowhere(store: SqlJobStore) -> None:
    job = to_notified(store)
    store.purge(job.id, T0)
    for target in set(JobState) - {S.RETRY_WAIT}:
        with pytest.raises(IllegalTransition):
            store.transition(job.id, target, worker_id=None, now=T0)


def test_only_the_lease_holder_moves_a_job(store: SqlJobStore) -> None:
    job = receive_and_claim(store)
    with pytest.raises(LeaseLost):
        store.record_check(job.id, worker_id="intruder", accepted=True, now=T0)
    assert store.get(job.id).state is S.RECEIVED


# --- claiming and leases -------------------------------------------------------------------------------


def test_two_workers_never_claim_the_same_job(storage: StorageSection) -> None:
    first, second = open_store(storage, RETRY), open_store(storage, RETRY)
    try:
        ids = {first.receive(f"<m{i}@x>", b"m%d" % i, sender=None, now=T0).job_id for i in range(30)}
        claimed: dict[str, list[str]] = {"A": [], "B": []}
        start = threading.Barrier(2)

        def work(store: SqlJobStore, name: str) -> None:
            start.wait()
            while (job := store.claim_next(name, at(1))) is not None:
                claimed[name].append(job.id)
                store.record_check(job.id, worker_id=name, accepted=False, now=at(1))

        threads = [threading.Thread(target=work, args=(s, n)) for s, n in ((first, "A"), (second, "B"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not set(claimed["A"]) & set(claimed["B"])
        assert sorted(claimed["A"] + claimed["B"]) == sorted(ids)
        assert first.verify_audit().ok
    finally:
        first.close()
        second.close()


def test_a_dead_workers_job_comes_back_after_its_lease(store: SqlJobStore) -> None:
    store.receive("<m@x>", RAW, sender=None, now=T0)
    job = store.claim_next("w1", T0, lease_seconds=10)
    assert job is not None
    assert store.claim_next("w2", at(9)) is None
    again = store.claim_next("w2", at(11))
    assert again is not None and again.id == job.id and again.lease_owner == "w2"
    with pytest.raises(LeaseLost):
        store.record_check(job.id, worker_id="w1", accepted=True, now=at(12))
    store.record_check(job.id, worker_id="w2", accepted=True, now=at(12))


def test_release_with_delay_postpones(store: SqlJobStore) -> None:
    job = receive_and_claim(store)
    store.release(job.id, "w1", delay_seconds=120, now=T0)
    assert store.claim_next("w2", at(119)) is None
    assert store.claim_next("w2", at(120)) is not None


# --- retries -------------------------------------------------------------------------------------------


def test_busy_line_waits_then_backs_off(store: SqlJobStore) -> None:
    job = to_sending(store)
    waiting = store.record_failure(job.id, worker_id="w1", cause="busy", retryable=True, now=at(10))
    assert waiting.state is S.RETRY_WAIT and waiting.next_attempt_at == at(310)
    assert waiting.lease_owner is None
    assert store.claim_next("w2", at(309)) is None
    again = store.claim_next("w2", at(310))
    assert again is not None and again.id == job.id
    store.transition(job.id, S.SENDING, worker_id="w2", now=at(310))
    second = store.record_failure(job.id, worker_id="w2", cause="busy", retryable=True, now=at(320))
    assert second.next_attempt_at == at(320 + 600) and second.tries == 2


def test_causes_have_their_own_delays(store: SqlJobStore) -> None:
    expected = {"no_answer": 600, "unreachable": 60, "throttled": 30, "tempfail": 60}
    for n, (cause, delay) in enumerate(expected.items()):
        job = to_sending(store, mid=f"<c{n}@x>")
        got = store.record_failure(job.id, worker_id="w1", cause=cause, retryable=True, now=T0)
        assert got.next_attempt_at == at(delay), cause
        assert got.last_cause == cause


def test_graph_retry_after_wins(store: SqlJobStore) -> None:
    job = to_sending(store)
    got = store.record_failure(job.id, worker_id="w1", cause="throttled", retryable=True, retry_after=7, now=T0)
    assert got.next_attempt_at == at(7)


def test_max_tries_then_failed(store: SqlJobStore) -> None:
    job = to_sending(store)
    now = T0
    for attempt in range(1, 4):
        got = store.record_failure(job.id, worker_id="w1", cause="no_answer", retryable=True, now=now)
        if attempt < 3:
            assert got.state is S.RETRY_WAIT
            now = got.next_attempt_at
            assert store.claim_next("w1", now) is not None
            store.transition(job.id, S.SENDING, worker_id="w1", now=now)
    assert got.state is S.FAILED and got.outcome is Outcome.FAILED and got.tries == 3
    summary = store.status(now)
    assert summary.failures_total == 1 and summary.failure_causes == {"no_answer": 1}


def test_kill_time_fails_instead_of_retrying_too_late(storage: StorageSection) -> None:
    store = open_store(storage, RETRY.model_copy(update={"kill_time_seconds": 600}))
    try:
        job = to_sending(store)
        got = store.record_failure(job.id, worker_id="w1", cause="busy", retryable=True, now=at(400))
        assert got.state is S.FAILED  # 400 + 300 would pass the 600 s kill time
    finally:
        store.close()


def test_refusal_is_final_and_the_sender_is_still_told(store: SqlJobStore) -> None:
    job = to_sending(store)
    got = store.record_failure(job.id, worker_id="w1", cause="refused", retryable=False, now=T0)
    assert got.state is S.FAILED
    store.release(job.id, "w1", now=T0)  # w1 crashes before telling the sender
    claimed = store.claim_next("w2", T0)  # the failure notice to the sender is still work to do
    assert claimed is not None and claimed.id == job.id
    store.transition(job.id, S.NOTIFIED, worker_id="w2", now=T0)
    assert store.purge_due(3600, at(1)) == [job.id]


# --- provider notices ----------------------------------------------------------------------------------


def test_delivery_notice_closes_the_job_once(store: SqlJobStore) -> None:
    job = to_sending(store)
    store.transition(job.id, S.SENT_UNCONFIRMED, worker_id="w1", now=T0)
    got = store.match_notice(job.id, success=True, remote_id="IFX-1", now=at(60))
    assert got is not None and got.state is S.DELIVERED and got.remote_id == "IFX-1"
    again = store.match_notice(job.id, success=False, cause="busy", retryable=True, now=at(61))
    assert again is not None and again.state is S.DELIVERED


def test_unknown_reference_matches_nothing(store: SqlJobStore) -> None:
    assert store.match_notice("20260101-000000000000", success=True, now=T0) is None
    assert store.match_notice(None, success=False, cause="busy", now=T0) is None
    assert store.verify_audit().ok


def test_notice_naming_another_number_matches_nothing(store: SqlJobStore) -> None:
    job = to_sending(store)
    store.transition(job.id, S.SENT_UNCONFIRMED, worker_id="w1", now=T0)
    assert store.match_notice(job.id, success=True, number="+15145559999", now=at(5)) is None
    assert store.get(job.id).state is S.SENT_UNCONFIRMED
    got = store.match_notice(job.id, success=True, number="+15145550150", now=at(6))
    assert got is not None and got.state is S.DELIVERED
    assert store.verify_audit().ok


def test_busy_notice_schedules_a_retry(store: SqlJobStore) -> None:
    job = to_sending(store)
    store.transition(job.id, S.SENT_UNCONFIRMED, worker_id="w1", now=T0)
    got = store.match_notice(job.id, success=False, cause="busy", retryable=True, now=at(100))
    assert got is not None and got.state is S.RETRY_WAIT and got.next_attempt_at == at(400)


def test_notice_faster_than_the_relay_is_applied_afterwards(store: SqlJobStore) -> None:
    job = to_sending(store)
    early = store.match_notice(job.id, success=True, remote_id="IFX-2", now=T0)
    assert early is not None and early.state is S.SENDING
    got = store.transition(job.id, S.SENT_UNCONFIRMED, worker_id="w1", now=at(1))
    assert got.state is S.DELIVERED and got.remote_id == "IFX-2"


def test_late_delivery_notice_cancels_the_pending_retry(store: SqlJobStore) -> None:
    job = to_sending(store)
    store.record_failure(job.id, worker_id="w1", cause="unreachable", retryable=True, now=T0)
    got = store.match_notice(job.id, success=True, now=at(5))
    assert got is not None and got.state is S.DELIVERED
    assert store.claim_next("w1", at(4000)).state is S.DELIVERED  # type: ignore[union-attr]


# --- crash: a job left in `sending` ------------------------------------------------------------------


def test_in_doubt_job_waits_for_its_notice_never_resent(storage: StorageSection) -> None:
    crashed = open_store(storage, RETRY)
    job = to_sending(crashed)
    crashed.close()  # the worker dies between the relay's 250 and recording it
    store = open_store(storage, RETRY)
    try:
        assert store.reconcile(at(10)) == []  # its lease is still running
        assert store.reconcile(at(301)) == [job.id]
        doubtful = store.get(job.id)
        assert doubtful.state is S.AWAITING_NOTICE and doubtful.notice_deadline == at(301 + 900)
        assert store.claim_next("w2", at(302)) is None
        assert store.status(at(302)).in_doubt == 1
        got = store.match_notice(job.id, success=True, now=at(500))
        assert got is not None and got.state is S.DELIVERED and got.tries == 1
    finally:
        store.close()


def test_in_doubt_job_is_retried_only_after_the_deadline(store: SqlJobStore) -> None:
    job = to_sending(store)
    assert store.reconcile(at(1), include_live_leases=True) == [job.id]  # start-up of a single instance
    assert store.reconcile(at(900)) == []
    assert store.reconcile(at(902)) == [job.id]
    assert store.get(job.id).state is S.RETRY_WAIT
    again = store.claim_next("w2", at(902))
    assert again is not None and again.id == job.id
    assert store.transition(job.id, S.SENDING, worker_id="w2", now=at(902)).tries == 2


# --- purge -------------------------------------------------------------------------------------------


def clinical_bytes_found(blob: bytes) -> bool:
    markers = (PATIENT, NAM)
    return any(m in blob or m.hex().encode() in blob for m in markers)


def store_bytes(storage: StorageSection) -> bytes:
    if storage.engine == "sqlite":
        files = sorted(storage.path.parent.glob(storage.path.name + "*"))
        return b"".join(f.read_bytes() for f in files)
    schema = re.search(r"search_path=(\w+)", storage.dsn)
    assert schema is not None
    return shared_server().dump(schema.group(1))


def test_purge_leaves_no_clinical_bytes(store: SqlJobStore, storage: StorageSection) -> None:
    job = to_notified(store)
    assert clinical_bytes_found(store_bytes(storage))  # the search does find them while they are held
    digests = [d.sha256 for d in store.documents(job.id)]
    store.purge(job.id, at(10))
    assert not clinical_bytes_found(store_bytes(storage))
    with pytest.raises(ContentPurged):
        store.raw_message(job.id)
    assert store.fields(job.id) is None
    kept = store.get(job.id)
    assert kept.sender is None and kept.destination is None and kept.recipients == ()
    assert len(kept.message_sha256) == 64 and kept.page_count == 1
    docs = store.documents(job.id)
    assert [d.sha256 for d in docs] == digests and all(d.data is None for d in docs)
    again = store.receive("<rx-1@ssss.gouv.qc.ca>", RAW, sender=None, now=at(20))
    assert not again.created  # still idempotent after the purge: no second fax


def test_rejected_messages_are_purged_after_the_delay(store: SqlJobStore) -> None:
    job = receive_and_claim(store)
    store.record_check(job.id, worker_id="w1", accepted=False, update=JobUpdate(rule_codes=["NAM_INVALID"]),
                       now=T0)  # fmt: skip
    store.transition(job.id, S.NOTIFIED, worker_id="w1", now=at(5))
    assert store.purge_rejected_older_than(3600, at(3604)) == []
    assert store.purge_due(3600, at(3604)) == []
    assert store.purge_rejected_older_than(3600, at(3605)) == [job.id]
    kept = store.get(job.id)
    assert kept.state is S.PURGED and kept.outcome is Outcome.REJECTED and kept.rule_codes == ("NAM_INVALID",)


def test_purge_refuses_a_job_not_yet_notified(store: SqlJobStore) -> None:
    job = to_sending(store)
    with pytest.raises(IllegalTransition):
        store.purge(job.id, T0)
    assert store.raw_message(job.id) == RAW


# --- operations ---------------------------------------------------------------------------------------


def test_status_and_overdue_alert(store: SqlJobStore) -> None:
    old = to_sending(store, mid="<old@x>", now=T0)
    store.transition(old.id, S.SENT_UNCONFIRMED, worker_id="w1", now=T0)
    store.receive("<new@x>", b"new", sender=None, now=at(3000))
    summary = store.status(at(3600), overdue_after_seconds=1800)
    assert summary.counts["sent_unconfirmed"] == 1 and summary.counts["received"] == 1
    assert summary.open_jobs == 2
    assert summary.oldest_open is not None and summary.oldest_open.job_id == old.id
    assert [o.job_id for o in summary.overdue] == [old.id]
    assert [o.job_id for o in store.overdue(1800, at(3600))] == [old.id]
    assert summary.in_doubt == 0 and summary.failures_total == 0
    assert summary.unconfirmed_past_deadline == 1  # relayed at T0, no notice within 900 s


def test_retry_wait_only_through_the_retry_policy(store: SqlJobStore) -> None:
    job = to_sending(store)
    with pytest.raises(StoreError):
        store.transition(job.id, S.RETRY_WAIT, worker_id="w1", now=T0)


def write_config(tmp_path: Path, storage: StorageSection) -> Path:
    config = tmp_path / "config.toml"
    lines = ["[storage]", f'engine = "{storage.engine}"', f"path = {json.dumps(str(storage.path))}"]
    lines.append(f"dsn = {json.dumps(storage.dsn)}")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def ordofax(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """`ordofax status …` through the command module itself, as gateway.cli runs it."""
    assert args[0] == "status"
    parser = argparse.ArgumentParser(prog="ordofax status")
    status_command.add_arguments(parser)
    code = status_command.run(parser.parse_args([str(a) for a in args[1:]]))
    out, err = capsys.readouterr()
    return code, out, err


def test_status_command(
    store: SqlJobStore, storage: StorageSection, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = to_sending(store, now=dt.datetime.now(dt.UTC))
    config = write_config(tmp_path, storage)
    code, out, err = ordofax(capsys, "status", "--config", config, "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["counts"]["sending"] == 1 and summary["oldest_open"]["job_id"] == job.id
    code, out, _ = ordofax(capsys, "status", "--config", config)
    assert code == 0 and "sending" in out and PATIENT.decode() not in out


def test_status_exit_1_when_something_is_overdue(
    store: SqlJobStore, storage: StorageSection, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store.receive("<old@x>", b"old", sender=None, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    code, out, _ = ordofax(capsys, "status", "--config", write_config(tmp_path, storage))
    assert code == 1 and "overdue (> 1800 s): 1" in out


def test_status_of_a_missing_store_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, StorageSection(path=tmp_path / "nowhere.sqlite3"))
    code, _, err = ordofax(capsys, "status", "--config", config)
    assert code == 2 and "no job store" in err
    assert not (tmp_path / "nowhere.sqlite3").exists()


# --- durability and unattended operation ------------------------------------------------------------


CHILD = """
import os, signal, sys
from gateway.config import StorageSection
from gateway.store import open_store
storage = StorageSection.model_validate_json(sys.argv[1])
store = open_store(storage)
received = store.receive("<killed@x>", b"accepted just before the crash", sender=None)
print(received.job_id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_receive_that_returned_survives_the_process_being_killed(storage: StorageSection) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, storage.model_dump_json()], capture_output=True, text=True, timeout=60
    )
    assert child.returncode == -9, child.stderr
    job_id = child.stdout.strip()
    store = open_store(storage, RETRY)
    try:
        assert store.raw_message(job_id) == b"accepted just before the crash"
        assert store.get(job_id).state is S.RECEIVED and store.verify_audit().ok
    finally:
        store.close()


@pytest.mark.skipif(_PG_MISSING is not None, reason=_PG_MISSING or "")
def test_store_reconnects_after_its_postgres_session_is_killed(tmp_path: Path) -> None:
    storage = storage_for_test("postgresql", tmp_path, "reconnect")
    store = open_store(storage, RETRY)
    try:
        store.receive("<before@x>", b"before", sender=None, now=T0)
        with psycopg.connect(shared_server().dsn(), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND datname = 'postgres' AND application_name = ''"
            )
        with pytest.raises(StoreError):
            store.receive("<during@x>", b"during", sender=None, now=T0)  # the listener answers 451
        assert store.receive("<after@x>", b"after", sender=None, now=T0).created
        assert store.verify_audit().ok
    finally:
        store.close()


@pytest.mark.skipif(_PG_MISSING is not None, reason=_PG_MISSING or "")
def test_postgres_transactions_overlap_on_separate_connections(tmp_path: Path) -> None:
    storage = storage_for_test("postgresql", tmp_path, "pool").model_copy(update={"connections": 2})
    store = open_store(storage, RETRY)
    holding, release = threading.Event(), threading.Event()

    def slow_reader() -> None:
        with store.engine.transaction(readonly=True) as tx:
            tx.one("SELECT 1")
            holding.set()
            release.wait(10)

    reader = threading.Thread(target=slow_reader)
    reader.start()
    try:
        assert holding.wait(10)
        done = threading.Event()
        writer = threading.Thread(target=lambda: (store.receive("<pool@x>", b"m", sender=None, now=T0), done.set()))
        writer.start()
        assert done.wait(5), "a write waited for another thread's open transaction"
        writer.join()
    finally:
        release.set()
        reader.join()
        store.close()
    with pytest.raises(StoreError):
        store.get("20261201-000000000000")  # closed: no connection is handed out any more
