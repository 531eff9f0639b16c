"""The relay interface shared by the SMTP fax relay, the Graph relay and the EWS relay.

A relay hands one `Outbound` message to the next hop and returns a `RelayReceipt` once the next hop has
*accepted* it (SMTP 250 after DATA, Graph 202, EWS success). Delivery confirmation comes later, for faxes, as
a provider notice (see gateway.relay.notices). A relay raises `gateway.errors.RelayError` with `retryable`
and a `cause` ("busy", "no_answer", "unreachable", "throttled", "refused", …) when it cannot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OutboundAttachment:
    filename: str
    data: bytes
    content_type: str = "application/pdf"


@dataclass(slots=True)
class Outbound:
    """One message to send. `job_ref` goes in a header and in the subject so notices can be matched."""

    job_ref: str
    to: str  # fax: E.164 number ("+15145550150"); e-mail: the address
    subject: str
    body_text: str
    attachments: list[OutboundAttachment] = field(default_factory=list)
    encrypt: bool = False  # Office 365 Message Encryption trigger (patient e-mail)
    read_receipt: bool = False  # internal network mail
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RelayReceipt:
    job_ref: str
    accepted_at: dt.datetime
    next_hop: str  # "fax-provider", "graph", "ews"
    remote_id: str | None = None  # provider or Exchange message id, when the next hop gives one


class Relay(Protocol):
    name: str

    async def deliver(self, outbound: Outbound) -> RelayReceipt: ...

    async def aclose(self) -> None: ...
