"""`ordofax send --config FILE MESSAGE.eml` — one message through the whole fax path, in the foreground.

For the IT staff setting up a provider account and for the demo: check the message, render its form, relay
it to the fax provider, then wait for the provider's notice and say what happened, with a progress line at
each step. It handles the `fax` route only (the others go through Exchange, which the service handles) and
tries once: a retryable failure is reported with the delay the service would wait before trying again.
Nothing is stored: the rendered PDF lives in memory only. Output names the job reference, the number and
page counts, never patient details.

Notices are received on a temporary SMTP receiver bound to `--notice-host`/`--notice-port` (by default the
configured listener address, where the provider's notices arrive), accepting only `provider.notice_address`.

Exit status: 0 delivered, 1 rejected, relay failure, failure notice or no notice in time, 2 usage or
configuration error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from gateway.config import Config, default_config, load_config
from gateway.errors import RelayError, RenderError
from gateway.models import CheckResult, Route
from gateway.pipeline import CheckContext, check_bytes
from gateway.relay.base import Outbound, OutboundAttachment, RelayReceipt
from gateway.relay.notices import NoticeInbox, ProviderNotice
from gateway.relay.smtp_fax import SmtpFaxRelay
from gateway.render import RenderedDocument, job_ref_for, render_documents
from gateway.report import text_report

HELP = "Check, render and fax one message through the provider, then wait for the provider's notice."

PROGRESS_EVERY_SECONDS = 5.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML configuration file (default: the bundled demo)")
    parser.add_argument(
        "--wait",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="how long to wait for the provider's notice (default 120; 0: do not wait)",
    )
    parser.add_argument("--notice-host", help="address to receive notices on (default: listener.host)")
    parser.add_argument("--notice-port", type=int, help="port to receive notices on (default: listener.port)")
    parser.add_argument("message", type=Path, metavar="MESSAGE.eml")


def say(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)


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
    if result.route is not Route.FAX or result.destination.fax is None:
        route = result.route.value if result.route else "none"
        say(f"accepted, but its route is {route}: `send` handles faxes only (the service sends the others)")
        return 1
    job_ref = job_ref_for(result.message.message_id, raw)
    try:
        document = _fax_document(result, config, job_ref)
    except RenderError as exc:
        say(f"cannot render: {exc}")
        return 1
    plan = _Plan(
        config,
        job_ref,
        result.destination.fax,
        document,
        args.wait,
        args.notice_host or config.listener.host,
        args.notice_port if args.notice_port is not None else config.listener.port,
    )
    _describe(result, plan)
    return asyncio.run(_relay_and_wait(plan))


@dataclass(frozen=True, slots=True)
class _Plan:
    config: Config
    job_ref: str
    number: str
    document: RenderedDocument
    wait_seconds: float
    notice_host: str
    notice_port: int


def _fax_document(result: CheckResult, config: Config, job_ref: str) -> RenderedDocument:
    documents = render_documents(result, config, job_ref)
    fax = next((d for d in documents if d.purpose == "fax"), None)
    if fax is None:
        raise RenderError(f"job {job_ref}: no fax document was rendered")
    return fax


def _describe(result: CheckResult, plan: _Plan) -> None:
    entry = result.destination.directory_entry
    name = f" ({entry.name})" if entry else " (not in the directory)"
    form = result.form.value if result.form else "document"
    say(f"accepted: {result.document.value} → fax {plan.number}{name}, job {plan.job_ref}")
    for finding in result.findings:
        if finding.severity.value == "warning":
            say(f"warning {finding.code}: {finding.message_en}")
    size_kb = len(plan.document.data) / 1024
    say(f"rendered {form}: {plan.document.pages} page(s), {size_kb:.0f} kB")


async def _relay_and_wait(plan: _Plan) -> int:
    provider = plan.config.provider
    try:
        inbox = NoticeInbox(
            host=plan.notice_host,
            port=plan.notice_port,
            notice_address=provider.notice_address,
            notice_format=provider.notice_format,
        )
        if plan.wait_seconds > 0:
            await inbox.start()
    except OSError as exc:
        say(
            f"cannot receive notices on {plan.notice_host}:{plan.notice_port} ({exc.strerror}); "
            "is `ordofax serve` running? use --notice-port"
        )
        return 1
    try:
        receipt = await _relay(plan)
        if receipt is None:
            return 1
        if plan.wait_seconds <= 0:
            say("not waiting for the provider's notice (--wait 0)")
            return 0
        notice = await _wait(inbox, plan)
    finally:
        await inbox.stop()
    return _outcome(plan, notice)


async def _relay(plan: _Plan) -> RelayReceipt | None:
    provider = plan.config.provider
    relay = SmtpFaxRelay(provider)
    say(f"relaying to the fax provider {provider.host}:{provider.port} ({provider.tls})")
    outbound = Outbound(
        job_ref=plan.job_ref,
        to=plan.number,
        subject=f"ordofax {plan.document.form.value if plan.document.form else 'document'}",
        body_text="",
        attachments=[OutboundAttachment(plan.document.filename, plan.document.data)],
    )
    started = time.monotonic()
    try:
        receipt = await relay.deliver(outbound)
    except RelayError as exc:
        say(f"relay failed: {exc} (cause {exc.cause}, {'retryable' if exc.retryable else 'not retryable'})")
        if exc.retryable:
            say(f"the service would try again in {_backoff(plan.config, exc.cause):.0f} s")
        return None
    finally:
        await relay.aclose()
    remote = f", provider id {receipt.remote_id}" if receipt.remote_id else ""
    say(f"accepted by the provider in {time.monotonic() - started:.2f} s{remote}")
    return receipt


async def _wait(inbox: NoticeInbox, plan: _Plan) -> ProviderNotice | None:
    say(f"waiting up to {plan.wait_seconds:.0f} s for the provider's notice on {inbox.host}:{inbox.port}")
    started = time.monotonic()
    deadline = started + plan.wait_seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            return await inbox.wait_for(plan.job_ref, timeout=min(PROGRESS_EVERY_SECONDS, left))
        except TimeoutError:
            if deadline - time.monotonic() > 0:
                say(f"still waiting ({time.monotonic() - started:.0f} s)")
    return None


def _outcome(plan: _Plan, notice: ProviderNotice | None) -> int:
    if notice is None:
        say(
            f"no notice within {plan.wait_seconds:.0f} s: delivery NOT confirmed; the service would keep "
            f"waiting up to {plan.config.retry.confirmation_deadline_seconds:.0f} s, then alert"
        )
        return 1
    if notice.number is not None and notice.number != plan.number:
        say(f"notice for job {plan.job_ref} names {notice.number}, not {plan.number}: not trusted")
        return 1
    when = notice.completed_at.isoformat(timespec="seconds") if notice.completed_at else "time not given"
    if notice.success:
        pages = notice.pages if notice.pages is not None else "?"
        say(f"delivered: {pages} page(s) to {plan.number} ({when})")
        return 0
    kind = "retryable" if notice.retryable else "not retryable"
    say(f"fax failed: {notice.reason or 'no reason given'} (cause {notice.cause}, {kind}, {when})")
    if notice.retryable and notice.cause:
        say(f"the service would try again in {_backoff(plan.config, notice.cause):.0f} s")
    return 1


def _backoff(config: Config, cause: str) -> float:
    retry = config.retry
    return {
        "busy": retry.backoff_busy_seconds,
        "no_answer": retry.backoff_no_answer_seconds,
        "throttled": retry.backoff_throttled_seconds,
    }.get(cause, retry.backoff_unreachable_seconds)
