"""CPU per message of the relay code, the part of `ordofax serve`'s event-loop process that talks to the
next hops: the fax to the provider, the archives copy and the sender notice through Graph, the provider
notice read back.

    .venv/bin/python benchmarks/bench_relay.py [--ops N] [--rounds R] [--pdf-kb K] [--baseline DIR]
                                               [--profile DIR]

Why a separate process: the stand-ins (fakes.fax_provider.FakeFaxProvider, fakes.graph.FakeGraph) run in
this process, each on its own thread; the relay code runs in a child process whose CPU time
(`time.process_time()`, every thread: msal's token calls and the intent-file fsyncs run in worker threads,
which share the service's GIL) is then the relay's alone.

A round is N fax jobs, each with a document of its own (a fresh bytes object), each going through the four
operations in turn, as a job does in serve: fax deliver, archives copy (`ExchangeOnce.send` + `done`), sender
notice, provider notice parse. The figure is the median round, in milliseconds of CPU per operation. The child keeps one
`SmtpFaxRelay` for its round, as serve keeps one, so connections the relay keeps open are reused; the count
of SMTP sessions the provider stand-in saw from each tree is printed too.

`--baseline DIR` also runs the child with DIR (e.g. `git worktree add /tmp/relay-base HEAD`) first on
PYTHONPATH, alternating with the current tree round by round (one child per round) so that other load on
the machine hits both alike, and prints both figures side by side. The child only uses interfaces both
versions have: `SmtpFaxRelay.deliver`, `ExchangeOnce.send`/`done`, `GraphRelay.deliver`,
`parse_notice_bytes`.

`--profile DIR` runs one more child under yappi (CPU clock, every thread) and writes
DIR/relay-<operation>.pstat (read it with `python -m pstats`); yappi is not a dependency, `pip install yappi`.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NUMBER = "+14505550160"
OPERATIONS = ("fax deliver", "archives copy (Graph, once)", "sender notice (Graph)", "notice parse")
Figures = dict[str, list[float]]  # operation → CPU seconds per operation, one figure per round


# --- the parent: stand-ins, then the child once per source tree ------------------------------------------


def sample_document(kilobytes: int) -> bytes:
    """A readable two-page PDF of about `kilobytes` KB (random text does not compress), like a rendered form."""
    from reportlab.pdfgen.canvas import Canvas

    rng = random.Random(7)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 "
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pageCompression=0)
    lines = kilobytes * 1024 // 127  # a line of 90 characters is ~127 bytes of PDF
    for page in range(2):
        for i in range(lines // 2):
            text = "".join(rng.choice(alphabet) for _ in range(90))
            canvas.drawString(20, 800 - (i % 95) * 8, text)
        canvas.drawString(20, 20, f"page {page + 1}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def provider_notice(provider_port: int, notice_sink: Any, pdf: bytes) -> bytes:
    """One real notice from the stand-in provider for a fax sent through the relay."""
    from gateway.config import ProviderSection
    from gateway.relay.base import Outbound, OutboundAttachment
    from gateway.relay.smtp_fax import SmtpFaxRelay

    relay = SmtpFaxRelay(ProviderSection.model_validate({"port": provider_port}))
    outbound = Outbound("J-NOTICE-1", NUMBER, "ordofax drug", "", [OutboundAttachment("Ordonnance_1.pdf", pdf)])

    async def deliver() -> None:
        try:
            await relay.deliver(outbound)
        finally:
            await relay.aclose()

    asyncio.run(deliver())
    [notice] = notice_sink.wait_for_blocking(1, timeout=10)
    return bytes(notice.as_bytes())


def run_child(spec: dict[str, Any], source: Path | None) -> Figures:
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH", "")]))
    done = subprocess.run(
        [sys.executable, __file__, "--child"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"child failed ({source or ROOT}):\n{done.stderr}")
    result: Figures = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report(current: Figures, baseline: Figures | None) -> None:
    def ms(rounds: list[float]) -> float:
        return statistics.median(rounds) * 1000

    if baseline is None:
        print(f"{'operation':34} {'CPU ms/op':>10}")
        for op in OPERATIONS:
            print(f"{op:34} {ms(current[op]):10.3f}")
        return
    print(f"{'operation':34} {'before':>10} {'after':>10} {'change':>8}")
    for op in OPERATIONS:
        before, after = ms(baseline[op]), ms(current[op])
        print(f"{op:34} {before:10.3f} {after:10.3f} {(after - before) / before:+8.0%}")
    total_b = sum(ms(baseline[op]) for op in OPERATIONS)
    total_a = sum(ms(current[op]) for op in OPERATIONS)
    print(f"{'one fax job (one of each)':34} {total_b:10.3f} {total_a:10.3f} {(total_a - total_b) / total_b:+8.0%}")


def compare(
    spec: dict[str, Any], rounds: int, baseline: Path | None, sessions: Callable[[], int]
) -> tuple[Figures, Figures | None, dict[str, int]]:
    """`rounds` children of the current tree, each followed by one of `baseline` when given; also the SMTP
    sessions the provider saw from each tree (`sessions()` counts them all)."""
    current: Figures = {op: [] for op in OPERATIONS}
    before: Figures | None = None if baseline is None else {op: [] for op in OPERATIONS}
    opened = {"current": 0, "base": 0}
    for index in range(rounds):
        for figures, source in ((current, None), (before, baseline)):
            if figures is None:
                continue
            name = "base" if source else "current"
            start = sessions()
            result = run_child({**spec, "data_dir": f"{spec['data_dir']}/{name}-{index}"}, source)
            opened[name] += sessions() - start
            for op in OPERATIONS:
                figures[op].extend(result[op])
    return current, before, opened


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ops", type=int, default=200, help="operations of each kind per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pdf-kb", type=int, default=45, help="document size (the fax message is ~4/3 of it)")
    parser.add_argument("--baseline", type=Path, help="a checkout to compare with (first on PYTHONPATH)")
    parser.add_argument("--profile", type=Path, help="also write yappi profiles of each operation here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def measure(args: argparse.Namespace, tmp: Path) -> tuple[Figures, Figures | None, int, dict[str, int]]:
    """Start the stand-ins, run the children against them; also return the count of messages Graph got and
    the SMTP sessions the provider saw from each tree."""
    from fakes.fax_provider import FakeFaxProvider, MailSink
    from fakes.graph import FakeGraph

    pdf = sample_document(args.pdf_kb)
    with FakeGraph() as graph, MailSink() as sink, FakeFaxProvider(notify_host=sink.host, notify_port=sink.port) as fax:
        (tmp / "notice.eml").write_bytes(provider_notice(fax.port, sink, pdf))
        fax.notify_host = fax.notify_port = None  # the child's faxes need no notices
        (tmp / "doc.pdf").write_bytes(pdf)
        spec = {
            "ops": args.ops,
            "provider_port": fax.port,
            "graph": {k: str(v) for k, v in graph.exchange_settings().items()},
            "pdf": str(tmp / "doc.pdf"),
            "notice": str(tmp / "notice.eml"),
            "data_dir": str(tmp),
        }
        print(f"document {len(pdf) / 1024:.0f} KB, {args.ops} operations x {args.rounds} rounds", flush=True)
        current, baseline, opened = compare(spec, args.rounds, args.baseline, lambda: fax.connections)
        if args.profile is not None:
            args.profile.mkdir(parents=True, exist_ok=True)
            run_child({**spec, "data_dir": f"{tmp}/profile", "profile": str(args.profile.resolve())}, None)
        return current, baseline, len(graph.sent), opened


def main() -> int:
    args = arguments()
    if args.child:
        print(json.dumps(asyncio.run(child(json.loads(sys.stdin.read())))))
        return 0
    with tempfile.TemporaryDirectory(prefix="ordofax-bench-relay-") as tmp:
        current, baseline, sent, opened = measure(args, Path(tmp))
    report(current, baseline)
    faxes = args.rounds * (args.ops + 10)  # with the warm-up
    trees = ("base", "current") if baseline is not None else ("current",)
    seen = ", ".join(f"{tree} {opened[tree]}" for tree in trees)
    print(f"(the Graph stand-in recorded {sent} sent messages; provider SMTP sessions for {faxes} faxes: {seen})")
    return 0


# --- the child: the relay code, timed ------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    ref: str
    pdf: bytes


Operation = Callable[[Job], Awaitable[None]]


async def child(spec: dict[str, Any]) -> Figures:
    from gateway.config import ExchangeSection, ProviderSection, default_config
    from gateway.relay.graph import GraphRelay
    from gateway.relay.smtp_fax import SmtpFaxRelay
    from gateway.service.once import ExchangeOnce

    exchange = ExchangeSection.model_validate(spec["graph"])
    base = default_config()
    storage = base.storage.model_copy(update={"data_dir": Path(spec["data_dir"])})
    config = base.model_copy(update={"exchange": exchange, "storage": storage})
    fax = SmtpFaxRelay(ProviderSection.model_validate({"port": spec["provider_port"]}))
    graph = GraphRelay(exchange)
    store = None
    if "store" in inspect.signature(ExchangeOnce).parameters:  # intents in the job store (not in baselines)
        from gateway.store import open_store

        folder = Path(spec["data_dir"])
        store = open_store(storage.model_copy(update={"path": folder / "bench.sqlite3"}))
        once = ExchangeOnce(config, graph, store)
    else:
        once = ExchangeOnce(config, graph)  # type: ignore[call-arg]
    operations = dict(zip(OPERATIONS, relay_operations(fax, graph, once, Path(spec["notice"])), strict=True))
    jobs = JobMaker(Path(spec["pdf"]).read_bytes(), store)
    for job in jobs.make(10):  # warm-up: connections, the token, imports, caches
        for operation in operations.values():
            await operation(job)
    if spec.get("profile"):
        await profile(operations, jobs.make(spec["ops"]), Path(spec["profile"]))
        results: Figures = {}
    else:
        results = await timed(operations, jobs.make(spec["ops"]))
    await graph.aclose()
    await once.aclose()
    await fax.aclose()
    if store is not None:
        store.close()
    return results


class JobMaker:
    def __init__(self, pdf: bytes, store: Any = None) -> None:
        self._pdf = pdf
        self._store = store
        self._count = 0

    def make(self, count: int) -> list[Job]:
        """Jobs with documents of their own, as each job has (made before the clock starts); with a store,
        each is a received job there too, which the archives copy's intent refers to."""
        jobs = []
        for _ in range(count):
            self._count += 1
            ref = f"J-{os.getpid()}-{self._count}"
            if self._store is not None:
                ref = self._store.receive(f"<{ref}@bench>", ref.encode(), sender=None).job_id
            jobs.append(Job(ref, bytes(bytearray(self._pdf))))
        return jobs


def relay_operations(fax: Any, graph: Any, once: Any, notice_path: Path) -> tuple[Operation, ...]:
    from gateway.relay.base import Outbound, OutboundAttachment
    from gateway.relay.notices import parse_notice_bytes

    raw_notice = notice_path.read_bytes()
    name = "Ordonnance_2026-0042.pdf"

    async def fax_deliver(job: Job) -> None:
        await fax.deliver(Outbound(job.ref, NUMBER, "ordofax drug", "", [OutboundAttachment(name, job.pdf)]))

    async def archives_copy(job: Job) -> None:
        body = f"Copie au dossier, envoi {job.ref}.\nCopy for the patient's chart, job {job.ref}.\n"
        attachments = [OutboundAttachment(name, job.pdf)]
        copy = Outbound(job.ref, "archives@ssss.gouv.qc.ca", f"Copie au dossier — {name}", body, attachments,
                        headers={"X-Ordofax-Copy": "archives"})  # fmt: skip
        await once.send(job.ref, "archives-0", copy)
        if hasattr(once, "done"):  # baselines before the intents moved into the job store
            await once.done(job.ref)

    async def sender_notice(job: Job) -> None:
        body = "Votre ordonnance a été transmise.\n" * 12
        notice = Outbound(job.ref, "dr.tremblay@ssss.gouv.qc.ca", "Transmission confirmée — Ordonnance", body,
                          headers={"X-Ordofax-Notice": "confirmation"})  # fmt: skip
        await graph.deliver(notice)

    async def notice_parse(job: Job) -> None:
        if parse_notice_bytes(raw_notice, "interfax") is None:
            raise RuntimeError("the sample notice no longer parses")

    return fax_deliver, archives_copy, sender_notice, notice_parse


async def timed(operations: dict[str, Operation], jobs: list[Job]) -> Figures:
    """CPU seconds per operation, each job going through every operation in turn (as in serve)."""
    spent = dict.fromkeys(operations, 0.0)
    for job in jobs:
        for name, operation in operations.items():
            start = time.process_time()
            await operation(job)
            spent[name] += time.process_time() - start
    return {name: [total / len(jobs)] for name, total in spent.items()}


async def profile(operations: dict[str, Operation], jobs: list[Job], folder: Path) -> None:
    import yappi  # type: ignore[import-untyped]

    yappi.set_clock_type("cpu")
    for name in operations:
        yappi.clear_stats()
        for job in jobs:
            for other, operation in operations.items():
                if other == name:
                    yappi.start(builtins=True)
                await operation(job)
                yappi.stop()
        slug = name.split(" (")[0].replace(" ", "-")
        yappi.get_func_stats().save(str(folder / f"relay-{slug}.pstat"), type="pstat")


if __name__ == "__main__":
    raise SystemExit(main())
