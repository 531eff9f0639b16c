"""PostgreSQL engine (psycopg 3): several gateway instances sharing one queue.

Workers claim with `SELECT … FOR UPDATE SKIP LOCKED`, so two instances never take the same job and never
wait on each other. Every job change locks its row first and the audit anchor second, always in that order,
so concurrent transitions serialize on the anchor without deadlocking. The connection runs in autocommit
mode with explicit transactions. The engine keeps a few connections (`storage.connections`) so that the
listener's and the workers' transactions overlap on the network instead of queueing behind one socket; a
broken connection is replaced when next taken, which matters for a service that runs for months across
database restarts.

Durability follows the SQLite engine's split (see gateway.store.sqlite): the session commits with
`synchronous_commit=off` (a database crash may lose the last fraction of a second of commits, never corrupt
anything; the gateway's own crash loses nothing), and a `durable` transaction sets it back, for itself, to the
server's level (at least `on`): it returns only once its WAL record, and every one before it, is flushed.
Every change of a job also takes the audit anchor, so commits are serial, and each one waiting for the disk
would hold up all the others.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg

from gateway.errors import StoreError
from gateway.store.migrations import CREATE_TABLE, pending

_MIGRATION_LOCK = 0x0F0F_A11  # pg_advisory_xact_lock key: one migrating instance at a time
_STRONG_LEVELS = {"on", "remote_write", "remote_apply"}  # a server level kept for durable commits; else "on"


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


def _describe(exc: psycopg.Error) -> str:
    """The primary message only: DETAIL lines may quote row values."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    return f"{exc.__class__.__name__}: {primary or 'connection problem'}"


class _PgTx:
    def __init__(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        self._conn.execute(_pg(sql), tuple(params))

    def one(self, sql: str, params: Sequence[object] = ()) -> tuple[object, ...] | None:
        return self._conn.execute(_pg(sql), tuple(params)).fetchone()

    def all(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        return self._conn.execute(_pg(sql), tuple(params)).fetchall()

    def script(self, sql: str) -> None:
        """Several statements at once, no parameters (a migration)."""
        self._conn.execute(sql.encode())


class PostgresEngine:
    name = "postgresql"
    row_lock = " FOR UPDATE"
    skip_locked = " FOR UPDATE SKIP LOCKED"
    claim_index = ""  # the planner, with autovacuum's statistics, picks jobs_claimable

    def __init__(self, dsn: str, *, connections: int = 4) -> None:
        if not dsn:
            raise StoreError("storage.dsn is empty: PostgreSQL needs a connection string")
        self._dsn = dsn
        self._size = max(1, connections)
        self._idle: queue.LifoQueue[psycopg.Connection[tuple[object, ...]]] = queue.LifoQueue()
        self._opened = 0
        self._count_lock = threading.Lock()
        self._closed = False
        self._durable_level = "on"
        self._idle.put(self._connect())
        self._opened = 1
        self._migrate()

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        try:
            conn = psycopg.connect(self._dsn, autocommit=True)
            row = conn.execute("SHOW synchronous_commit").fetchone()
            level = str(row[0]) if row else "on"
            self._durable_level = level if level in _STRONG_LEVELS else "on"
            conn.execute("SET synchronous_commit = off")
            return conn
        except psycopg.Error as exc:
            raise StoreError(f"postgresql store: cannot connect: {_describe(exc)}") from None

    def _acquire(self) -> psycopg.Connection[tuple[object, ...]]:
        """An idle connection, a new one while fewer than `connections` are open, else wait for one."""
        if self._closed:
            raise StoreError("postgresql store: closed")
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            with self._count_lock:
                grow = self._opened < self._size
                if grow:
                    self._opened += 1
            if grow:
                try:
                    return self._connect()
                except StoreError:
                    with self._count_lock:
                        self._opened -= 1
                    raise
            conn = self._idle.get()
        if conn.closed or conn.broken:  # the server restarted, or the network dropped: a fresh one
            with contextlib.suppress(psycopg.Error):
                conn.close()
            try:
                conn = self._connect()
            except StoreError:
                with self._count_lock:
                    self._opened -= 1
                raise
        return conn

    def _release(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        if self._closed:
            conn.close()
        else:
            self._idle.put(conn)

    def _migrate(self) -> None:
        with self.transaction() as tx:
            tx.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            tx.execute(CREATE_TABLE)
            applied = {int(str(r[0])) for r in tx.all("SELECT version FROM schema_migrations")}
            for migration in pending(applied):
                tx.script(migration.postgresql)
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, now()::text)",
                    (migration.version, migration.name),
                )

    @contextmanager
    def transaction(self, *, readonly: bool = False, durable: bool = False) -> Iterator[_PgTx]:
        conn = self._acquire()
        try:
            with conn.transaction():
                if readonly:
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                elif durable:
                    conn.execute(f"SET LOCAL synchronous_commit = {self._durable_level}")
                yield _PgTx(conn)
        except psycopg.Error as exc:
            raise StoreError(f"postgresql store: {_describe(exc)}") from None
        finally:
            self._release(conn)

    def sync(self) -> None:
        """Flush every commit so far: a durable commit record (txid_current() makes one) flushes all before it."""
        with self.transaction(durable=True) as tx:
            tx.execute("SELECT txid_current()")

    def after_purge(self) -> None:
        """Nothing to do online: dead tuples stay in the data files until VACUUM reuses the space."""

    def close(self) -> None:
        """Close the idle connections now, the busy ones as their transaction ends."""
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
