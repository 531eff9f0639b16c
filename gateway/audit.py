"""The audit trail: an append-only, hash-chained record of every state change, without clinical content.

Each record is (seq, job_id, at, event, details, prev_hash, hash) with

    hash = SHA-256(prev_hash || canonical JSON of {seq, job_id, at, event, details})

or HMAC-SHA256 under a key when `storage.audit_key_file` is set. `verify` walks the chain from the genesis
value and reports the first record that does not follow: an edited record breaks its own hash, a deleted,
inserted or moved record breaks its successor's `prev_hash` or the `seq` sequence. Deleting the *last*
records leaves a valid but shorter chain, so a one-row anchor table `audit_head` (count and last hash) is
updated in the same transaction as every append; verify compares the chain's end with it.

Threat model, honestly: without a key, someone who can write to the database can rewrite the whole chain and
the anchor consistently — the chain then only catches accidental damage and naive edits. With a key file the
database alone is not enough to forge records. Either way, an operator who copies the head printed by
`ordofax audit verify` somewhere else (ticket, syslog) can later prove the chain still contains it
(`--expect-head SEQ:HASH`). Triggers refuse UPDATE and DELETE on the table, which stops mistakes, not an
administrator.

Details are restricted to a fixed set of keys carrying state names, causes, counts, digests and rule codes;
an unknown key is refused, so clinical text cannot slip in by accident.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from gateway.errors import AuditError

GENESIS = "0" * 64

DetailValue = str | int | bool | None | list[str]

ALLOWED_DETAIL_KEYS = frozenset(
    {
        "from",
        "to",
        "worker",
        "cause",
        "tries",
        "retryable",
        "next_attempt_at",
        "notice_deadline",
        "remote_id",
        "route",
        "destination_kind",
        "document",
        "page_count",
        "rule_codes",
        "message_sha256",
        "message_size",
        "document_sha256",
        "reason",
        "notice",
    }
)


class SqlRunner(Protocol):
    """What `append` and `verify` need from a transaction: the store's `Tx` satisfies it."""

    def execute(self, sql: str, params: Sequence[object] = ()) -> None: ...

    def one(self, sql: str, params: Sequence[object] = ()) -> tuple[object, ...] | None: ...

    def all(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]: ...


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    job_id: str | None
    at: str
    event: str
    details: str  # canonical JSON, exactly as hashed
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class AuditReport:
    ok: bool
    records: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "records": self.records,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
        }


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(
    seq: int, job_id: str | None, at: str, event: str, details: str, prev_hash: str, key: bytes | None
) -> str:
    body = canonical({"seq": seq, "job_id": job_id, "at": at, "event": event, "details": details})
    data = (prev_hash + body).encode("utf-8")
    if key is not None:
        return hmac.new(key, data, hashlib.sha256).hexdigest()
    return hashlib.sha256(data).hexdigest()


def _clean_details(details: Mapping[str, DetailValue]) -> str:
    unknown = set(details) - ALLOWED_DETAIL_KEYS
    if unknown:
        raise AuditError(f"audit details may not carry keys {sorted(unknown)}")
    return canonical({k: v for k, v in details.items() if v is not None})


def iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def append(
    tx: SqlRunner,
    *,
    job_id: str | None,
    event: str,
    details: Mapping[str, DetailValue],
    at: dt.datetime,
    key: bytes | None,
    lock_suffix: str = "",
) -> int:
    """Append one record inside the caller's transaction; returns its seq. Moves the anchor with it."""
    head = tx.one(f"SELECT seq, hash FROM audit_head WHERE id = 1{lock_suffix}")
    if head is None:
        raise AuditError("audit anchor row is missing")
    seq = int(str(head[0])) + 1
    prev = str(head[1])
    when = iso(at)
    body = _clean_details(details)
    digest = record_hash(seq, job_id, when, event, body, prev, key)
    tx.execute(
        "INSERT INTO audit (seq, job_id, at, event, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (seq, job_id, when, event, body, prev, digest),
    )
    tx.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, digest))
    return seq


def _rows(tx: SqlRunner, after: int, batch: int) -> list[AuditRecord]:
    rows = tx.all(
        "SELECT seq, job_id, at, event, details, prev_hash, hash FROM audit "
        "WHERE seq > ? ORDER BY seq LIMIT ?",
        (after, batch),
    )
    return [
        AuditRecord(
            int(str(r[0])),
            None if r[1] is None else str(r[1]),
            str(r[2]),
            str(r[3]),
            str(r[4]),
            str(r[5]),
            str(r[6]),
        )
        for r in rows
    ]


def _check(record: AuditRecord, expected_seq: int, prev: str, key: bytes | None) -> str | None:
    if record.seq != expected_seq:
        return f"expected record {expected_seq}, found {record.seq} (deleted or inserted records)"
    if record.prev_hash != prev:
        return "previous-hash link broken (record deleted, inserted or moved)"
    computed = record_hash(
        record.seq, record.job_id, record.at, record.event, record.details, record.prev_hash, key
    )
    if not hmac.compare_digest(computed, record.hash):
        return "record content does not match its hash (edited)"
    return None


def verify(
    tx: SqlRunner,
    key: bytes | None,
    *,
    expect_head: tuple[int, str] | None = None,
    observer: Callable[[AuditRecord], None] | None = None,
    batch: int = 5000,
) -> AuditReport:
    """Walk the whole chain; report the first record that breaks it, or the anchor mismatch."""
    head = tx.one("SELECT seq, hash FROM audit_head WHERE id = 1")
    if head is None:
        return AuditReport(False, 0, 0, "", None, "audit anchor row is missing")
    head_seq, head_hash = int(str(head[0])), str(head[1])
    prev, count, last_seq = GENESIS, 0, 0
    witness_seen = expect_head is None
    while records := _rows(tx, last_seq, batch):
        for record in records:
            problem = _check(record, count + 1, prev, key)
            if problem is not None:
                return AuditReport(False, count, head_seq, head_hash, count + 1, problem)
            if expect_head is not None and record.seq == expect_head[0]:
                if record.hash != expect_head[1]:
                    return AuditReport(
                        False, count, head_seq, head_hash, record.seq, "record differs from the kept head"
                    )
                witness_seen = True
            if observer is not None:
                observer(record)
            prev, count = record.hash, count + 1
        last_seq = records[-1].seq
    if count != head_seq or prev != head_hash:
        problem = f"chain ends at record {count} but the anchor says {head_seq} (records removed or added)"
        return AuditReport(False, count, head_seq, head_hash, min(count, head_seq) + 1, problem)
    if not witness_seen:
        problem = "the externally kept head is not in the chain"
        return AuditReport(False, count, head_seq, head_hash, None, problem)
    return AuditReport(True, count, head_seq, head_hash)
