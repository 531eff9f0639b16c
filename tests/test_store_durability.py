"""Which commits wait for the disk: durable ones (a received message, a fax about to be sent, an acknowledged
notice) return only once synced, grouped; the others are made durable by the next sync or durable commit."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from gateway.config import RetrySection
from gateway.service.storecalls import StoreCalls
from gateway.store import JobState, SqlJobStore, open_store
from gateway.store.pgserver import storage_for_test, unavailable_reason
from gateway.store.postgres import PostgresEngine
from gateway.store.sqlite import SqliteEngine, deferred_syncs

S = JobState
RAW = b"Message-ID: <%d@ssss.gouv.qc.ca>\r\nSubject: x\r\n\r\nbody %d\r\n"
_PG_MISSING = unavailable_reason()


def sqlite_store(tmp_path: Path) -> tuple[SqlJobStore, SqliteEngine]:
    store = open_store(storage_for_test("sqlite", tmp_path, "durability"), RetrySection())
    assert isinstance(store, SqlJobStore) and isinstance(store.engine, SqliteEngine)
    return store, store.engine


def receive(store: SqlJobStore, n: int) -> str:
    return store.receive(f"<{n}@ssss.gouv.qc.ca>", RAW % (n, n), sender="dr@ssss.gouv.qc.ca").job_id


def test_concurrent_receives_share_syncs_and_each_returns_synced(tmp_path: Path) -> None:
    store, engine = sqlite_store(tmp_path)
    before = engine.wal.syncs
    errors: list[BaseException] = []

    def client(first: int) -> None:
        try:
            for n in range(first, first + 25):
                receive(store, n)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(k * 100,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert store.status().counts.get(S.RECEIVED.value) == 200
    syncs = engine.wal.syncs - before
    assert 1 <= syncs < 200, f"{syncs} syncs for 200 durable commits: no grouping"
    store.close()


def test_durable_commit_waits_for_a_sync_after_it(tmp_path: Path) -> None:
    store, engine = sqlite_store(tmp_path)
    job_id = receive(store, 1)
    assert engine.wal.pending == 0
    job = store.claim_next("w1")
    assert job is not None and job.id == job_id
    store.record_check(job_id, worker_id="w1", accepted=False)  # lazy: not synced on its own
    assert engine.wal.pending >= 1
    syncs = engine.wal.syncs
    receive(store, 2)  # a durable commit covers the lazy ones before it
    assert engine.wal.pending == 0 and engine.wal.syncs == syncs + 1


def test_sync_makes_lazy_commits_durable(tmp_path: Path) -> None:
    store, engine = sqlite_store(tmp_path)
    receive(store, 1)
    for _ in range(3):
        job = store.claim_next("w1")
        if job is not None:
            store.release(job.id, "w1")
    assert engine.wal.pending >= 1
    store.sync()
    assert engine.wal.pending == 0
    store.sync()  # nothing to do: no new sync
    assert engine.wal.pending == 0


def test_sending_is_durable(tmp_path: Path) -> None:
    store, engine = sqlite_store(tmp_path)
    job_id = receive(store, 1)
    store.claim_next("w1")
    store.record_check(job_id, worker_id="w1", accepted=True)
    store.transition(job_id, S.RENDERING, worker_id="w1")
    store.transition(job_id, S.QUEUED, worker_id="w1")
    assert engine.wal.pending >= 1
    store.transition(job_id, S.SENDING, worker_id="w1")
    assert engine.wal.pending == 0


def test_sync_after_the_wal_was_checkpointed_away(tmp_path: Path) -> None:
    store, engine = sqlite_store(tmp_path)
    receive(store, 1)
    engine.after_purge()  # TRUNCATE checkpoint: the log is empty, its content in the synced database file
    store.claim_next("w1")
    store.sync()
    assert engine.wal.pending == 0
    assert store.get(store.jobs_in([S.RECEIVED])[0].id).lease_owner == "w1"


@pytest.mark.skipif(_PG_MISSING is not None, reason=_PG_MISSING or "")
def test_postgresql_commits_lazily_except_durable_transactions(tmp_path: Path) -> None:
    engine = PostgresEngine(storage_for_test("postgresql", tmp_path, "durability").dsn)
    try:
        with engine.transaction() as tx:
            assert tx.one("SHOW synchronous_commit") == ("off",)
        with engine.transaction(durable=True) as tx:
            assert tx.one("SHOW synchronous_commit") == ("on",)
        with engine.transaction() as tx:  # SET LOCAL: the next transaction is lazy again
            assert tx.one("SHOW synchronous_commit") == ("off",)
        engine.sync()
    finally:
        engine.close()


def test_deferred_durable_commit_is_waited_for_separately(tmp_path: Path) -> None:
    store, engine = sqlite_store(tmp_path)
    with deferred_syncs() as pending:
        receive(store, 1)
    assert len(pending) == 1 and engine.wal.pending == 1  # committed, not yet synced: no 250 may go out yet
    engine.wait_synced(pending[0])
    assert engine.wal.pending == 0


async def test_store_calls_from_the_loop_return_durable_results(tmp_path: Path) -> None:
    store, engine = sqlite_store(tmp_path)
    calls = StoreCalls(store)
    assert calls.inline
    received = await asyncio.gather(*(calls(receive, store, n) for n in range(20)))
    assert len(set(received)) == 20 and engine.wal.pending == 0
    job = await calls(store.claim_next, "w1")
    assert job is not None and job.lease_owner == "w1"
