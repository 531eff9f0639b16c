"""Exchange mail sent exactly once even when the gateway dies mid-send: the archives copy and the e-mail
routes (patient, network address).

Why: a job records a send only after Exchange accepted it; a crash between the two would otherwise send it
again. With Graph the message is sent in two steps — create a draft, then `POST …/send` — and the draft's
id is noted in the job store (a durable commit: `record_exchange_intent`) before the send. A worker that
finds the intent sends that same draft again: if Exchange already sent it the draft no longer exists
(404 ErrorItemNotFound) and the message counts as sent. Without an intent nothing can have been sent (a
crash before it was noted leaves at most an unsent draft in the mailbox's Drafts folder), so an interrupted
e-mail route can be retried at once instead of waiting for a confirmation deadline. The store forgets the
intents in the same transaction as the state change that records the send.

An intent holds the job id, a key and the draft id only. With EWS (or attachments too large to create
inline) the message goes in one call, and a crash between Exchange's acceptance and the record can repeat it.
"""

from __future__ import annotations

from urllib.parse import quote

from gateway.config import Config
from gateway.errors import RelayError
from gateway.relay.base import Outbound, Relay
from gateway.relay.graph import INLINE_LIMIT, GraphClient, message_body
from gateway.relay.mime_build import build_exchange_message
from gateway.service.storecalls import StoreCalls
from gateway.store import JobStore


class ExchangeOnce:
    """Sends through Graph drafts with an intent noted in the store, or through the plain Exchange relay."""

    def __init__(self, config: Config, relay: Relay, store: JobStore, calls: StoreCalls | None = None) -> None:
        self._config = config
        self._relay = relay
        self._store = store
        self._calls = calls or StoreCalls(store)
        self._graph = GraphClient(config.exchange) if config.exchange.backend == "graph" else None

    async def aclose(self) -> None:
        if self._graph is not None:
            await self._graph.aclose()

    @property
    def exactly_once(self) -> bool:
        """True when an interrupted send can be resumed without a duplicate (the Graph back-end)."""
        return self._graph is not None

    async def send(self, job_id: str, key: str, outbound: Outbound) -> None:
        """Send `outbound` for the job once under `key` ("route", "archives-0"…). Raises RelayError."""
        size = sum(len(a.data) for a in outbound.attachments)
        if self._graph is None or size > INLINE_LIMIT:
            await self._relay.deliver(outbound)
            return
        graph = self._graph
        draft_id = await self._calls(self._store.exchange_intent, job_id, key)
        if not draft_id:
            message = build_exchange_message(outbound, self._config.exchange)
            body = message_body(message, message.attachments, send=False)
            response = await graph.request("POST", graph.endpoint("/messages"), body=body)
            draft_id = str(response.json()["id"])
            await self._calls(self._store.record_exchange_intent, job_id, key, draft_id)
        try:
            await graph.request("POST", f"{graph.mailbox_path}/messages/{quote(draft_id, safe='')}/send")
        except RelayError as exc:
            if "404" not in str(exc) and "ErrorItemNotFound" not in str(exc):
                raise
            # already sent before a crash: the draft became a sent item
