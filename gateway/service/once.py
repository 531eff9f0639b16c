"""Exchange mail sent exactly once even when the gateway dies mid-send: the archives copy and the e-mail
routes (patient, network address).

Why: a job records a send only after Exchange accepted it; a crash between the two would otherwise send it
again. With Graph the message is sent in two steps — create a draft, then `POST …/send` — and the draft's
id is written (fsync) to a small intent file under `storage.data_dir/intents` before the send. A worker that
finds the intent file sends that same draft again: if Exchange already sent it the draft no longer exists
(404 ErrorItemNotFound) and the message counts as sent. Without an intent file nothing can have been sent
(a crash before it was written leaves at most an unsent draft in the mailbox's Drafts folder), so an
interrupted e-mail route can be retried at once instead of waiting for a confirmation deadline.

An intent file holds the job id, a key and the draft id only. With EWS (or attachments too large to create
inline) the message goes in one call, and a crash between Exchange's acceptance and the record can repeat it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from pathlib import Path
from urllib.parse import quote

from gateway.config import Config
from gateway.errors import RelayError
from gateway.relay.base import Outbound, Relay
from gateway.relay.graph import INLINE_LIMIT, GraphClient, message_body
from gateway.relay.mime_build import build_exchange_message

INTENTS = "intents"


class ExchangeOnce:
    """Sends through Graph drafts with an intent file, or through the plain Exchange relay."""

    def __init__(self, config: Config, relay: Relay) -> None:
        self._config = config
        self._relay = relay
        self._folder = config.storage.data_dir / INTENTS
        self._graph = GraphClient(config.exchange) if config.exchange.backend == "graph" else None

    async def aclose(self) -> None:
        if self._graph is not None:
            await self._graph.aclose()

    @property
    def exactly_once(self) -> bool:
        """True when an interrupted send can be resumed without a duplicate (the Graph back-end)."""
        return self._graph is not None

    def _intent(self, job_id: str, key: str) -> Path:
        return self._folder / f"{job_id}.{key}.intent"

    async def send(self, job_id: str, key: str, outbound: Outbound) -> None:
        """Send `outbound` for the job once under `key` ("route", "archives-0"…). Raises RelayError."""
        size = sum(len(a.data) for a in outbound.attachments)
        if self._graph is None or size > INLINE_LIMIT:
            await self._relay.deliver(outbound)
            return
        graph = self._graph
        base = graph.mailbox_path
        intent = self._intent(job_id, key)
        draft_id = await asyncio.to_thread(_read_intent, intent)
        if not draft_id:
            message = build_exchange_message(outbound, self._config.exchange)
            body = message_body(message, message.attachments, send=False)
            response = await graph.request("POST", graph.endpoint("/messages"), body=body)
            draft_id = str(response.json()["id"])
            await asyncio.to_thread(_write_durably, intent, draft_id)  # fsync: off the event loop
        try:
            await graph.request("POST", f"{base}/messages/{quote(draft_id, safe='')}/send")
        except RelayError as exc:
            if "404" not in str(exc) and "ErrorItemNotFound" not in str(exc):
                raise
            # already sent before a crash: the draft became a sent item

    async def done(self, job_id: str) -> None:
        """Forget the intents of a job whose sends are recorded."""
        await asyncio.to_thread(self._forget, job_id)

    def _forget(self, job_id: str) -> None:
        try:
            names = os.listdir(self._folder)
        except OSError:
            return
        for name in filter(functools.partial(_is_intent_of, job_id), names):
            with contextlib.suppress(OSError):
                (self._folder / name).unlink()


def _is_intent_of(job_id: str, name: str) -> bool:
    """`name` matches `{job_id}.*.intent` (a glob would compile that pattern anew for every job)."""
    return name.startswith(f"{job_id}.") and name.endswith(".intent") and len(name) >= len(job_id) + 8


def _read_intent(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return ""


def _write_durably(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="ascii") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
