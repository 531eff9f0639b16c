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
    assert versions(storage) == [1]
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
    v2 = Migration(2, "operator_notes", ddl, ddl)
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, v2))
    assert versions(storage) == [1, 2]
    assert versions(storage) == [1, 2]  # a second start-up finds nothing to do
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
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, Migration(2, "bad", bad, bad)))
    with pytest.raises(Exception, match="jobs"):
        open_store(storage)
    monkeypatch.undo()
    store = open_store(storage)
    try:
        with store.engine.transaction(readonly=True) as tx:
            assert [int(str(r[0])) for r in tx.all("SELECT version FROM schema_migrations")] == [1]
            with pytest.raises(Exception):  # noqa: B017 - engine-specific error type
                tx.all("SELECT * FROM half_done")
    finally:
        store.close()
