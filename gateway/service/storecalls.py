"""How the service's event loop calls the (synchronous) job store.

Why not always `asyncio.to_thread`: a job makes about ten short store calls, and on SQLite each is a few
hundred microseconds of work, while handing it to a thread and back costs about as much again, plus the
contention for the GIL between the loop and the pool's threads (measured: about a quarter of the service's
CPU per message). So on SQLite the calls run inline, on the loop's thread, where they are cheapest; the only
slow part, waiting for a durable commit's disk sync, is deferred (`gateway.store.sqlite.deferred_syncs`) and
awaited in a thread, so the loop never blocks on the disk. On PostgreSQL every call is a network round trip
and runs in a thread, as before.

Inline is safe because the service is SQLite's only writer (several instances need PostgreSQL): a write
never waits for another process, and the sweeper's heavy reads use the engine's separate reader connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from gateway.store import JobStore, SqlJobStore
from gateway.store.sqlite import SqliteEngine, deferred_syncs

T = TypeVar("T")


class StoreCalls:
    """`await calls(store.method, *args, **kwargs)`: the method's result, once durable where it asks to be."""

    def __init__(self, store: JobStore) -> None:
        engine = store.engine if isinstance(store, SqlJobStore) else None
        self._sqlite = engine if isinstance(engine, SqliteEngine) else None

    @property
    def inline(self) -> bool:
        return self._sqlite is not None

    async def __call__(self, func: Callable[..., T], /, *args: object, **kwargs: object) -> T:
        if self._sqlite is None:
            return await asyncio.to_thread(func, *args, **kwargs)
        with deferred_syncs() as pending:
            result = func(*args, **kwargs)
        if pending:
            await asyncio.to_thread(self._sqlite.wait_synced, max(pending))
        return result
