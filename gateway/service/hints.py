"""Waking idle workers one at a time.

Why: every woken worker runs `claim_next`, a write transaction. Waking all of them for each new message or
notice (one event shared by every worker) made most claims come back empty: eight workers, two wake-ups per
job, up to sixteen claims for one job's worth of work. A hint wakes one waiting worker, or — when none is
waiting, because all are busy and will claim again anyway — is kept for later, up to one per worker.
"""

from __future__ import annotations

import asyncio
from collections import deque


class WorkHints:
    """A counting wake-up with a ceiling; for one event loop."""

    def __init__(self, ceiling: int) -> None:
        self._ceiling = max(1, ceiling)
        self._kept = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    def give(self, count: int = 1) -> None:
        """There may be work for `count` more workers."""
        for _ in range(count):
            while self._waiters:
                waiter = self._waiters.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    break
            else:
                self._kept = min(self._ceiling, self._kept + 1)

    async def take(self, timeout: float) -> bool:
        """Wait for a hint, at most `timeout` seconds; False when none came (time to poll anyway)."""
        if self._kept:
            self._kept -= 1
            return True
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
