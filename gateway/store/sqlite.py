"""SQLite engine: the embedded default, one file in WAL mode.

Durability: `synchronous=NORMAL` plus group commit. In WAL mode NORMAL never corrupts the database but may
lose the last commits on a power cut (never on a crash of the process: they are in the OS already). The
transactions whose loss would matter ask for `durable=True`: the received message (the SMTP listener answers
250 once `receive` has returned), the mark that a fax is being sent (or a power cut could send it twice) and
an acknowledged provider notice. They return only once the WAL is synced, and one sync serves every commit
waiting for it (gateway.store.walsync): FULL's guarantee where it is needed, without making every claim and
every state change wait for the disk in turn. Losing a later lazy commit repeats a step that is safe to
repeat (a check, a render, a claim), and any durable commit or checkpoint makes the earlier ones durable.
`secure_delete=ON` zeroes freed content so a purge leaves no clinical bytes in the file, and `after_purge`
truncates the WAL, which otherwise still holds old page images.

Every write transaction starts with BEGIN IMMEDIATE, so two processes (or threads) serialize on the write
lock up front instead of failing mid-transaction on a lock upgrade; claim_next relies on this. Read-only
transactions use a second connection (WAL readers never wait for the writer), so a long read — the status
counts, an audit verification — never holds up a state change.

A caller that cannot block for a disk sync (the service's event loop, which runs these short transactions
inline) wraps its calls in `deferred_syncs()`: durable commits then note what they wait for instead of
waiting, and the caller awaits `wait_synced` elsewhere before acting on them.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from gateway.errors import StoreError
from gateway.store.base import Tx
from gateway.store.migrations import CREATE_TABLE, pending
from gateway.store.walsync import WalSync

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA secure_delete=ON",
    "PRAGMA busy_timeout=30000",
)


_DEFERRED: ContextVar[list[int] | None] = ContextVar("ordofax_sqlite_deferred_syncs", default=None)


@contextmanager
def deferred_syncs() -> Iterator[list[int]]:
    """Within this block, durable commits do not wait for the disk: their commit numbers are collected in
    the list yielded, for `SqliteEngine.wait_synced(max(...))` before anything depends on them."""
    pending: list[int] = []
    token = _DEFERRED.set(pending)
    try:
        yield pending
    finally:
        _DEFERRED.reset(token)


class _SqliteTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        self._conn.execute(sql, tuple(params))

    def one(self, sql: str, params: Sequence[object] = ()) -> tuple[object, ...] | None:
        row: tuple[object, ...] | None = self._conn.execute(sql, tuple(params)).fetchone()
        return row

    def all(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        return list(self._conn.execute(sql, tuple(params)).fetchall())


class SqliteEngine:
    name = "sqlite"
    row_lock = ""
    skip_locked = ""
    claim_index = " INDEXED BY jobs_claimable"  # without statistics the planner would sort every candidate

    def __init__(self, path: Path, *, create: bool = True) -> None:
        if not create and not path.exists():
            raise StoreError(f"no job store at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._read_lock = threading.Lock()
        self.wal = WalSync(path)
        try:
            self._conn = self._connect()
            self._migrate()
            self._reader = self._connect()
        except sqlite3.Error as exc:
            raise StoreError(f"sqlite store {path}: {exc}") from None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        for pragma in _PRAGMAS:
            conn.execute(pragma)
        conn.execute("PRAGMA wal_autocheckpoint=10000")  # a backstop (40 MB): the sweeper's sync() checkpoints
        return conn

    def _applied(self) -> set[int]:
        return {int(r[0]) for r in self._conn.execute("SELECT version FROM schema_migrations")}

    def _migrate(self) -> None:
        self._conn.execute(CREATE_TABLE)
        for migration in pending(self._applied()):
            stamp = dt.datetime.now(dt.UTC).isoformat()
            script = (
                f"BEGIN IMMEDIATE;\n{migration.sqlite};\n"
                f"INSERT INTO schema_migrations (version, name, applied_at) "
                f"VALUES ({migration.version}, '{migration.name}', '{stamp}');\nCOMMIT;"
            )
            try:
                self._conn.executescript(script)
            except sqlite3.Error:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                if migration.version not in self._applied():  # not another process winning the race
                    raise

    @contextmanager
    def transaction(self, *, readonly: bool = False, durable: bool = False) -> Iterator[Tx]:
        if readonly:
            with self._read_lock:
                yield from self._run(self._reader, "BEGIN")
            return
        with self._lock:
            yield from self._run(self._conn, "BEGIN IMMEDIATE")
            seq = self.wal.committed()
        if durable:
            deferred = _DEFERRED.get()
            if deferred is not None:
                deferred.append(seq)
            else:
                self.wal.wait(seq)  # outside the lock: other transactions go on while the disk syncs

    @staticmethod
    def _run(conn: sqlite3.Connection, begin: str) -> Iterator[Tx]:
        try:
            conn.execute(begin)
        except sqlite3.Error as exc:
            raise StoreError(f"sqlite store: cannot begin: {exc}") from None
        try:
            yield _SqliteTx(conn)
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise StoreError(f"sqlite store: {exc}") from None
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreError(f"sqlite store: commit failed: {exc}") from None

    def wait_synced(self, seq: int) -> None:
        """Block until commit `seq` (from `deferred_syncs`) is on disk."""
        self.wal.wait(seq)

    def sync(self) -> None:
        """Make every commit so far durable, then copy the log into the database file as far as no reader
        needs it (PASSIVE: never waits, never holds up the writer). The service does this every sweep, so
        SQLite's automatic checkpoint, which runs inside a commit (on the event loop), is left as a backstop."""
        self.wal.wait()
        with self._read_lock:
            self._reader.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def after_purge(self) -> None:
        """Copy the WAL into the file and truncate it, so old page images of purged rows go away."""
        with self._lock:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        with self._read_lock:
            self._reader.close()
        with self._lock:
            self._conn.close()
