"""Check and render in a helper process, so that `serve` uses a second core.

Why: the check and the render are pure Python (the render is reportlab) and hold the GIL, so in threads they
compete with the event loop (SMTP in and out, Graph, the store's calls) for one core: about a third of the CPU
`serve` spends per message. Both are pure functions of the raw message and the configuration, so they can run
anywhere; the job store, the relays and every state change stay in the service process, which keeps the
exactly-once and durable-250 reasoning unchanged: a helper that dies loses only a computation, which the
service then does itself in a thread.

The helper is started with `spawn` (never `fork` from a threaded event loop), builds its own CheckContext
once, and exits on its own when the service process goes away (even after SIGKILL): nothing is left behind.
Until the helper is ready (it imports and loads for about a second) the service computes in threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from gateway.config import Config
from gateway.errors import RenderError
from gateway.models import CheckResult
from gateway.pipeline import CheckContext, check_bytes
from gateway.render import RenderedDocument, render_documents
from gateway.service import logs

_state: dict[str, object] = {}  # in the helper: "config", "ctx"


@dataclass(frozen=True, slots=True)
class Prepared:
    """A message's check, and — when asked for and the message is accepted — its rendered documents."""

    result: CheckResult
    documents: list[RenderedDocument] | None = None
    render_failed: bool = False


def prepare(raw: bytes, job_id: str, config: Config, ctx: CheckContext, *, render: bool) -> Prepared:
    """Check `raw`; render its documents too when `render` and the message is accepted. Pure."""
    result = check_bytes(raw, ctx, file=job_id)
    if not (render and result.accepted):
        return Prepared(result)
    try:
        return Prepared(result, render_documents(result, config, job_id))
    except RenderError:
        return Prepared(result, render_failed=True)


def _helper_init(config: Config, parent: int) -> None:
    _state["config"] = config
    _state["ctx"] = CheckContext.from_config(config)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _helper_prepare(raw: bytes, job_id: str, render: bool) -> Prepared:
    config, ctx = _state["config"], _state["ctx"]
    assert isinstance(config, Config) and isinstance(ctx, CheckContext)
    return prepare(raw, job_id, config, ctx, render=render)


def _ping() -> bool:
    return "ctx" in _state


class CpuHelper:
    """Runs `prepare` in helper processes once they are ready, in a thread of this process otherwise."""

    def __init__(self, config: Config, ctx: CheckContext, processes: int | None = None) -> None:
        self._config = config
        self._ctx = ctx
        count = default_processes() if processes is None else processes
        self._pool: Executor | None = None
        self._ready = False
        self._warming: asyncio.Future[bool] | None = None
        if count > 0:
            self._pool = ProcessPoolExecutor(
                count,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_helper_init,
                initargs=(config, os.getpid()),
            )

    def start(self) -> None:
        """Start the helpers warming up (without waiting for them)."""
        if self._pool is not None and self._warming is None:
            self._warming = asyncio.get_running_loop().run_in_executor(self._pool, _ping)
            self._warming.add_done_callback(self._warmed)

    @property
    def ready(self) -> bool:
        """True once the helpers take the work (until one dies)."""
        return self._ready

    def pids(self) -> list[int]:
        """The helpers' process ids (for tests and diagnostics)."""
        processes = getattr(self._pool, "_processes", None) or {}
        return sorted(int(pid) for pid in processes)

    def _warmed(self, future: asyncio.Future[bool]) -> None:
        self._ready = not future.cancelled() and future.exception() is None and bool(future.result())

    async def prepare(self, raw: bytes, job_id: str, *, render: bool) -> Prepared:
        if self._pool is not None and self._ready:
            loop = asyncio.get_running_loop()
            try:
                return await loop.run_in_executor(self._pool, _helper_prepare, raw, job_id, render)
            except BrokenProcessPool:  # a helper died: carry on in threads
                self._ready = False
                logs.event("helper_lost", job_id=job_id, level=30)
            except Exception as exc:  # anything the helper could not do (e.g. a result that does not pickle)
                logs.event("helper_failed", job_id=job_id, error=type(exc).__name__, level=30)
        return await asyncio.to_thread(prepare, raw, job_id, self._config, self._ctx, render=render)

    def close(self) -> None:
        if self._pool is not None:
            with contextlib.suppress(Exception):
                self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            self._ready = False


def default_processes() -> int:
    """One helper per core beyond the first (the service process keeps one core for its event loop)."""
    return min(2, max(0, (os.cpu_count() or 1) - 1))
