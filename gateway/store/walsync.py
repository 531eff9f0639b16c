"""Group commit for SQLite: one fsync of the write-ahead log makes every commit before it durable.

Why: with `synchronous=FULL` SQLite syncs the WAL inside every COMMIT, under the connection's lock, so every
transaction of every worker waits for the disk in turn, and most of them do not need to: a lost claim, check
or archived mark after a power cut only repeats a harmless step (see gateway.store.sqlite). The commits that
must survive one (a received message about to get its 250, a fax about to be sent, a provider notice about
to be acknowledged) wait here instead, after the lock is released: whoever arrives while a sync is running
waits for the next one, which then covers all of them. That is what FULL does, batched.

Syncing the WAL file ourselves is the same operation SQLite performs for FULL. If the WAL is gone, SQLite
checkpointed it into the database file, which it syncs before removing or truncating the log.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from gateway.errors import StoreError


class WalSync:
    """Counts commits and makes them durable in groups. Thread-safe; one per SQLite connection."""

    def __init__(self, database: Path) -> None:
        self._wal = Path(f"{database}-wal")
        self._folder = database.parent
        self._cond = threading.Condition()
        self._committed = 0
        self._synced = 0
        self._running = False
        self._folder_synced = False
        self.syncs = 0  # fsyncs done so far (each one covers a group of commits)

    def committed(self) -> int:
        """Note one commit (call right after COMMIT, still under the connection's lock); returns its number."""
        with self._cond:
            self._committed += 1
            return self._committed

    @property
    def pending(self) -> int:
        """Commits not known to be on disk yet."""
        with self._cond:
            return self._committed - self._synced

    def wait(self, seq: int | None = None) -> None:
        """Return once commit `seq` (default: every commit so far) is on disk; StoreError if the sync fails."""
        with self._cond:
            target = self._committed if seq is None else seq
            while self._synced < target:
                if self._running:
                    self._cond.wait()
                    continue
                self._run_one()

    def _run_one(self) -> None:
        """Sync once for every commit noted so far; called with the condition held, releases it meanwhile."""
        self._running = True
        covers = self._committed
        failure: OSError | None = None
        self._cond.release()
        try:
            self._fsync()
        except OSError as exc:
            failure = exc
        finally:
            self._cond.acquire()
            self._running = False
            self._cond.notify_all()
        if failure is not None:
            raise StoreError(f"sqlite store: cannot sync the write-ahead log ({failure.strerror})") from None
        self._synced = max(self._synced, covers)

    def _fsync(self) -> None:
        try:
            fd = os.open(self._wal, os.O_RDONLY)
        except FileNotFoundError:
            return  # checkpointed into the database file, which SQLite synced
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        self.syncs += 1
        if not self._folder_synced:  # the WAL's directory entry, once: a new file must survive a power cut too
            folder = os.open(self._folder, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
            self._folder_synced = True
