"""Idle workers are woken one per hint, and a hint given while every worker is busy is not lost."""

from __future__ import annotations

import asyncio

from gateway.service.hints import WorkHints


async def test_one_hint_wakes_one_of_several_waiters() -> None:
    hints = WorkHints(4)
    waiters = [asyncio.create_task(hints.take(1.0)) for _ in range(3)]
    await asyncio.sleep(0)
    hints.give()
    done, pending = await asyncio.wait(waiters, timeout=0.2)
    assert len(done) == 1 and len(pending) == 2
    hints.give(2)
    assert all(await asyncio.gather(*pending))


async def test_hint_given_while_busy_is_kept_up_to_the_ceiling() -> None:
    hints = WorkHints(2)
    hints.give(5)  # nobody waiting: kept, but no more than one per worker
    assert await hints.take(0.01) is True
    assert await hints.take(0.01) is True
    assert await hints.take(0.01) is False  # the third waits out its timeout: time to poll anyway
