"""`ordofax serve --config FILE` — run the gateway service until SIGTERM or SIGINT.

The SMTP listener, the workers, the sweeper and the metrics endpoint run in one process (see
gateway.service.app). Logs are JSON lines on standard error (or `operations.log_file`). On SIGTERM/SIGINT the
service stops accepting mail, lets in-flight work finish for up to `--grace` seconds and hands back the rest;
a second signal stops at once (in-flight relays are then reconciled at the next start, never resent blindly).

Exit status: 0 after a clean shutdown, 1 when the service cannot start (port taken, store unreachable), 2 for
usage or configuration errors.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from gateway.config import Config, default_config, load_config
from gateway.errors import OrdofaxError
from gateway.service import logs
from gateway.service import loop as event_loop
from gateway.service.app import Service

HELP = "Run the gateway service: SMTP listener, durable queue, relays, purge."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML configuration file (default: the bundled demo)")
    parser.add_argument(
        "--grace", type=float, default=20.0, metavar="SECONDS", help="time to finish in-flight work at shutdown"
    )


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config) if args.config else default_config()  # ConfigError: exit 2 in gateway.cli
    logs.setup(config.operations.log_level, config.operations.log_file)
    try:
        return event_loop.run(serve(config, args.grace))
    except (OrdofaxError, OSError) as exc:
        logs.event("start_failed", error=type(exc).__name__, level=50)
        print(f"ordofax: cannot start the service: {exc.__class__.__name__}: {_safe_reason(exc)}", file=sys.stderr)
        return 1


def _safe_reason(exc: BaseException) -> str:
    """OSError text (ports, paths) and our own errors carry no clinical content."""
    return str(exc)[:300]


async def serve(config: Config, grace: float) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = 0

    def on_signal() -> None:
        nonlocal signals
        signals += 1
        if signals > 1:
            raise SystemExit(1)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)
    service = await Service(config).start()
    print(
        f"ordofax serve: listening on {config.listener.host}:{service.listener_port}"
        + (f", metrics on {config.operations.metrics_host}:{service.metrics_port}" if service.metrics_port else ""),
        file=sys.stderr,
        flush=True,
    )
    await stop.wait()
    logs.event("stopping", reason="signal")
    await service.stop(grace)
    return 0
