"""End-to-end throughput and latency of `ordofax serve`, against a bare relay as the limit.

    .venv/bin/python benchmarks/bench_serve.py [--messages N] [--concurrency C] [--workers W] [--engines E,E]
                                               [--profile DIR]

For each store engine: the real `ordofax serve` runs as a subprocess (the stand-ins — fake provider with
immediate confirmation, fake Graph — run in this process); N drug prescriptions with distinct Message-IDs
are submitted over SMTP by C concurrent clients. Throughput is N over the time from the first submission to
the provider's acceptance of the last fax; latency is per message, from the listener's 250 to the provider's
acceptance of that message's fax (both clocks are this process's). The bare relay is an aiosmtpd listener in
a subprocess that answers 250 and forwards a ready-made fax message (the same PDF size) to the same provider
with an aiosmtplib client: no storage, no check, no render — the floor any relay pays on this machine.

`--profile DIR` runs serve under yappi (CPU clock, every thread: the to_thread work too) and writes
DIR/serve-<engine>.pstat (read it with `python -m pstats`); yappi is not a dependency, `pip install yappi`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiosmtplib

from fakes.fax_provider import FakeFaxProvider
from gateway.config import default_config, demo_dir
from gateway.service import loop as event_loop
from gateway.service.standins import StandIns, envelope_of, serve_sections, write_config

ROOT = Path(__file__).resolve().parent.parent
DRUG_RX = (demo_dir() / "messages" / "20_drug_rx_windows1252.eml").read_bytes()
NUMBER = "+14505550160"


@dataclass
class Figures:
    name: str
    messages: int
    seconds: float
    latencies: list[float]
    submitted_seconds: float = 0.0  # from the first submission to the last 250
    completed_seconds: float = 0.0  # to the last archives copy and sender notice (serve; the bare relay has none)
    cpu_seconds: float = 0.0  # CPU time of the subprocess (serve or bare relay) and its helpers, this run only
    harness_seconds: float = 0.0  # CPU time of this process (clients, stand-in provider and Graph), same run

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def line(self) -> str:
        cpu = ""
        if self.cpu_seconds:
            per = 1000 / self.messages
            cpu = f"; CPU/message: process {self.cpu_seconds * per:.1f} ms, harness {self.harness_seconds * per:.1f} ms"
        phases = f"; all 250s in {self.submitted_seconds:.2f} s"
        if self.completed_seconds:
            phases += f", all archived and notified in {self.completed_seconds:.2f} s"
        return (
            f"{self.name:<28} {self.rate:8.1f} msg/s   p50 {self.pct(0.50):7.1f} ms   p99 {self.pct(0.99):7.1f} ms"
            f"   ({self.messages} messages in {self.seconds:.2f} s{phases}{cpu})"
        )


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by process `pid` and its descendants (serve's check/render helpers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    family, total = {pid}, 0.0
    for _ in range(3):  # children, grandchildren
        family |= {p for p, (ppid, _) in stats.items() if ppid in family}
    for p in family:
        total += stats.get(p, (0, 0.0))[1]
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def message(n: int, tag: str) -> bytes:
    return re.sub(rb"(?im)^Message-ID:[^\r\n]*", f"Message-ID: <bench-{tag}-{n}@ssss.gouv.qc.ca>".encode(), DRUG_RX)


async def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise TimeoutError(f"nothing listening on {port}")


async def drive(
    port: int, count: int, concurrency: int, tag: str, rate: float | None = None
) -> tuple[float, dict[str, float]]:
    """Submit `count` messages (as fast as the clients go, or `rate` per second); (start, {ref: time of 250})."""
    accepted: dict[str, float] = {}
    sender, recipients = envelope_of(DRUG_RX, "telecopie.example.org")
    queue = list(range(count))
    started = time.time()

    async def client() -> None:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=60)
        await smtp.connect()
        while queue:
            n = queue.pop(0)
            if rate:
                await asyncio.sleep(max(0.0, started + n / rate - time.time()))
            _, reply = await smtp.sendmail(sender, recipients, message(n, tag))
            match = re.search(r"queued as (\S+)", reply)
            assert match is not None, reply
            accepted[match.group(1)] = time.time()
        await smtp.quit()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return started, accepted


async def arrivals(provider: FakeFaxProvider, refs: list[str], name: str, timeout: float = 300) -> dict[str, float]:
    """When the provider received the fax of each job reference. Polled one reference at a time, so the
    harness's CPU (measured too) does not grow with the square of the number of messages."""
    deadline = time.monotonic() + timeout
    at: dict[str, float] = {}
    for ref in refs:
        while (fax := provider.job(ref)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name}: not every fax reached the provider")
            await asyncio.sleep(0.01)
        at[ref] = fax.received_at.timestamp()
    return at


async def measure(
    standins: StandIns,
    port: int,
    count: int,
    concurrency: int,
    name: str,
    rate: float | None = None,
    pid: int = 0,
    mails_per_job: int = 0,
) -> Figures:
    provider = standins.provider
    _, warm = await drive(port, min(20, count), concurrency, f"warm-{name}")
    await arrivals(provider, list(warm), name)
    await asyncio.sleep(0.5)  # the warm-up's archives copies and notices
    cpu_before = tree_cpu(pid) if pid else 0.0
    harness_before = time.process_time()
    mail_before = len(standins.graph.sent) if standins.graph is not None else 0
    started, accepted = await drive(port, count, concurrency, f"{name}-{rate}", rate)
    at = await arrivals(provider, list(accepted), name)
    end = max(at.values())
    label = f"{name}, paced {rate:g}/s" if rate else name
    figures = Figures(label, count, end - started, [max(0.0, at[r] - t) for r, t in accepted.items()])
    figures.submitted_seconds = max(accepted.values()) - started
    if mails_per_job:
        figures.completed_seconds = await completed(standins, mail_before + mails_per_job * count, name) - started
    if pid:
        figures.cpu_seconds = tree_cpu(pid) - cpu_before
        figures.harness_seconds = time.process_time() - harness_before
    return figures


async def completed(standins: StandIns, mails: int, name: str, timeout: float = 300) -> float:
    """When the Graph stand-in had `mails` messages: every job's archives copy and confirmation to the
    sender, the work that follows the fax (its CPU is counted, and the run is over only then)."""
    deadline = time.monotonic() + timeout
    while standins.graph is not None and len(standins.graph.sent) < mails:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name}: not every archives copy and notice was sent")
        await asyncio.sleep(0.01)
    return time.time()


def serve_command(path: Path, profile: Path | None, engine: str) -> list[str]:
    """`python -m gateway serve`, or the same under yappi writing profile/serve-<engine>.pstat at exit."""
    if profile is None:
        return [sys.executable, "-m", "gateway", "serve", "--config", str(path)]
    out = profile.resolve() / f"serve-{engine}.pstat"
    code = (
        "import atexit, sys, yappi\n"
        "yappi.set_clock_type('cpu')\n"
        "yappi.start(profile_threads=True)\n"
        f"atexit.register(lambda: (yappi.stop(), yappi.get_func_stats().save({str(out)!r}, type='pstat')))\n"
        "from gateway.cli import main\n"
        f"sys.exit(main(['serve', '--config', {str(path)!r}]))\n"
    )
    return [sys.executable, "-c", code]


async def bench_serve(
    engine: str, count: int, concurrency: int, workers: int, tmp: Path, rate: float, profile: Path | None = None
) -> tuple[Figures, Figures]:
    config = default_config()
    async with StandIns(config) as standins:
        port = free_port()
        sections = serve_sections(config, standins, tmp, port)
        if engine == "postgresql":
            from gateway.store.pgserver import TempPostgres

            pg = TempPostgres(fsync=True).start()
            sections["storage"] = {"engine": "postgresql", "dsn": pg.dsn(), "data_dir": tmp / "files"}
        sections["operations"].update(workers=workers, log_level=os.environ.get("BENCH_LOG_LEVEL", "WARNING"))
        standins.notify_service(port)
        path = write_config(tmp / f"serve-{engine}.toml", sections)
        log = (tmp / f"serve-{engine}.log").open("wb")
        proc = subprocess.Popen(serve_command(path, profile, engine), cwd=ROOT, stdout=log, stderr=log)
        try:
            await wait_port(port, proc)
            name = f"serve ({engine})"
            figures = await measure(standins, port, count, concurrency, name, pid=proc.pid, mails_per_job=2)
            paced = await measure(standins, port, max(20, count // 5), concurrency, name, rate, mails_per_job=2)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
            if engine == "postgresql":
                pg.stop()
        return figures, paced


async def bench_bare(count: int, concurrency: int, rate: float) -> tuple[Figures, Figures]:
    config = default_config()
    async with StandIns(config) as standins:
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, __file__, "--bare-relay", str(port), str(standins.provider.port)], cwd=ROOT
        )
        try:
            await wait_port(port, proc)
            figures = await measure(standins, port, count, concurrency, "bare relay (limit)", pid=proc.pid)
            paced = await measure(standins, port, max(20, count // 5), concurrency, "bare relay", rate)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        return figures, paced


# --- the bare relay (subprocess) -------------------------------------------------------------------------


def fax_template() -> bytes:
    """One fax message as serve would send it, with a placeholder job reference."""
    from gateway.pipeline import CheckContext, check_bytes
    from gateway.relay.base import Outbound, OutboundAttachment
    from gateway.relay.smtp_fax import build_fax_message
    from gateway.render import render_documents

    config = default_config()
    result = check_bytes(DRUG_RX, CheckContext.from_config(config))
    doc = render_documents(result, config, "REF0000000000000000")[0]
    outbound = Outbound(
        "REF0000000000000000", NUMBER, "ordofax AH-251", "", [OutboundAttachment(doc.filename, doc.data)]
    )
    return build_fax_message(outbound, config.provider).as_bytes()


def run_bare_relay(port: int, provider_port: int) -> None:
    from aiosmtpd.smtp import SMTP, Envelope, Session

    template = fax_template()
    to = "14505550160@fax.provider.example"

    class Handler:
        def __init__(self) -> None:
            self.queue: asyncio.Queue[bytes] = asyncio.Queue()
            self.count = 0

        async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
            self.count += 1
            ref = f"BARE{self.count:015d}"
            self.queue.put_nowait(template.replace(b"REF0000000000000000", ref.encode()))
            return f"250 2.0.0 Ok: queued as {ref}"

    async def forward(handler: Handler) -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=provider_port, timeout=60)
        await client.connect()
        while True:
            data = await handler.queue.get()
            await client.sendmail("ordofax@ssss.gouv.qc.ca", [to], data)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        handler = Handler()
        server = await loop.create_server(lambda: SMTP(handler, loop=loop), "127.0.0.1", port)
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        tasks = [asyncio.create_task(forward(handler)) for _ in range(8)]
        await stop.wait()
        server.close()
        for task in tasks:
            task.cancel()

    event_loop.run(main())  # the same event loop as serve's: the limit is measured on equal terms


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--bare-relay":
        run_bare_relay(int(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=default_config().operations.workers)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--rate", type=float, default=8.0, help="paced run: messages per second (latency)")
    parser.add_argument("--profile", type=Path, help="write a yappi profile of serve (all threads) here")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare relay")
    args = parser.parse_args()

    async def run_all() -> None:
        bare = bare_paced = None
        if not args.no_bare:
            bare, bare_paced = await bench_bare(args.messages, args.concurrency, args.rate)
        results = []
        with tempfile.TemporaryDirectory(prefix="ordofax-bench-") as tmp:
            for engine in args.engines.split(","):
                folder = Path(tmp) / engine
                folder.mkdir()
                results.append(
                    await bench_serve(
                        engine, args.messages, args.concurrency, args.workers, folder, args.rate, args.profile
                    )
                )
        print(f"cores: {os.cpu_count()}, messages: {args.messages}, clients: {args.concurrency}, "
              f"serve workers: {args.workers}; saturated runs give throughput, paced runs latency")  # fmt: skip
        if bare is not None and bare_paced is not None:
            print(bare.line())
            print(bare_paced.line())
        for figures, paced in results:
            ratio = f"   ratio to bare relay {figures.rate / bare.rate:.2f}" if bare is not None else ""
            print(figures.line() + ratio)
            print(paced.line())

    event_loop.run(run_all())  # clients and stand-ins on uvloop too: they share the two cores with serve


if __name__ == "__main__":
    main()
