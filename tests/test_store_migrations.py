"""Schema migrations are versioned, applied once, in order, and recorded — on both engines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gateway.config import StorageSection
from gateway.store import migrations, open_store
from gateway.store.migrations import Migration
from gateway.store.pgserver import storage_for_test, unavailable_reason

_PG_MISSING = unavailable_reason()
ENGINES = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(_PG_MISSING is not None, reason=_PG_MISSING or "")),
]
T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
ALL = [m.version for m in migrations.MIGRATIONS]
NEXT = migrations.LATEST + 1


@pytest.fixture(params=ENGINES)
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> StorageSection:
    return storage_for_test(str(request.param), tmp_path, request.node.name)


def versions(storage: StorageSection) -> list[int]:
    store = open_store(storage)
    try:
        with store.engine.transaction(readonly=True) as tx:
            return [int(str(r[0])) for r in tx.all("SELECT version FROM schema_migrations ORDER BY version")]
    finally:
        store.close()


def test_reopening_applies_nothing_twice(storage: StorageSection) -> None:
    first = open_store(storage)
    job = first.receive("<m@x>", b"m", sender=None, now=T0).job_id
    first.close()
    assert versions(storage) == ALL
    again = open_store(storage)
    try:
        assert again.get(job).id == job and again.verify_audit().ok
    finally:
        again.close()


def test_a_new_version_is_applied_once_over_existing_data(
    storage: StorageSection, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(storage)
    job = store.receive("<m@x>", b"m", sender=None, now=T0).job_id
    store.close()
    ddl = "CREATE TABLE operator_notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL)"
    new = Migration(NEXT, "operator_notes", ddl, ddl)
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, new))
    assert versions(storage) == [*ALL, NEXT]
    assert versions(storage) == [*ALL, NEXT]  # a second start-up finds nothing to do
    store = open_store(storage)
    try:
        assert store.get(job).id == job
        with store.engine.transaction() as tx:
            tx.execute("INSERT INTO operator_notes (id, note) VALUES (1, 'ok')")
    finally:
        store.close()


def test_a_failing_migration_leaves_the_previous_version(
    storage: StorageSection, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_store(storage).close()
    bad = "CREATE TABLE half_done (id INTEGER); CREATE TABLE jobs (id INTEGER)"  # second statement fails
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, Migration(NEXT, "bad", bad, bad)))
    with pytest.raises(Exception, match="jobs"):
        open_store(storage)
    monkeypatch.undo()
    store = open_store(storage)
    try:
        with store.engine.transaction(readonly=True) as tx:
            assert sorted(int(str(r[0])) for r in tx.all("SELECT version FROM schema_migrations")) == ALL
            with pytest.raises(Exception):  # noqa: B017 - engine-specific error type
                tx.all("SELECT * FROM half_done")
    finally:
        store.close()


def test_version_2_moves_stored_messages_out_of_the_jobs_row(
    storage: StorageSection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])  # a store created by version 1
    store = open_store(storage)
    with store.engine.transaction() as tx:  # what version 1's receive wrote
        tx.execute(
            "INSERT INTO jobs (id, message_key, state, received_at, updated_at, next_attempt_at, message_sha256, "
            "message_size, raw) VALUES ('20261201-aaaaaaaaaaaa', 'k', 'received', 1, 1, 1, 'x', 5, ?)",
            (b"hello",),
        )
    store.close()
    monkeypatch.undo()
    store = open_store(storage)
    try:
        assert store.raw_message("20261201-aaaaaaaaaaaa") == b"hello"
        claimed = store.claim_next("w1", T0)
        assert claimed is not None and claimed.id == "20261201-aaaaaaaaaaaa"
    finally:
        store.close()


def test_claim_reads_the_claimable_index_without_sorting(tmp_path: Path) -> None:
    store = open_store(storage_for_test("sqlite", tmp_path, "plan"))
    try:
        with store.engine.transaction(readonly=True) as tx:
            plan = tx.all(
                "EXPLAIN QUERY PLAN SELECT id FROM jobs INDEXED BY jobs_claimable WHERE state IN "
                "('accepted', 'archived', 'checked', 'delivered', 'failed', 'queued', 'received', 'rejected', "
                "'rendering', 'retry_wait') AND (lease_until IS NULL OR lease_until < 1) AND next_attempt_at <= 1 "
                "ORDER BY next_attempt_at, received_at LIMIT 1"
            )
        details = " ".join(str(row[-1]) for row in plan)
        assert "jobs_claimable" in details and "TEMP B-TREE" not in details
    finally:
        store.close()
