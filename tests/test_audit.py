"""The audit chain on both engines: intact after real activity, and every kind of tampering is found.

Tampering is done the way an intruder with database access would: with a direct connection, after
disabling the append-only triggers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from gateway import audit
from gateway.commands import audit as audit_command
from gateway.config import StorageSection
from gateway.errors import AuditError, StoreError
from gateway.store import JobState, JobUpdate, SqlJobStore, open_store
from gateway.store.pgserver import storage_for_test, unavailable_reason

S = JobState
T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
MARKER = "ZORGLUBIA"
_PG_MISSING = unavailable_reason()
ENGINES = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(_PG_MISSING is not None, reason=_PG_MISSING or "")),
]


@pytest.fixture(params=ENGINES)
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> StorageSection:
    return storage_for_test(str(request.param), tmp_path, request.node.name)


@pytest.fixture
def store(storage: StorageSection) -> Iterator[SqlJobStore]:
    s = open_store(storage)
    fill(s)
    yield s
    s.close()


def fill(store: SqlJobStore) -> list[str]:
    """Three jobs: accepted and rendering, rejected and notified, plus a duplicate — 9 audit records."""
    ids = []
    for n, accepted in enumerate((True, False)):
        raw = f"Message-ID: <a{n}@x>\r\n\r\nPatient {MARKER} NAM ZORT65530512\r\n".encode()
        ids.append(store.receive(f"<a{n}@x>", raw, sender="dr@x", now=T0).job_id)
        job = store.claim_next("w", T0)
        assert job is not None
        update = JobUpdate(rule_codes=["R1"], fields={"patient": MARKER})
        store.record_check(job.id, worker_id="w", accepted=accepted, update=update, now=T0)
        store.transition(job.id, S.RENDERING if accepted else S.NOTIFIED, worker_id="w", now=T0)
    store.receive("<a0@x>", b"again", sender=None, now=T0)
    return ids


def tamper(storage: StorageSection, *statements: str) -> None:
    if storage.engine == "sqlite":
        with sqlite3.connect(storage.path) as conn:
            conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
            conn.execute("DROP TRIGGER IF EXISTS audit_no_delete")
            for sql in statements:
                conn.execute(sql)
        return
    with psycopg.connect(storage.dsn, autocommit=True) as pg:
        pg.execute("ALTER TABLE audit DISABLE TRIGGER USER")
        for sql in statements:
            pg.execute(sql.encode())


def rows(storage: StorageSection) -> list[tuple[object, ...]]:
    sql = "SELECT seq, job_id, at, event, details, prev_hash, hash FROM audit ORDER BY seq"
    if storage.engine == "sqlite":
        with sqlite3.connect(storage.path) as conn:
            return list(conn.execute(sql).fetchall())
    with psycopg.connect(storage.dsn) as pg:
        return list(pg.execute(sql).fetchall())


def rewrite_from(storage: StorageSection, seq: int, new_details: str, key: bytes | None = None) -> None:
    """The strong attack: change one record and recompute every later hash and the anchor."""
    statements, prev = [], None
    for s, job_id, at, event, details, prev_hash, _ in rows(storage):
        n = int(str(s))
        if n < seq:
            prev = None
            continue
        body = new_details if n == seq else str(details)
        link = str(prev_hash) if prev is None else prev
        digest = audit.record_hash(n, None if job_id is None else str(job_id), str(at), str(event), body, link, key)
        statements.append(
            f"UPDATE audit SET details = '{body}', prev_hash = '{link}', hash = '{digest}' WHERE seq = {n}"
        )
        prev = digest
    statements.append(f"UPDATE audit_head SET hash = '{prev}' WHERE id = 1")
    tamper(storage, *statements)


def verify(storage: StorageSection, expect_head: tuple[int, str] | None = None) -> audit.AuditReport:
    s = open_store(storage)
    try:
        return s.verify_audit(expect_head)
    finally:
        s.close()


def test_intact_chain_verifies(store: SqlJobStore) -> None:
    report = store.verify_audit()
    assert report.ok and report.records == report.head_seq == 9


def test_audit_holds_no_clinical_content(store: SqlJobStore, storage: StorageSection) -> None:
    text = "\n".join(" ".join(str(v) for v in r) for r in rows(storage))
    assert MARKER not in text and "ZORT65530512" not in text
    assert '"rule_codes":["R1"]' in text


def test_unknown_detail_key_is_refused(store: SqlJobStore) -> None:
    with pytest.raises(AuditError), store.engine.transaction() as tx:
        audit.append(tx, job_id=None, event="x", details={"patient": MARKER}, at=T0, key=None)
    assert store.verify_audit().records == 9


def test_triggers_refuse_updates(store: SqlJobStore) -> None:
    with pytest.raises(StoreError), store.engine.transaction() as tx:
        tx.execute("UPDATE audit SET event = 'x' WHERE seq = 1")
    with pytest.raises(StoreError), store.engine.transaction() as tx:
        tx.execute("DELETE FROM audit WHERE seq = 9")


def test_edit_is_found(store: SqlJobStore, storage: StorageSection) -> None:
    tamper(storage, """UPDATE audit SET details = '{"to":"queued"}' WHERE seq = 3""")
    report = verify(storage)
    assert not report.ok and report.first_bad_seq == 3 and "edited" in (report.problem or "")


def test_deletion_is_found(store: SqlJobStore, storage: StorageSection) -> None:
    tamper(storage, "DELETE FROM audit WHERE seq = 4")
    report = verify(storage)
    assert not report.ok and report.first_bad_seq == 4


def test_reordering_is_found(store: SqlJobStore, storage: StorageSection) -> None:
    tamper(
        storage,
        "UPDATE audit SET seq = -1 WHERE seq = 5",
        "UPDATE audit SET seq = 5 WHERE seq = 6",
        "UPDATE audit SET seq = 6 WHERE seq = -1",
    )
    report = verify(storage)
    assert not report.ok and report.first_bad_seq == 5


def test_insertion_is_found(store: SqlJobStore, storage: StorageSection) -> None:
    # a well-formed record (correct link, correct hash) slipped in after record 2
    before = rows(storage)
    at, prev = str(before[1][2]), str(before[1][6])
    digest = audit.record_hash(3, None, at, "forged", "{}", prev, None)
    tamper(
        storage,
        "UPDATE audit SET seq = seq + 1000 WHERE seq >= 3",
        "UPDATE audit SET seq = seq - 999 WHERE seq >= 1000",
        f"INSERT INTO audit VALUES (3, NULL, '{at}', 'forged', '{{}}', '{prev}', '{digest}')",
    )
    report = verify(storage)
    assert not report.ok and report.first_bad_seq == 4


def test_truncating_the_last_records_is_found(store: SqlJobStore, storage: StorageSection) -> None:
    tamper(storage, "DELETE FROM audit WHERE seq >= 8")
    report = verify(storage)
    assert not report.ok and report.first_bad_seq == 8 and "anchor" in (report.problem or "")


def test_truncation_with_the_anchor_moved_back_needs_the_kept_head(store: SqlJobStore, storage: StorageSection) -> None:
    kept = store.verify_audit()
    eighth = rows(storage)[7]
    tamper(storage, "DELETE FROM audit WHERE seq = 9", f"UPDATE audit_head SET seq = 8, hash = '{eighth[6]}'")
    assert verify(storage).ok  # the honest limit of a keyless chain…
    report = verify(storage, (kept.head_seq, kept.head_hash))
    assert not report.ok  # …closed by the head an operator kept elsewhere


def test_consistent_rewrite_passes_without_a_key_and_fails_with_one(storage: StorageSection, tmp_path: Path) -> None:
    key_file = tmp_path / "audit.key"
    key_file.write_bytes(b"0123456789abcdef0123456789abcdef\n")
    keyed = storage.model_copy(update={"audit_key_file": key_file})
    s = open_store(keyed)
    fill(s)
    s.close()
    assert verify(keyed).ok
    assert not verify(storage).ok  # the plain-SHA verifier does not accept HMAC records either
    rewrite_from(keyed, 3, '{"to":"queued"}')  # forged with SHA-256, the attacker lacks the key
    report = verify(keyed)
    assert not report.ok and report.first_bad_seq == 3


def test_consistent_rewrite_without_a_key_is_caught_by_the_kept_head(
    store: SqlJobStore, storage: StorageSection
) -> None:
    kept = store.verify_audit()
    rewrite_from(storage, 3, '{"from":"received","to":"checked","worker":"w"}')
    report = verify(storage, (kept.head_seq, kept.head_hash))
    assert not report.ok


def test_job_row_edited_behind_the_stores_back(store: SqlJobStore, storage: StorageSection) -> None:
    job_id = store.jobs_in([S.RENDERING])[0].id
    tamper(storage, f"UPDATE jobs SET state = 'queued' WHERE id = '{job_id}'")  # a sneaky re-send
    report = verify(storage)
    assert not report.ok and job_id in (report.problem or "")


def test_job_row_deleted(store: SqlJobStore, storage: StorageSection) -> None:
    job_id = store.jobs_in([S.NOTIFIED])[0].id
    tamper(
        storage,
        *(f"DELETE FROM {table} WHERE job_id = '{job_id}'" for table in ("messages", "documents", "notices")),
        f"DELETE FROM jobs WHERE id = '{job_id}'",
    )
    assert not verify(storage).ok


def write_config(tmp_path: Path, storage: StorageSection) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\nengine = "{storage.engine}"\npath = {json.dumps(str(storage.path))}\n'
        f"dsn = {json.dumps(storage.dsn)}\n",
        encoding="utf-8",
    )
    return config


def main(argv: list[str]) -> int:
    """`ordofax audit …` through the command module itself, as gateway.cli runs it."""
    parser = argparse.ArgumentParser(prog="ordofax audit")
    audit_command.add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    return audit_command.run(args)


def test_audit_verify_command(
    store: SqlJobStore, storage: StorageSection, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(write_config(tmp_path, storage))
    assert main(["verify", "--config", config]) == 0
    out = capsys.readouterr().out
    head = out.strip().rsplit(" ", 1)[-1]
    assert out.startswith("audit trail intact: 9 records") and head.startswith("9:")
    assert main(["verify", "--config", config, "--expect-head", head]) == 0
    capsys.readouterr()
    tamper(storage, "DELETE FROM audit WHERE seq = 2")
    assert main(["verify", "--config", config, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["first_bad_seq"] == 2
    assert main(["verify", "--config", config, "--expect-head", "nonsense"]) == 2
