"""The gateway service: listener, workers, sweeper and metrics around one job store.

`Service(config).start()` opens the store, takes back what this instance held when it last stopped (a job it
was relaying is put in doubt — it waits for the provider's notice or its deadline, never a blind resend — and
its other jobs are released), binds the SMTP listener and starts `operations.workers` workers plus a sweeper
that every `operations.sweep_seconds` reconciles dead workers' jobs, closes confirmation deadlines, purges
what is due, raises alerts for jobs pending past `retention.pending_alert_after_seconds` and refreshes the
gauges. `stop()` is the graceful shutdown: stop accepting, let in-flight SMTP transactions and jobs finish
(bounded), hand back what is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import socket
from collections import OrderedDict

from gateway.config import Config
from gateway.errors import RelayError, StoreError
from gateway.mailbox import Mailbox, open_mailbox
from gateway.models import Route
from gateway.pipeline import CheckContext
from gateway.relay.mime_build import exchange_relay
from gateway.relay.smtp_fax import SmtpFaxRelay
from gateway.service import logs
from gateway.service.cpu import CpuHelper
from gateway.service.hints import WorkHints
from gateway.service.listener import InboundHandler, start_listener
from gateway.service.metrics import Metrics
from gateway.service.once import ExchangeOnce
from gateway.service.processor import Deps, Processor
from gateway.service.storecalls import StoreCalls
from gateway.store import CLAIMABLE, JobState, JobStore, open_store

S = JobState
IDLE_POLL_SECONDS = 0.5


class Service:
    """One gateway instance. Use `await start()` / `await stop()`, or `async with`."""

    def __init__(self, config: Config, *, store: JobStore | None = None) -> None:
        self.config = config
        self.instance = config.operations.instance_id or socket.gethostname() or f"pid{os.getpid()}"
        self.metrics = Metrics()
        self._store = store
        self._own_store = store is None
        self._hints = WorkHints(config.operations.workers)
        self._stopping = asyncio.Event()
        self._sweep_now = asyncio.Event()
        self._workers: list[asyncio.Task[None]] = []
        self._sweeper: asyncio.Task[None] | None = None
        self._poller: asyncio.Task[None] | None = None
        self._server: asyncio.Server | None = None
        self._handler: InboundHandler | None = None
        self._deps: Deps | None = None
        self._alerted: set[str] = set()
        self.listener_port = 0
        self.metrics_port = 0

    @property
    def store(self) -> JobStore:
        assert self._store is not None, "service not started"
        return self._store

    def wake(self, count: int = 1) -> None:
        """Tell `count` idle workers there may be work (a new job, a notice that closed one)."""
        self._hints.give(count)

    async def start(self) -> Service:
        """Open, recover, bind and start; on any failure undo what was started and re-raise."""
        try:
            return await self._start()
        except BaseException:
            await self.stop(grace_seconds=1.0)
            raise

    async def _start(self) -> Service:
        config = self.config
        if self._store is None:
            self._store = await asyncio.to_thread(open_store, config.storage, config.retry)
        await self._recover()
        ctx = await asyncio.to_thread(CheckContext.from_config, config)
        exchange = exchange_relay(config.exchange)
        calls = StoreCalls(self.store)
        self._deps = Deps(
            config=config,
            store=self.store,
            ctx=ctx,
            fax=SmtpFaxRelay(config.provider),
            exchange=exchange,
            metrics=self.metrics,
            wake=self.wake,
            cache=OrderedDict(),
            once=ExchangeOnce(config, exchange, self.store, calls),
            cpu=CpuHelper(config, ctx),
            calls=calls,
        )
        self._deps.cpu.start()
        self._handler = InboundHandler(
            config, self.store, self.metrics, self.wake, hand_over=self._deps.hand_over, calls=self._deps.calls
        )
        self._server = await start_listener(config, self._handler)
        self.listener_port = int(self._server.sockets[0].getsockname()[1])
        ops = config.operations
        if ops.metrics:
            self.metrics_port = await asyncio.to_thread(self.metrics.serve, ops.metrics_host, ops.metrics_port)
        self._workers = [
            asyncio.create_task(self._work(f"{self.instance}:{n}"), name=f"worker-{n}") for n in range(ops.workers)
        ]
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="sweeper")
        if ops.mailbox_poll_seconds > 0:
            self._poller = asyncio.create_task(self._poll_mailbox_forever(), name="mailbox")
        logs.event(
            "started",
            port=self.listener_port,
            host=config.listener.host,
            engine=config.storage.engine,
            workers=ops.workers,
            instance=self.instance,
        )
        return self

    async def __aenter__(self) -> Service:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- start-up recovery

    async def _recover(self) -> None:
        """Take back this instance's jobs from its previous run, then reconcile other dead workers' jobs."""
        store = self.store
        prefix = f"{self.instance}:"
        held = await asyncio.to_thread(store.jobs_in, sorted(CLAIMABLE | {S.SENDING}))
        in_doubt = released = 0
        for job in held:
            owner = job.lease_owner
            if owner is None or not owner.startswith(prefix):
                continue
            if job.state is S.SENDING:
                await asyncio.to_thread(store.transition, job.id, S.AWAITING_NOTICE, worker_id=owner)
                logs.event("in_doubt", job_id=job.id, reason="restart", level=30)
                in_doubt += 1
            else:
                await asyncio.to_thread(store.release, job.id, owner)
                released += 1
        moved = await asyncio.to_thread(store.reconcile)
        logs.event("recovered", count=in_doubt + released + len(moved), reason="restart")

    # --- workers

    async def _work(self, worker_id: str) -> None:
        assert self._deps is not None
        processor = Processor(self._deps, worker_id)
        while not self._stopping.is_set():
            try:
                job = await self._deps.calls(self.store.claim_next, worker_id)
            except Exception as exc:
                logs.event("claim_failed", error=type(exc).__name__, level=40)
                job = None
            if job is None:
                await self._hints.take(IDLE_POLL_SECONDS)
                continue
            await processor.handle(job)

    # --- shared mailbox (deployments without a connector)

    async def _poll_mailbox_forever(self) -> None:
        ops = self.config.operations
        mailbox = open_mailbox(self.config.exchange, ops.mailbox_folder)
        try:
            while not self._stopping.is_set():
                try:
                    await self.poll_mailbox(mailbox)
                except (RelayError, StoreError) as exc:
                    logs.event("mailbox_failed", error=type(exc).__name__, cause=getattr(exc, "cause", None), level=30)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), ops.mailbox_poll_seconds)
        finally:
            await mailbox.aclose()

    async def poll_mailbox(self, mailbox: Mailbox) -> int:
        """Take every unread message: store it (or apply it, for a notice), then mark it read and file it.
        A crash in between reads it again, which the Message-ID makes harmless. Returns the count taken."""
        assert self._handler is not None
        taken = 0
        for item in await mailbox.list_unread():
            if self._stopping.is_set():
                break
            raw = await mailbox.fetch_mime(item.id)
            await self._handler.take(raw, item.sender)
            await mailbox.mark_read(item.id)
            await mailbox.move(item.id, self.config.operations.mailbox_done_folder)
            taken += 1
        return taken

    # --- sweeper

    async def _sweep_forever(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.sweep()
            except Exception as exc:
                logs.event("sweep_failed", error=type(exc).__name__, level=40)
            self._sweep_now.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sweep_now.wait(), self.config.operations.sweep_seconds)

    async def sweep(self) -> None:
        """One round of the periodic duties."""
        store = self.store
        await asyncio.to_thread(store.sync)  # what the workers committed lazily since the last round
        moved = await asyncio.to_thread(store.reconcile)
        moved += await self._close_unconfirmed()
        purged = await asyncio.to_thread(store.purge_due, self.config.retention.rejected_purge_after_seconds)
        if purged:
            self.metrics.purged.inc(len(purged))
            for job_id in purged:
                if self._deps is not None:
                    self._deps.forget(job_id)
                logs.event("purged", job_id=job_id)
        if moved:
            self.wake(len(moved))
        await self._alerts_and_gauges()

    async def _close_unconfirmed(self) -> list[str]:
        """Fax jobs whose provider notice did not come by the deadline are retried (or failed); e-mail jobs
        accepted by Exchange whose delivery was not yet recorded (a crash in between) are delivered; e-mail
        jobs in doubt are retried at once when Exchange sends are exactly-once (see gateway.service.once)."""
        store = self.store
        now = dt.datetime.now(dt.UTC)
        moved = []
        exactly_once = self._deps is not None and self._deps.once.exactly_once
        for job in await asyncio.to_thread(store.jobs_in, [S.SENT_UNCONFIRMED, S.AWAITING_NOTICE]):
            email = job.route is not None and job.route != Route.FAX.value
            try:
                if job.state is S.AWAITING_NOTICE:
                    if not (email and exactly_once):
                        continue  # the store's reconcile closes it at its deadline
                    await asyncio.to_thread(
                        store.record_failure, job.id, worker_id=None, cause="in_doubt", retryable=True,
                        retry_after=0,
                    )  # fmt: skip
                    logs.event("in_doubt_resumed", job_id=job.id, route=job.route)
                elif email:
                    await asyncio.to_thread(store.transition, job.id, S.DELIVERED, worker_id=None)
                elif job.notice_deadline is not None and job.notice_deadline < now:
                    await asyncio.to_thread(
                        store.record_failure, job.id, worker_id=None, cause="no_notice", retryable=True,
                        retry_after=0,
                    )  # fmt: skip
                    logs.event("notice_overdue", job_id=job.id, level=30)
                else:
                    continue
            except Exception as exc:  # moved by a notice meanwhile
                logs.event("sweep_skip", job_id=job.id, error=type(exc).__name__, level=10)
                continue
            moved.append(job.id)
        return moved

    async def _alerts_and_gauges(self) -> None:
        retention = self.config.retention
        status = await asyncio.to_thread(self.store.status, overdue_after_seconds=retention.pending_alert_after_seconds)
        m = self.metrics
        m.pending.set(status.open_jobs)
        m.oldest.set(status.oldest_open.age_seconds if status.oldest_open else 0)
        m.overdue.set(len(status.overdue))
        m.in_doubt.set(status.in_doubt)
        for state, count in status.counts.items():
            m.by_state.labels(state).set(count)
        current = {o.job_id for o in status.overdue}
        for overdue in status.overdue:
            if overdue.job_id not in self._alerted:
                m.alerts.inc()
                logs.event("alert_pending", job_id=overdue.job_id, state=overdue.state.value,
                           age_seconds=round(overdue.age_seconds), level=30)  # fmt: skip
        self._alerted = current

    # --- shutdown

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop accepting, finish in-flight work within `grace_seconds`, hand back the rest, close."""
        if self._handler is not None:
            self._handler.accepting = False
        if self._server is not None:
            self._server.close()
        if self._handler is not None:
            await self._handler.drained(grace_seconds)
        self._stopping.set()
        self._sweep_now.set()
        self.wake(len(self._workers))
        tasks = [*self._workers, *(t for t in (self._sweeper, self._poller) if t is not None)]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace_seconds)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5)
        self._workers, self._sweeper, self._poller = [], None, None
        if self._deps is not None:
            for relay in (self._deps.fax, self._deps.exchange, self._deps.once):
                with contextlib.suppress(Exception):
                    await relay.aclose()
            self._deps.cpu.close()
        self.metrics.stop()
        if self._store is not None and self._own_store:
            await asyncio.to_thread(self._store.close)
            self._store = None
        logs.event("stopped")
