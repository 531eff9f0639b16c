"""How fast one core renders forms, and how many pages a prescription takes.

Run: `.venv/bin/python benchmarks/bench_render.py [--seconds 5]`. The process is pinned to one CPU where
the OS allows it; the rate is given both against CPU time (what the core spent, steady on a busy machine)
and against wall-clock time. The target is at least 100 forms per second on one core. Every render is a
full `render_documents` call: content, layout, drawing, font subsetting and AES encryption.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from functools import partial

from gateway.config import Config
from gateway.models import CheckResult, DocumentKind, Route
from gateway.render import render_documents
from gateway.render.samples import STANDARD_ORDERS, sample_result

TARGET = 100.0


def cases() -> dict[str, CheckResult]:
    eight = tuple(f"{drug} 1 co po DIE, 30 co, Ren 2" for drug in ("Ramipril 5 mg", "Atorvastatine 20 mg") * 4)
    return {
        "standard prescription (3 orders)": sample_result(orders=STANDARD_ORDERS),
        "prescription, 8 orders": sample_result(orders=eight),
        "progress note (AH-253)": sample_result(
            document=DocumentKind.PROGRESS_NOTES, route=Route.ARCHIVES, orders=("Patiente vue.", "Plan : revoir.")
        ),
        "long prescription, 60 orders": sample_result(orders=eight * 7 + eight[:4]),
    }


def rate(render: Callable[[], object], seconds: float) -> tuple[float, float, int]:
    """(forms per CPU second, forms per wall second, forms rendered)."""
    render()  # fonts are registered once per process; not part of the steady rate
    n, cpu0, wall0 = 0, time.process_time(), time.perf_counter()
    while time.perf_counter() - wall0 < seconds:
        render()
        n += 1
    return n / (time.process_time() - cpu0), n / (time.perf_counter() - wall0), n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent on each case")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    config = Config()
    print(f"{'case':34} {'pages':>5} {'forms/s (cpu)':>14} {'forms/s (wall)':>15} {'KB':>6}")
    ok = True
    for name, result in cases().items():
        docs = render_documents(result, config, "OFX-0123456789")
        per_cpu, per_wall, _ = rate(partial(render_documents, result, config, "OFX-0123456789"), args.seconds)
        print(f"{name:34} {docs[0].pages:>5} {per_cpu:>14.0f} {per_wall:>15.0f} {len(docs[0].data) / 1024:>6.0f}")
        if name.startswith("standard") and per_cpu < TARGET:
            ok = False
    print(f"target: ≥ {TARGET:.0f} standard forms per second on one core — {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
