"""One job's way through the gateway, one state at a time, as the worker that holds its lease.

Each step reads what it needs from the store, does one thing (check, render, relay, archive, notify) and
records the result with one store call, so a crash between steps leaves the job in a state from which any
worker can carry on. Steps that talk to the outside world record their outcome before anything else:

    received/checked → accepted | rejected
    accepted → rendering → queued (documents stored)
    queued/retry_wait → sending → sent_unconfirmed (fax: wait for the provider's notice; e-mail: delivered)
    delivered → archives copy → archived → confirmation to the sender → notified
    rejected → rejection notice → notified
    failed → failure notice → notified

The sweeper (gateway.service.app) purges notified jobs in batches: delivered and failed ones at its next
round, rejected ones after retention.rejected_purge_after_seconds (one WAL truncation per batch, not per job).

The check is pure, so it is recomputed from the stored raw message whenever a later step needs its findings
or addresses (after a restart, or on another worker); a small per-process cache saves the work otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from gateway.config import Config
from gateway.errors import RelayError, RenderError
from gateway.models import CheckResult, Route, Severity
from gateway.notify import NoticeContext, NoticeText, confirmation_text, failure_text, rejection_text
from gateway.outbound import archives_outbounds, email_outbound, route_outbounds
from gateway.pipeline import CheckContext
from gateway.relay.base import Outbound, Relay
from gateway.relay.mime_build import ExchangeThrottled
from gateway.render import RenderedDocument, render_documents
from gateway.service import logs
from gateway.service.cpu import CpuHelper, Prepared
from gateway.service.metrics import Metrics
from gateway.service.once import ExchangeOnce
from gateway.service.storecalls import StoreCalls
from gateway.store import Job, JobState, JobStore, JobUpdate, LeaseLost, NewDocument, StoredDocument

S = JobState
T = TypeVar("T")
NOTICE_HEADER = "X-Ordofax-Notice"
_CACHE_SIZE = 512
_RENDERED_SIZE = 64
_HANDOVER_MAX_BYTES = 1 << 20  # larger messages are read back from the store (bounded memory)
_ROUTE_ROLE = {
    Route.FAX: "fax",
    Route.EMAIL_INTERNAL: "email",
    Route.EMAIL_ENCRYPTED: "email",
    Route.ARCHIVES: "archives",
}


@dataclass(slots=True)
class Deps:
    """What every worker shares: configuration, store, check context, relays, metrics, the wake-up call."""

    config: Config
    store: JobStore
    ctx: CheckContext
    fax: Relay
    exchange: Relay
    metrics: Metrics
    wake: Callable[[], None]
    cache: OrderedDict[str, CheckResult]
    once: ExchangeOnce  # exactly-once Exchange sends (archives copies, e-mail routes)
    cpu: CpuHelper  # check and render off the event loop's core
    calls: StoreCalls  # store calls from the event loop
    rendered: OrderedDict[str, Prepared] = field(default_factory=OrderedDict)  # rendered at check, not stored yet
    inbox: OrderedDict[str, bytes] = field(default_factory=OrderedDict)  # just received here: no read-back
    documents: OrderedDict[str, list[StoredDocument]] = field(default_factory=OrderedDict)  # as stored

    def hand_over(self, job_id: str, raw: bytes) -> None:
        """The listener's copy of a message it has just stored, so the worker need not read it back."""
        if len(raw) <= _HANDOVER_MAX_BYTES:
            _remember(self.inbox, job_id, raw, _RENDERED_SIZE)

    def forget(self, job_id: str) -> None:
        """Drop everything held in memory for a job (it is purged, or finished here)."""
        for cache in (self.cache, self.rendered, self.inbox, self.documents):
            cache.pop(job_id, None)


def _remember(cache: OrderedDict[str, T], key: str, value: T, size: int) -> None:
    cache[key] = value
    while len(cache) > size:
        cache.popitem(last=False)


def _queued_update(documents: list[RenderedDocument]) -> JobUpdate:
    """The rendered documents to store (the copies that differ from the first only) and the page count."""
    first = documents[0]
    stored = [NewDocument(first.purpose, first.data, first.pages)]
    stored += [NewDocument(d.purpose, d.data, d.pages) for d in documents[1:] if d.data != first.data]
    return JobUpdate(page_count=first.pages, documents=stored)


class StepDeferred(Exception):
    """A step could not finish now (a relay refused for a while); the job is handed back with a delay."""

    def __init__(self, delay: float, cause: str) -> None:
        super().__init__(cause)
        self.delay = delay
        self.cause = cause


class Processor:
    """Carries one claimed job as far as it can go, then lets go of it."""

    def __init__(self, deps: Deps, worker_id: str) -> None:
        self.d = deps
        self.worker_id = worker_id
        self._steps: dict[JobState, Callable[[Job], Awaitable[Job]]] = {
            S.RECEIVED: self._check,
            S.CHECKED: self._check,
            S.ACCEPTED: self._start_rendering,
            S.RENDERING: self._render,
            S.QUEUED: self._send,
            S.RETRY_WAIT: self._send,
            S.DELIVERED: self._archive,
            S.ARCHIVED: self._confirm,
            S.REJECTED: self._reject,
            S.FAILED: self._fail,
        }

    async def _db(self, func: Callable[..., T], *args: object, **kwargs: object) -> T:
        return await self.d.calls(func, *args, **kwargs)

    async def handle(self, job: Job) -> None:
        """Run steps while this worker holds the lease; hand the job back on a deferral or an error."""
        try:
            while job.lease_owner == self.worker_id and job.state in self._steps:
                job = await self._steps[job.state](job)
        except StepDeferred as deferred:
            logs.event("deferred", job_id=job.id, state=job.state.value, cause=deferred.cause, seconds=deferred.delay)
            await self._release(job, deferred.delay)
        except LeaseLost:
            logs.event("lease_lost", job_id=job.id, state=job.state.value, level=30)
        except asyncio.CancelledError:
            if job.state is not S.SENDING:
                await asyncio.shield(self._release(job, 0))
            raise
        except Exception as exc:  # a bug or an unexpected failure: never lose the job, try again later
            logs.event("step_error", job_id=job.id, state=job.state.value, error=type(exc).__name__, level=40)
            await self._release(job, 60.0)

    async def _release(self, job: Job, delay: float) -> None:
        try:
            await self._db(self.d.store.release, job.id, self.worker_id, delay_seconds=delay)
        except Exception as exc:  # the lease will expire on its own
            logs.event("release_failed", job_id=job.id, error=type(exc).__name__, level=30)

    def _moved(self, job: Job) -> Job:
        self.d.metrics.transitions.labels(job.state.value).inc()
        return job

    async def _result(self, job: Job) -> CheckResult:
        cached = self.d.cache.get(job.id)
        if cached is not None:
            return cached
        return (await self._prepare(job, render=False)).result

    async def _prepare(self, job: Job, *, render: bool) -> Prepared:
        """Check the stored message again (and render it, when asked and accepted); remember both."""
        raw = self.d.inbox.pop(job.id, None)
        if raw is None:
            raw = await self._db(self.d.store.raw_message, job.id)
        prepared = await self.d.cpu.prepare(raw, job.id, render=render)
        _remember(self.d.cache, job.id, prepared.result, _CACHE_SIZE)
        if prepared.documents is not None or prepared.render_failed:
            _remember(self.d.rendered, job.id, prepared, _RENDERED_SIZE)
        return prepared

    # --- check and render

    async def _check(self, job: Job) -> Job:
        self.d.cache.pop(job.id, None)
        self.d.rendered.pop(job.id, None)
        prepared = await self._prepare(job, render=True)  # rendered now too: one hop to the helper
        result = prepared.result
        codes = [f.code for f in result.findings]
        for finding in result.findings:
            self.d.metrics.findings.labels(finding.code, finding.severity.value).inc()
        dest = result.destination
        kind = dest.directory_entry.kind if dest.directory_entry else None
        if kind is None and result.route is not None:
            kind = {Route.FAX: "fax_unlisted", Route.EMAIL_INTERNAL: "network", Route.EMAIL_ENCRYPTED: "patient",
                    Route.ARCHIVES: "archives"}[result.route]  # fmt: skip
        update = JobUpdate(
            route=result.route.value if result.route else None,
            destination_kind=kind,
            document=result.document.value,
            rule_codes=codes,
            destination=dest.fax if result.route is Route.FAX else dest.address,
        )
        queued = _queued_update(prepared.documents) if prepared.documents else None
        job = await self._db(
            self.d.store.record_check,
            job.id,
            worker_id=self.worker_id,
            accepted=result.accepted,
            update=update,
            queued=queued,  # accepted and rendered: on to queued in the same transaction
        )
        if job.state is S.QUEUED and queued is not None:
            self.d.rendered.pop(job.id, None)
            self._keep_documents(job.id, queued)
            for state in (S.ACCEPTED, S.RENDERING):
                self.d.metrics.transitions.labels(state.value).inc()
        logs.event("checked", job_id=job.id, codes=codes, state=S.ACCEPTED.value if queued else job.state.value,
                   route=job.route)  # fmt: skip
        if queued is not None and job.state is S.QUEUED:
            logs.event("rendered", job_id=job.id, pages=queued.page_count)
        return self._moved(job)

    async def _start_rendering(self, job: Job) -> Job:
        return self._moved(await self._db(self.d.store.transition, job.id, S.RENDERING, worker_id=self.worker_id))

    async def _render(self, job: Job) -> Job:
        prepared = self.d.rendered.pop(job.id, None) or await self._prepare(job, render=True)
        self.d.rendered.pop(job.id, None)
        documents = prepared.documents
        if documents is None and not prepared.render_failed:  # the check no longer accepts it: render anyway
            with contextlib.suppress(RenderError):
                documents = await asyncio.to_thread(render_documents, prepared.result, self.d.config, job.id)
        if not documents:
            logs.event("render_failed", job_id=job.id, level=40)
            job = await self._db(
                self.d.store.record_failure, job.id, worker_id=self.worker_id, cause="render", retryable=False
            )
            return self._moved(job)
        update = _queued_update(documents)
        job = await self._db(self.d.store.transition, job.id, S.QUEUED, worker_id=self.worker_id, update=update)
        self._keep_documents(job.id, update)
        logs.event("rendered", job_id=job.id, pages=update.page_count)
        return self._moved(job)

    def _keep_documents(self, job_id: str, update: JobUpdate) -> None:
        """The documents just stored, as `documents()` would read them back (before any other)."""
        kept = [
            StoredDocument(idx, d.role, "", d.pages, len(d.data), d.data) for idx, d in enumerate(update.documents, 1)
        ]
        _remember(self.d.documents, job_id, kept, _RENDERED_SIZE)

    async def _documents(self, job: Job) -> list[StoredDocument]:
        kept = self.d.documents.get(job.id)
        return kept if kept is not None else await self._db(self.d.store.documents, job.id)

    # --- relay on the route

    @staticmethod
    def _document(documents: list[StoredDocument], role: str) -> StoredDocument:
        chosen = next((d for d in documents if d.role == role), documents[0] if documents else None)
        if chosen is None or chosen.data is None:
            raise RenderError("no stored document to send")
        return chosen

    def _route_outbound(self, job: Job, result: CheckResult, doc: StoredDocument) -> tuple[Relay, list[Outbound]]:
        assert doc.data is not None
        config = self.d.config
        outbounds = route_outbounds(result, job.id, doc.data, config)
        if not outbounds and result.route is not Route.ARCHIVES:  # no usable destination: Exchange refuses it
            outbounds = [email_outbound(result, job.id, doc.data, config, to=result.destination.address or "")]
        return (self.d.fax if result.route is Route.FAX and result.destination.fax else self.d.exchange), outbounds

    async def _send(self, job: Job) -> Job:
        result = await self._result(job)
        route = result.route or Route.FAX
        doc = self._document(await self._documents(job), _ROUTE_ROLE[route])
        relay, outbounds = self._route_outbound(job, result, doc)
        job = self._moved(await self._db(self.d.store.transition, job.id, S.SENDING, worker_id=self.worker_id))
        remote_id: str | None = None
        try:
            for index, outbound in enumerate(outbounds):
                if route is Route.FAX:
                    receipt = await relay.deliver(outbound)
                    remote_id = remote_id or receipt.remote_id
                else:
                    key = f"archives-{index}" if route is Route.ARCHIVES else "route"
                    await self.d.once.send(job.id, key, outbound)
        except RelayError as exc:
            return await self._relay_failed(job, relay, exc)
        self.d.metrics.relays.labels(relay.name, route.value, "accepted").inc()
        elapsed = (dt.datetime.now(dt.UTC) - job.received_at).total_seconds()
        self.d.metrics.latency.labels(route.value).observe(max(0.0, elapsed))
        job = await self._db(
            self.d.store.transition,
            job.id,
            S.SENT_UNCONFIRMED,
            worker_id=self.worker_id,
            update=JobUpdate(remote_id=remote_id),
        )
        logs.event("relayed", job_id=job.id, route=route.value, state=job.state.value, tries=job.tries)
        self._moved(job)
        if route is not Route.FAX and job.state is S.SENT_UNCONFIRMED:  # Exchange's acceptance confirms e-mail
            job = self._moved(await self._db(self.d.store.transition, job.id, S.DELIVERED, worker_id=None))
        if job.state is not S.SENT_UNCONFIRMED:
            self.d.wake()
        return job

    async def _relay_failed(self, job: Job, relay: Relay, exc: RelayError) -> Job:
        cause = exc.cause or "other"
        if exc.in_doubt and job.route == Route.FAX.value:
            # the provider may have the fax: wait for its notice (or the deadline) instead of faxing it twice
            job = await self._db(self.d.store.transition, job.id, S.AWAITING_NOTICE, worker_id=self.worker_id)
            logs.event("relay_in_doubt", job_id=job.id, cause=cause, state=job.state.value, level=30)
            return self._moved(job)
        self.d.metrics.relays.labels(relay.name, job.route or "none", "failed").inc()
        self.d.metrics.relay_failures.labels(relay.name, cause).inc()
        retry_after = exc.retry_after if isinstance(exc, ExchangeThrottled) else None
        job = await self._db(
            self.d.store.record_failure,
            job.id,
            worker_id=self.worker_id,
            cause=cause,
            retryable=exc.retryable,
            retry_after=retry_after,
        )
        logs.event("relay_failed", job_id=job.id, cause=cause, retryable=exc.retryable, state=job.state.value,
                   tries=job.tries, level=30)  # fmt: skip
        return self._moved(job)

    # --- after delivery

    async def _send_notice(self, job: Job, outbound: Outbound, kind: str) -> None:
        """Send a sender notice through Exchange. A passing failure defers the job; a permanent one (an
        address Exchange refuses) is logged and given up, so the job can still be purged."""
        purpose = f"notice_{kind}"
        try:
            await self.d.exchange.deliver(outbound)
        except RelayError as exc:
            cause = exc.cause or "other"
            self.d.metrics.relays.labels(self.d.exchange.name, purpose, "failed").inc()
            self.d.metrics.relay_failures.labels(self.d.exchange.name, cause).inc()
            if not exc.retryable:
                logs.event("notice_undeliverable", job_id=job.id, kind=kind, cause=cause, level=30)
                return
            retry_after = exc.retry_after if isinstance(exc, ExchangeThrottled) else None
            raise StepDeferred(retry_after if retry_after is not None else 30.0, cause) from None
        self.d.metrics.relays.labels(self.d.exchange.name, purpose, "accepted").inc()

    async def _archive_copy(self, job_id: str, index: int, outbound: Outbound) -> None:
        try:
            await self.d.once.send(job_id, f"archives-{index}", outbound)
        except RelayError as exc:
            cause = exc.cause or "other"
            self.d.metrics.relays.labels(self.d.exchange.name, "archives", "failed").inc()
            self.d.metrics.relay_failures.labels(self.d.exchange.name, cause).inc()
            retry_after = exc.retry_after if isinstance(exc, ExchangeThrottled) else None
            raise StepDeferred(retry_after if retry_after is not None else 30.0, cause) from None
        self.d.metrics.relays.labels(self.d.exchange.name, "archives", "accepted").inc()

    async def _archive(self, job: Job) -> Job:
        result = await self._result(job)
        if result.route is not Route.ARCHIVES:  # on the archives route the delivery was the copy
            doc = self._document(await self._documents(job), "archives")
            assert doc.data is not None
            outbounds = archives_outbounds(result, job.id, doc.data, self.d.config)
            for index, outbound in enumerate(outbounds):
                await self._archive_copy(job.id, index, outbound)
        job = await self._db(self.d.store.transition, job.id, S.ARCHIVED, worker_id=self.worker_id)
        self.d.documents.pop(job.id, None)
        logs.event("archived", job_id=job.id)
        return self._moved(job)

    def _network_address(self, address: str) -> bool:
        domain = address.rpartition("@")[2].strip().lower()
        return any(domain == d or domain.endswith("." + d) for d in self.d.config.gateway.secure_domains)

    def _notice_ctx(self, job: Job, result: CheckResult) -> NoticeContext | None:
        """Who is told: the From address, only when it is a network (secure domain) address — prescribers
        write from the network; a notice to anyone else would be backscatter to a forged sender."""
        to = result.message.from_address or job.sender
        if not to or not self._network_address(to):
            return None
        return NoticeContext(
            to=to,
            job_ref=job.id,
            file_number=result.extracted.patient.file_number,
            in_reply_to=result.message.message_id,
        )

    async def _notify(self, job: Job, ctx: NoticeContext | None, message: NoticeText | None, kind: str) -> Job:
        if ctx is None or message is None:
            logs.event("notice_skipped", job_id=job.id, reason="no_network_sender", level=30)
        else:
            outbound = Outbound(job.id, ctx.to, message.subject, message.body, headers={NOTICE_HEADER: kind})
            await self._send_notice(job, outbound, kind)
        job = self._moved(await self._db(self.d.store.transition, job.id, S.NOTIFIED, worker_id=self.worker_id))
        logs.event("sender_notified", job_id=job.id, kind=kind, outcome=job.outcome.value if job.outcome else None)
        if job.outcome is not None:
            self.d.metrics.outcomes.labels(job.outcome.value, job.route or "none").inc()
        return job

    def _destination_label(self, job: Job, result: CheckResult) -> str:
        if result.route is Route.FAX and result.destination.fax:
            entry = result.destination.directory_entry
            return f"{result.destination.fax} ({entry.name})" if entry else result.destination.fax
        if result.route is Route.ARCHIVES:
            return "archives"
        return result.destination.address or "—"

    async def _confirm(self, job: Job) -> Job:
        result = await self._result(job)
        ctx = self._notice_ctx(job, result)
        message = None
        if ctx is not None:
            message = confirmation_text(
                self.d.config,
                ctx,
                destination=self._destination_label(job, result),
                pages=job.page_count,
                completed_at=dt.datetime.now(dt.UTC),
                warnings=[f for f in result.findings if f.severity is Severity.WARNING],
            )
        return await self._notify(job, ctx, message, "confirmation")  # the sweeper purges it next

    async def _reject(self, job: Job) -> Job:
        result = await self._result(job)
        ctx = self._notice_ctx(job, result)
        message = None
        if ctx is not None:
            message = rejection_text(self.d.config, ctx, findings=result.findings, received_at=job.received_at)
        return await self._notify(job, ctx, message, "rejection")

    async def _fail(self, job: Job) -> Job:
        result = await self._result(job)
        ctx = self._notice_ctx(job, result)
        message = None
        if ctx is not None:
            message = failure_text(
                self.d.config,
                ctx,
                destination=self._destination_label(job, result),
                cause=job.last_cause or "other",
                reason=None,
                tries=job.tries,
            )
        return await self._notify(job, ctx, message, "failure")  # the sweeper purges it next
