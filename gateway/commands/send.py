"""`ordofax send --config FILE MESSAGE.eml` — one message through the whole path, in the foreground.

For the IT staff setting up a provider account or an Exchange application, and for the demo: check the
message, render its form, hand it to the one relay its route allows (the fax provider for `fax`, Exchange for
the e-mail routes), send the archives their copy through Exchange, then — for a fax — wait for the provider's
notice, with a progress line at each step. It tries once: a retryable failure is reported with the delay the
service would wait before trying again. Nothing is stored: the rendered PDFs live in memory only. Output names
the job reference, numbers, addresses and page counts, never patient details.

Fax notices are received on a temporary SMTP receiver bound to `--notice-host`/`--notice-port` (by default the
configured listener address, where the provider's notices arrive), accepting only `provider.notice_address`.

Exit status: 0 when every delivery succeeded (and the provider confirmed the fax), 1 when the message was
rejected or any delivery failed or was not confirmed in time, 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from gateway.config import Config, default_config, load_config
from gateway.errors import RelayError, RenderError
from gateway.models import CheckResult, Route, Severity
from gateway.outbound import archives_outbounds, email_outbound, fax_outbound
from gateway.pipeline import CheckContext, check_bytes
from gateway.relay.base import Outbound, Relay, RelayReceipt
from gateway.relay.notices import NoticeInbox, ProviderNotice
from gateway.relay.smtp_fax import SmtpFaxRelay
from gateway.render import RenderedDocument, job_ref_for, render_documents
from gateway.report import text_report

HELP = "Check, render and send one message (fax with the provider's notice, e-mail, archives copy)."

PROGRESS_EVERY_SECONDS = 5.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML configuration file (default: the bundled demo)")
    parser.add_argument(
        "--wait",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="how long to wait for the fax provider's notice (default 120; 0: do not wait)",
    )
    parser.add_argument("--no-archives", action="store_true", help="do not send the archives their copy")
    parser.add_argument("--notice-host", help="address to receive fax notices on (default: listener.host)")
    parser.add_argument("--notice-port", type=int, help="port to receive fax notices on (default: listener.port)")
    parser.add_argument("message", type=Path, metavar="MESSAGE.eml")


def say(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message to hand over: `via` is "fax" (the provider) or "exchange"."""

    label: str  # what the progress lines call it: "fax", "e-mail", "archives copy"
    via: str
    outbound: Outbound
    shown_to: str  # the destination as progress lines show it (a patient's address masked)


@dataclass(slots=True)
class _Plan:
    config: Config
    job_ref: str
    deliveries: list[Delivery]
    wait_seconds: float
    notice_host: str
    notice_port: int
    fax_number: str | None = None
    failures: list[str] = field(default_factory=list)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config) if args.config else default_config()
    try:
        raw = args.message.read_bytes()
    except OSError as exc:
        print(f"ordofax: cannot read {args.message}: {exc.strerror or exc.__class__.__name__}", file=sys.stderr)
        return 2
    result = check_bytes(raw, CheckContext.from_config(config), file=str(args.message))
    if not result.accepted:
        say("rejected — nothing sent")
        print(text_report(result))
        return 1
    job_ref = job_ref_for(result.message.message_id, raw)
    try:
        documents = render_documents(result, config, job_ref)
    except RenderError as exc:
        say(f"cannot render: {exc}")
        return 1
    _describe(result, job_ref, documents)
    deliveries = plan_deliveries(result, documents, job_ref, config, archives=not args.no_archives)
    if args.no_archives:
        say("archives copy skipped (--no-archives)")
    plan = _Plan(
        config=config,
        job_ref=job_ref,
        deliveries=deliveries,
        wait_seconds=args.wait,
        notice_host=args.notice_host or config.listener.host,
        notice_port=args.notice_port if args.notice_port is not None else config.listener.port,
        fax_number=result.destination.fax if result.route is Route.FAX else None,
    )
    return asyncio.run(_send(plan))


# --- what goes where --------------------------------------------------------------------------------------


def plan_deliveries(
    result: CheckResult, documents: list[RenderedDocument], job_ref: str, config: Config, *, archives: bool
) -> list[Delivery]:
    """The route's delivery first, then one archives copy per archives address (worded as the service words
    them: gateway.outbound)."""
    by_purpose = {d.purpose: d for d in documents}
    deliveries: list[Delivery] = []
    route, dest = result.route, result.destination
    if route is Route.FAX and dest.fax and "fax" in by_purpose:
        fax = fax_outbound(result, job_ref, by_purpose["fax"].data, number=dest.fax)
        deliveries.append(Delivery("fax", "fax", fax, show_number(dest.fax)))
    elif route in (Route.EMAIL_INTERNAL, Route.EMAIL_ENCRYPTED) and dest.address and "email" in by_purpose:
        outbound = email_outbound(result, job_ref, by_purpose["email"].data, config, to=dest.address)
        deliveries.append(Delivery("e-mail", "exchange", outbound, show_address(dest.address, route)))
    if archives and "archives" in by_purpose:
        copies = archives_outbounds(result, job_ref, by_purpose["archives"].data, config)
        deliveries += [Delivery("archives copy", "exchange", copy, copy.to) for copy in copies]
    return deliveries


def show_number(e164: str) -> str:
    """+18195550190 → +1 819-555-0190, as people write it."""
    d = e164.removeprefix("+1")
    return f"+1 {d[:3]}-{d[3:6]}-{d[6:]}" if len(d) == 10 and d.isdigit() else e164


def show_address(address: str, route: Route | None) -> str:
    """A patient's personal address is shown masked (it often spells their name); others as they are."""
    if route is not Route.EMAIL_ENCRYPTED or "@" not in address:
        return address
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}"


def _describe(result: CheckResult, job_ref: str, documents: list[RenderedDocument]) -> None:
    route = result.route.value if result.route else "none"
    dest = result.destination
    entry = dest.directory_entry
    where = show_number(dest.fax) if dest.fax else show_address(dest.address or "archives", result.route)
    name = f" ({entry.name})" if entry else (" (not in the directory)" if dest.fax else "")
    say(f"accepted: {result.document.value} → {route} {where}{name}, job {job_ref}")
    for finding in result.findings:
        if finding.severity is Severity.WARNING:
            say(f"warning {finding.code}: {finding.message_en}")
    first = documents[0]
    form = first.form.value if first.form else "document"
    say(f"rendered {form}: {first.pages} page(s), {len(first.data) / 1024:.0f} kB")


# --- sending ----------------------------------------------------------------------------------------------


def _relay_for(via: str, config: Config) -> Relay:
    if via == "fax":
        return SmtpFaxRelay(config.provider)
    from gateway.relay.mime_build import exchange_relay

    return exchange_relay(config.exchange)


async def _send(plan: _Plan) -> int:
    inbox: NoticeInbox | None = None
    if plan.fax_number is not None and plan.wait_seconds > 0:
        provider = plan.config.provider
        inbox = NoticeInbox(
            host=plan.notice_host,
            port=plan.notice_port,
            notice_address=provider.notice_address,
            notice_format=provider.notice_format,
        )
        try:
            await inbox.start()  # before relaying, so that a quick notice is not missed
        except OSError as exc:
            say(
                f"cannot receive notices on {plan.notice_host}:{plan.notice_port} ({exc.strerror}); "
                "is `ordofax serve` running? use --notice-port"
            )
            return 1
    try:
        fax_accepted = await _deliver_all(plan)
        if fax_accepted and inbox is not None and plan.fax_number is not None:
            _check_notice(plan, await _wait(inbox, plan), plan.fax_number)
        elif fax_accepted and plan.fax_number is not None:
            say("not waiting for the provider's notice (--wait 0): delivery not confirmed")
    finally:
        if inbox is not None:
            await inbox.stop()
    if plan.failures:
        say(f"NOT complete: {', '.join(plan.failures)}")
        return 1
    say("done")
    return 0


async def _deliver_all(plan: _Plan) -> bool:
    """Every delivery, each with its own relay; True when the fax (if any) was accepted by the provider."""
    fax_accepted = False
    relays: dict[str, Relay] = {}
    try:
        for delivery in plan.deliveries:
            if delivery.via not in relays:
                relays[delivery.via] = _relay_for(delivery.via, plan.config)
            receipt = await _deliver(relays[delivery.via], delivery, plan)
            fax_accepted = fax_accepted or (receipt is not None and delivery.via == "fax")
    finally:
        for relay in relays.values():
            await relay.aclose()
    return fax_accepted


async def _deliver(relay: Relay, delivery: Delivery, plan: _Plan) -> RelayReceipt | None:
    say(f"{delivery.label}: handing to {_next_hop(delivery.via, plan.config)} for {delivery.shown_to}")
    started = time.monotonic()
    try:
        receipt = await relay.deliver(delivery.outbound)
    except RelayError as exc:
        kind = "retryable" if exc.retryable else "not retryable"
        say(f"{delivery.label}: failed: {exc} (cause {exc.cause}, {kind})")
        if exc.retryable:
            say(f"{delivery.label}: the service would try again in {_backoff(plan.config, exc.cause):.0f} s")
        plan.failures.append(f"{delivery.label} failed")
        return None
    remote = f", id {receipt.remote_id}" if receipt.remote_id else ""
    say(f"{delivery.label}: accepted by {receipt.next_hop} in {time.monotonic() - started:.2f} s{remote}")
    return receipt


def _next_hop(via: str, config: Config) -> str:
    if via == "fax":
        p = config.provider
        return f"the fax provider {p.host}:{p.port} (tls {p.tls})"
    return f"Exchange ({config.exchange.backend}, mailbox {config.exchange.mailbox})"


async def _wait(inbox: NoticeInbox, plan: _Plan) -> ProviderNotice | None:
    say(f"fax: waiting up to {plan.wait_seconds:.0f} s for the provider's notice on {inbox.host}:{inbox.port}")
    started = time.monotonic()
    deadline = started + plan.wait_seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            return await inbox.wait_for(plan.job_ref, timeout=min(PROGRESS_EVERY_SECONDS, left))
        except TimeoutError:
            if deadline - time.monotonic() > 0:
                say(f"fax: still waiting ({time.monotonic() - started:.0f} s)")
    return None


def _check_notice(plan: _Plan, notice: ProviderNotice | None, number: str) -> None:
    if notice is None:
        deadline = plan.config.retry.confirmation_deadline_seconds
        say(
            f"fax: no notice within {plan.wait_seconds:.0f} s: delivery NOT confirmed; the service would keep "
            f"waiting up to {deadline:.0f} s, then alert"
        )
        plan.failures.append("fax not confirmed")
        return
    if notice.number is not None and notice.number != number:
        say(f"fax: the notice for job {plan.job_ref} names {notice.number}, not {number}: not trusted")
        plan.failures.append("fax notice not trusted")
        return
    when = notice.completed_at.isoformat(timespec="seconds") if notice.completed_at else "time not given"
    if notice.success:
        pages = notice.pages if notice.pages is not None else "?"
        say(f"fax: delivered: {pages} page(s) to {show_number(number)} ({when})")
        return
    kind = "retryable" if notice.retryable else "not retryable"
    say(f"fax: failed: {notice.reason or 'no reason given'} (cause {notice.cause}, {kind}, {when})")
    if notice.retryable and notice.cause:
        say(f"fax: the service would try again in {_backoff(plan.config, notice.cause):.0f} s")
    plan.failures.append("fax failed")


def _backoff(config: Config, cause: str) -> float:
    retry = config.retry
    return {
        "busy": retry.backoff_busy_seconds,
        "no_answer": retry.backoff_no_answer_seconds,
        "throttled": retry.backoff_throttled_seconds,
    }.get(cause, retry.backoff_unreachable_seconds)
