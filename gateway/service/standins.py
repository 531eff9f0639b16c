"""Stand-in servers for the demo, the tests and the benchmark, and the config that points the service at them.

The fake fax provider runs on the caller's event loop; the Graph (or EWS) stand-in on its own thread. What
they *received* is the truth the demo reports: `outcome_of(job_id)` reads the provider's jobs and the
Exchange stand-in's recorded messages, never the gateway's own records.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import aiosmtplib

from fakes.ews import FakeEws
from fakes.fax_provider import FakeFaxProvider, ReceivedFax
from fakes.graph import FakeGraph
from gateway.config import Config, ExchangeSection, OperationsSection, ProviderSection, StorageSection
from gateway.outbound import ARCHIVES_SUBJECT
from gateway.relay.mime_build import JOB_HEADER
from gateway.service.app import Service
from gateway.service.processor import NOTICE_HEADER
from gateway.store import JobNotFound, JobState

FINAL = frozenset({JobState.NOTIFIED, JobState.PURGED})
_QUEUED_AS = re.compile(r"queued as (\S+)")


@dataclass(frozen=True, slots=True)
class Received:
    """What the stand-ins hold for one job reference."""

    faxes: list[ReceivedFax]
    routed_mail: list[tuple[str, bool]]  # (to, encrypted) for the route's e-mail
    archived: int  # archives copies received
    notices: list[str]  # sender notice kinds received


class QueuingFaxProvider(FakeFaxProvider):
    """The fake provider, but a notice it cannot deliver (the gateway is down or restarting) is tried again
    for up to two minutes, as a real provider's mail queue does."""

    async def _deliver(self, notice: bytes) -> bool:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if await super()._deliver(notice):
                return True
            await asyncio.sleep(0.1)
        return False


class StandIns:
    """Fake provider + Graph (or EWS) on free loopback ports. `async with StandIns(config) as s: ...`.

    `queuing_notices=True` uses `QueuingFaxProvider` (notices retried while the gateway is down)."""

    def __init__(
        self, config: Config, *, provider_options: dict[str, Any] | None = None, queuing_notices: bool = False
    ) -> None:
        self.config = config
        self.backend = config.exchange.backend
        domain = config.provider.address_template.rpartition("@")[2]
        options: dict[str, Any] = {
            "domain": domain if domain and "{" not in domain else None,
            "notice_to": config.provider.notice_address,
            "notify_host": config.listener.host if config.listener.host not in ("", "0.0.0.0") else "127.0.0.1",
        }
        options.update(provider_options or {})
        self.provider = (QueuingFaxProvider if queuing_notices else FakeFaxProvider)(**options)
        self.graph: FakeGraph | None = None
        self.ews: FakeEws | None = None

    async def __aenter__(self) -> StandIns:
        await self.provider.start()
        if self.backend == "ews":
            self.ews = await asyncio.to_thread(lambda: FakeEws(mailbox=self.config.exchange.mailbox).start())
        else:
            self.graph = await asyncio.to_thread(lambda: FakeGraph().start())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.provider.stop()
        if self.graph is not None:
            await asyncio.to_thread(self.graph.stop)
        if self.ews is not None:
            await asyncio.to_thread(self.ews.stop)

    def notify_service(self, listener_port: int) -> None:
        """Point the provider's notices at the service's listener (known once it is bound)."""
        self.provider.notify_port = listener_port

    def configure(self, config: Config, data_dir: Path, **operations: Any) -> Config:
        """`config` pointed at these stand-ins, a store in `data_dir`, the listener on a free port."""
        exchange: dict[str, Any] = self.graph.exchange_settings() if self.graph else {}
        if self.ews is not None:
            exchange = self.ews.exchange_settings()
        exchange = {k: v for k, v in exchange.items() if v is not None}
        ops = {"metrics": False, "metrics_port": 0, **operations}
        return config.model_copy(
            update={
                "listener": config.listener.model_copy(update={"host": "127.0.0.1", "port": 0}),
                "provider": ProviderSection.model_validate(
                    {
                        **config.provider.model_dump(),
                        "host": "127.0.0.1",
                        "port": self.provider.port,
                        "tls": "none",
                        "username": None,
                        "password": None,
                    }
                ),
                "exchange": ExchangeSection.model_validate({**config.exchange.model_dump(), **exchange}),
                "storage": StorageSection.model_validate(
                    {**config.storage.model_dump(), "path": data_dir / "ordofax.sqlite3", "data_dir": data_dir / "data"}
                )
                if config.storage.engine == "sqlite"
                else config.storage.model_copy(update={"data_dir": data_dir / "data"}),
                "operations": OperationsSection.model_validate({**config.operations.model_dump(), **ops}),
            }
        )

    # --- what was received

    def _exchange_messages(self) -> list[tuple[list[str], str, dict[str, str]]]:
        if self.graph is not None:
            return [(m.to, m.subject, m.headers) for m in list(self.graph.sent)]
        if self.ews is not None:
            return [(m.to, m.subject, m.headers) for m in list(self.ews.sent)]
        return []

    def received(self, job_ref: str) -> Received:
        faxes = [j for j in list(self.provider.jobs) if j.job_ref == job_ref]
        archives = {a.lower() for a in self.config.gateway.archives}
        exchange = self.config.exchange
        routed: list[tuple[str, bool]] = []
        archived = 0
        notices: list[str] = []
        for to, subject, headers in self._exchange_messages():
            if _header(headers, JOB_HEADER) != job_ref:
                continue
            kind = _header(headers, NOTICE_HEADER)
            if kind:
                notices.append(kind)
            elif subject.startswith(ARCHIVES_SUBJECT.split("{", 1)[0]) and {t.lower() for t in to} <= archives:
                archived += 1
            else:
                encrypted = (_header(headers, exchange.encryption_header) or "").lower() == "true" or (
                    exchange.encryption_subject_keyword in subject
                )
                routed.extend((t, encrypted) for t in to)
        return Received(faxes, routed, archived, notices)


def _header(headers: dict[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


@asynccontextmanager
async def running_gateway(
    config: Config,
    data_dir: Path,
    *,
    provider_options: dict[str, Any] | None = None,
    queuing_notices: bool = False,
    **overrides: Any,
) -> AsyncIterator[tuple[StandIns, Service]]:
    """Stand-ins plus a service pointed at them. `overrides` replace whole config sections (e.g. `retry=`)."""
    async with StandIns(config, provider_options=provider_options, queuing_notices=queuing_notices) as standins:
        service_config = standins.configure(config, data_dir)
        if overrides:
            service_config = service_config.model_copy(update=overrides)
        async with Service(service_config) as service:
            standins.notify_service(service.listener_port)
            yield standins, service


def envelope_of(raw: bytes, fallback_domain: str) -> tuple[str, list[str]]:
    """The envelope a connector would use for a message: From, and To + Cc."""
    headers = BytesHeaderParser().parsebytes(raw)
    sender = next((a for _, a in getaddresses(headers.get_all("From", []))), "") or "demo@ssss.gouv.qc.ca"
    recipients = [a for _, a in getaddresses(headers.get_all("To", []) + headers.get_all("Cc", [])) if "@" in a]
    return sender, recipients or [f"demo@{fallback_domain}"]


async def submit(port: int, raw: bytes, *, fax_domain: str, host: str = "127.0.0.1") -> str | None:
    """Hand one message to a listener as a connector would; the job id from the 250, None when refused."""
    sender, recipients = envelope_of(raw, fax_domain)
    try:
        _errors, reply = await aiosmtplib.send(
            raw, sender=sender, recipients=recipients, hostname=host, port=port, timeout=30
        )
    except aiosmtplib.SMTPException:
        return None
    match = _QUEUED_AS.search(reply)
    return match.group(1) if match else None


def job_state(service: Service, job_id: str) -> JobState | None:
    try:
        return service.store.get(job_id).state
    except JobNotFound:
        return None


async def wait_final(service: Service, job_ids: list[str], timeout: float) -> bool:
    """Wait until every job is finished for its sender (notified or purged); False on time-out."""
    deadline = time.monotonic() + timeout
    while True:
        states = [await asyncio.to_thread(job_state, service, j) for j in job_ids]
        if all(s in FINAL for s in states):
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string is a JSON string


def write_config(path: Path, sections: dict[str, dict[str, Any]]) -> Path:
    """Write a TOML configuration (for a `serve` subprocess); None values are left out."""
    lines: list[str] = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {_toml_value(v)}" for key, v in values.items() if v is not None]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def serve_sections(config: Config, standins: StandIns, data_dir: Path, listener_port: int) -> dict[str, dict[str, Any]]:
    """The TOML sections of a `serve` process pointed at `standins` (what `configure` does in-process)."""
    in_process = standins.configure(config, data_dir)
    g = in_process.gateway
    return {
        "gateway": {
            "fax_domain": g.fax_domain,
            "secure_domains": g.secure_domains,
            "archives": g.archives,
            "directory": g.directory,
            "registered_senders": g.registered_senders,
            "trusted_authserv_ids": g.trusted_authserv_ids,
        },
        "listener": {"host": "127.0.0.1", "port": listener_port},
        "provider": {
            "host": "127.0.0.1",
            "port": standins.provider.port,
            "notice_address": config.provider.notice_address,
        },
        "exchange": {k: v for k, v in in_process.exchange.model_dump().items() if v is not None},
        "storage": {k: v for k, v in in_process.storage.model_dump().items() if v is not None},
        "operations": {"metrics": False, "log_file": data_dir / "serve.log", "instance_id": "serve"},
    }
