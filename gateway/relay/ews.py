"""On-premises Exchange delivery through Exchange Web Services, with exchangelib.

The account is built with everything explicit — `Configuration(service_endpoint=exchange.ews_url,
credentials, auth_type, version=Version(build=…))`, `autodiscover=False`, `access_type=DELEGATE` — so
creating it costs no network round trip and never depends on autodiscover DNS. The message goes out with
`Message.send_and_save()` (one `CreateItem`, `SendAndSaveCopy`, copy in Sent Items). The OME trigger and
the job reference are internet headers set as `InternetHeaders` extended properties, which Exchange writes
into the outgoing MIME; with `encryption_trigger = "subject"` the keyword goes in the subject instead.

exchangelib is synchronous (requests), so each call runs in a worker thread (`asyncio.to_thread`); one
`Account` is kept per relay. Three things it sets are process-global, which is acceptable for a gateway
that talks to one Exchange organisation:

* extended properties are registered on the `Message` class (once per header name);
* `validate_certs = false` installs `NoVerifyHTTPAdapter` as `BaseProtocol.HTTP_ADAPTER_CLS`, and
  `ca_file` installs an adapter verifying against that bundle — for every exchangelib connection;
* exchangelib caches protocol objects per endpoint and credentials.

Throttling: Exchange answers `ErrorServerBusy` with `BackOffMilliseconds`. The relay retries within the
call (like the Graph relay) while the advised wait is short, then raises `ExchangeThrottled` with
`retry_after`. Authentication failures and refusals (invalid recipient, size) are not retryable.
Exchange before 2013 cannot send attachments in one `CreateItem`; exchangelib then saves a draft, attaches
and sends — supported by exchangelib but not exercised by the stand-in.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import requests
import requests.adapters
from exchangelib import (
    BASIC,
    DELEGATE,
    DIGEST,
    NTLM,
    Account,
    Configuration,
    Credentials,
    ExtendedProperty,
    FileAttachment,
    Mailbox,
    Message,
    Version,
)
from exchangelib import errors as ews_errors
from exchangelib import version as ews_version
from exchangelib.protocol import BaseProtocol, NoVerifyHTTPAdapter

from gateway.config import ExchangeSection
from gateway.errors import ConfigError, OrdofaxError, RelayError
from gateway.relay.base import Outbound, RelayReceipt
from gateway.relay.mime_build import ExchangeMessage, ExchangeThrottled, build_exchange_message

log = logging.getLogger(__name__)

T = TypeVar("T")

BUILDS = {
    "Exchange2007": ews_version.EXCHANGE_2007,
    "Exchange2007_SP1": ews_version.EXCHANGE_2007_SP1,
    "Exchange2010": ews_version.EXCHANGE_2010,
    "Exchange2010_SP1": ews_version.EXCHANGE_2010_SP1,
    "Exchange2010_SP2": ews_version.EXCHANGE_2010_SP2,
    "Exchange2013": ews_version.EXCHANGE_2013,
    "Exchange2013_SP1": ews_version.EXCHANGE_2013_SP1,
    "Exchange2016": ews_version.EXCHANGE_2016,
    "Exchange2019": ews_version.EXCHANGE_2019,
}
AUTH_TYPES = {"NTLM": NTLM, "basic": BASIC, "digest": DIGEST}
_TRANSIENT = (  # EWS answers that a later try may not get
    ews_errors.ErrorTimeoutExpired,
    ews_errors.ErrorInternalServerTransientError,
    ews_errors.ErrorMailboxStoreUnavailable,
    ews_errors.ErrorMailboxMoveInProgress,
    ews_errors.ErrorConnectionFailed,
    ews_errors.ErrorTooManyObjectsOpened,
    ews_errors.ErrorInsufficientResources,
)
_register_lock = threading.Lock()
_header_fields: dict[str, str] = {}  # header name -> Message attribute carrying it


def _header_field(name: str) -> str:
    """The `Message` attribute for internet header `name`, registering an extended property once."""
    with _register_lock:
        attr = _header_fields.get(name)
        if attr is None:
            attr = "ordofax_header_" + name.encode().hex()
            prop = type(
                f"Header{len(_header_fields)}",
                (ExtendedProperty,),
                {
                    "distinguished_property_set_id": "InternetHeaders",
                    "property_name": name,
                    "property_type": "String",
                },
            )
            Message.register(attr, prop)
            _header_fields[name] = attr
        return attr


def _ca_adapter(ca_file: str) -> type[requests.adapters.HTTPAdapter]:
    class CaFileAdapter(requests.adapters.HTTPAdapter):
        """Verify EWS servers against the configured bundle instead of the system's."""

        def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
            super().cert_verify(conn=conn, url=url, verify=ca_file, cert=cert)

    return CaFileAdapter


def configure_tls(settings: ExchangeSection) -> None:
    """Set exchangelib's (process-global) HTTP adapter from `validate_certs` and `ca_file`."""
    if not settings.validate_certs:
        BaseProtocol.HTTP_ADAPTER_CLS = NoVerifyHTTPAdapter
    elif settings.ca_file is not None:
        BaseProtocol.HTTP_ADAPTER_CLS = _ca_adapter(str(settings.ca_file))
    else:
        BaseProtocol.HTTP_ADAPTER_CLS = requests.adapters.HTTPAdapter


def _build(settings: ExchangeSection) -> ews_version.Build:
    build = BUILDS.get(settings.ews_version)
    if build is None:
        known = ", ".join(BUILDS)
        raise ConfigError(f"key 'exchange.ews_version': unknown version {settings.ews_version!r} ({known})")
    return build


def ews_account(settings: ExchangeSection) -> Account:
    """An exchangelib Account for the shared mailbox, with no autodiscover and no network call."""
    build = _build(settings)
    configure_tls(settings)
    config = Configuration(
        service_endpoint=settings.ews_url,
        credentials=Credentials(settings.ews_username, settings.ews_password),
        auth_type=AUTH_TYPES[settings.ews_auth_type],
        version=Version(build=build),
        max_connections=4,
    )
    return Account(primary_smtp_address=settings.mailbox, config=config, autodiscover=False, access_type=DELEGATE)


def translate(exc: Exception, action: str) -> RelayError:
    """An exchangelib or requests failure as a RelayError, naming only the error class."""
    kind = exc.__class__.__name__
    if isinstance(exc, ews_errors.ErrorServerBusy):
        return ExchangeThrottled(f"EWS {action} throttled: {kind}", retry_after=exc.back_off)
    if isinstance(exc, ews_errors.UnauthorizedError):
        return RelayError(f"EWS {action} refused credentials: {kind}", retryable=False, cause="auth")
    if isinstance(exc, _TRANSIENT):
        return RelayError(f"EWS {action} failed for now: {kind}", retryable=True, cause="unreachable")
    if isinstance(exc, ews_errors.ResponseMessageError):  # the server answered and said no
        return RelayError(f"EWS {action} refused: {kind}", retryable=False, cause="refused")
    if isinstance(exc, ews_errors.TransportError | requests.RequestException | OSError):
        return RelayError(f"EWS {action} unreachable: {kind}", retryable=True, cause="unreachable")
    return RelayError(f"EWS {action} failed: {kind}", retryable=True, cause="relay")


class EwsSession:
    """One exchangelib Account used from asyncio, with bounded retries on ErrorServerBusy."""

    def __init__(self, settings: ExchangeSection, *, attempts: int = 3, max_wait_seconds: float = 10.0) -> None:
        self.settings = settings
        self._attempts = max(1, attempts)
        self._max_wait = max_wait_seconds
        self._account: Account | None = None
        self._lock = threading.Lock()
        _build(settings)  # a bad version is a configuration error at start-up, not at the first message

    def account(self) -> Account:
        with self._lock:
            if self._account is None:
                self._account = ews_account(self.settings)
            return self._account

    async def call(self, action: str, func: Callable[[Account], T]) -> T:
        """Run `func(account)` in a thread; retry short ErrorServerBusy waits; raise RelayError."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await asyncio.to_thread(lambda: func(self.account()))
            except ews_errors.ErrorServerBusy as exc:
                wait = exc.back_off
                if attempt < self._attempts and wait is not None and wait <= self._max_wait:
                    log.info("EWS %s throttled, waiting %.1f s", action, wait)
                    await asyncio.sleep(wait)
                    continue
                raise translate(exc, action) from None
            except OrdofaxError:
                raise
            except Exception as exc:
                raise translate(exc, action) from None

    async def aclose(self) -> None:
        account = self._account
        if account is not None:
            await asyncio.to_thread(account.protocol.close)


def _send(account: Account, message: ExchangeMessage) -> None:
    fields = {_header_field(name): value for name, value in message.headers.items()}
    item = Message(
        account=account,
        folder=account.sent,
        subject=message.subject,
        body=message.body_text,
        to_recipients=[Mailbox(email_address=message.to)],
        is_read_receipt_requested=message.read_receipt,
        **fields,
    )
    for attachment in message.attachments:
        item.attach(
            FileAttachment(name=attachment.filename, content=attachment.data, content_type=attachment.content_type)
        )
    item.send_and_save()


class EwsRelay:
    """Relay to on-premises Exchange: `await EwsRelay(config.exchange).deliver(outbound)`."""

    name = "ews"

    def __init__(self, settings: ExchangeSection, *, session: EwsSession | None = None) -> None:
        self.settings = settings
        self._session = session or EwsSession(settings)

    async def deliver(self, outbound: Outbound) -> RelayReceipt:
        message = build_exchange_message(outbound, self.settings)
        await self._session.call("send", lambda account: _send(account, message))
        log.info("job %s accepted by EWS", outbound.job_ref)
        return RelayReceipt(outbound.job_ref, dt.datetime.now(dt.UTC), "ews", None)

    async def aclose(self) -> None:
        await self._session.aclose()
