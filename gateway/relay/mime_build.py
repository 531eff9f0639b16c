"""What the Graph relay and the EWS relay build the same way, so the two back-ends cannot drift apart.

`build_exchange_message` turns an `Outbound` into the back-end-neutral `ExchangeMessage`: the job header,
the Office 365 Message Encryption trigger (an `X-` internet header by default, or a subject keyword, as the
tenant's mail-flow rule expects — see docs/exchange.md) and the read-receipt flag. Both back-ends can only
set custom internet headers whose names start with `X-` (Graph refuses others outright), so other headers
in `Outbound.headers` are dropped with a log line naming only the header.

It also holds the errors both back-ends raise: `ExchangeThrottled` is a retryable `RelayError` carrying the
server's `retry_after` advice in seconds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from gateway.config import ExchangeSection
from gateway.errors import RelayError
from gateway.relay.base import Outbound, OutboundAttachment, Relay

log = logging.getLogger(__name__)

JOB_HEADER = "X-Ordofax-Job"


class ExchangeThrottled(RelayError):
    """Exchange asked us to slow down (Graph 429/503, EWS ErrorServerBusy). Always retryable."""

    def __init__(self, message: str, *, retry_after: float | None, cause: str = "throttled") -> None:
        super().__init__(message, retryable=True, cause=cause)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class ExchangeMessage:
    """One message as both Exchange back-ends send it."""

    job_ref: str
    to: str
    subject: str
    body_text: str
    headers: dict[str, str]
    read_receipt: bool
    attachments: tuple[OutboundAttachment, ...]


def encrypted_subject(subject: str, keyword: str) -> str:
    """The subject with the OME keyword in front, added once."""
    return subject if keyword in subject else f"{keyword} {subject}"


def build_exchange_message(outbound: Outbound, settings: ExchangeSection) -> ExchangeMessage:
    """Apply the job header, the encryption trigger and the read-receipt request to `outbound`."""
    headers: dict[str, str] = {}
    for name, value in outbound.headers.items():
        if name.lower().startswith("x-"):
            headers[name] = value
        else:
            log.warning("job %s: header %s dropped, Exchange only sets X- headers", outbound.job_ref, name)
    headers[JOB_HEADER] = outbound.job_ref
    subject = outbound.subject
    if outbound.encrypt:
        if settings.encryption_trigger == "header":
            headers[settings.encryption_header] = "true"
        else:
            subject = encrypted_subject(subject, settings.encryption_subject_keyword)
    return ExchangeMessage(
        job_ref=outbound.job_ref,
        to=outbound.to,
        subject=subject,
        body_text=outbound.body_text,
        headers=headers,
        read_receipt=outbound.read_receipt,
        attachments=tuple(outbound.attachments),
    )


def exchange_relay(settings: ExchangeSection) -> Relay:
    """The relay `settings.backend` names: `GraphRelay` (default) or `EwsRelay`."""
    if settings.backend == "ews":
        from gateway.relay.ews import EwsRelay

        return EwsRelay(settings)
    from gateway.relay.graph import GraphRelay

    return GraphRelay(settings)
