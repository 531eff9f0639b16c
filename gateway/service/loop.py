"""The event loop the gateway runs on: uvloop (libuv), not asyncio's pure-Python selector loop.

Why: `serve` is one event loop doing everything a job needs on the network — SMTP in, SMTP out, Graph over
HTTPS, provider notices — and measured on `benchmarks/bench_serve.py` the loop's own machinery (callbacks,
transports, the selector) was a large share of its CPU. uvloop implements the same asyncio API in C over
libuv; aiosmtpd, aiosmtplib, httpx/anyio and asyncio.to_thread work unchanged on it. Measured: about 17%
less CPU per message and 20–25% more messages per second through `serve` (docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on a uvloop event loop."""
    return uvloop.run(main)
