"""How fast one core renders forms, and how many pages a prescription takes.

Run: `.venv/bin/python benchmarks/bench_render.py [--seconds 5]`. The process is pinned to one CPU where
the OS allows it; the rate is given both against CPU time (what the core spent, steady on a busy machine)
and against wall-clock time. The target is at least 100 forms per second on one core. Every render is a
full `render_documents` call: content, layout, drawing, font subsetting and AES encryption. «A different
patient each» renders a rotation of patients whose names use letters no other one uses, so its rate does
not depend on rendering the same characters twice.
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
from gateway.render.samples import STANDARD_ORDERS, sample_result, with_patient

TARGET = 100.0
Render = Callable[[CheckResult], object]


NAMES = ("Gagnon", "Côté", "Lévesque", "Bélanger", "Gaëtan", "Ærøe", "Nguyễn", "Øster", "Çelik", "Ŋuyen", "Żak")


def varied() -> tuple[CheckResult, ...]:
    """Standard prescriptions for different patients, their names using letters no other one uses."""
    base = sample_result(orders=STANDARD_ORDERS)
    return tuple(
        with_patient(base, last_name=name, first_name=name[::-1], file_number=f"{n:06d}")
        for n, name in enumerate(NAMES)
    )


def cases() -> dict[str, tuple[CheckResult, ...]]:
    eight = tuple(f"{drug} 1 co po DIE, 30 co, Ren 2" for drug in ("Ramipril 5 mg", "Atorvastatine 20 mg") * 4)
    return {
        "standard prescription (3 orders)": (sample_result(orders=STANDARD_ORDERS),),
        "standard, a different patient each": varied(),
        "prescription, 8 orders": (sample_result(orders=eight),),
        "progress note (AH-253)": (
            sample_result(
                document=DocumentKind.PROGRESS_NOTES, route=Route.ARCHIVES, orders=("Patiente vue.", "Plan : revoir.")
            ),
        ),
        "long prescription, 60 orders": (sample_result(orders=eight * 7 + eight[:4]),),
    }


def rate(render: Render, results: tuple[CheckResult, ...], seconds: float) -> tuple[float, float, int]:
    """(forms per CPU second, forms per wall second, forms rendered), rendering `results` in turn."""
    render(results[0])  # fonts are registered once per process; not part of the steady rate
    n, cpu0, wall0 = 0, time.process_time(), time.perf_counter()
    while time.perf_counter() - wall0 < seconds:
        render(results[n % len(results)])
        n += 1
    return n / (time.process_time() - cpu0), n / (time.perf_counter() - wall0), n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent on each case")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    config = Config()
    print(f"{'case':34} {'pages':>5} {'forms/s (cpu)':>14} {'forms/s (wall)':>15} {'KiB':>6}")
    ok = True
    for name, results in cases().items():
        docs = render_documents(results[0], config, "OFX-0123456789")
        render = partial(render_documents, config=config, job_ref="OFX-0123456789")
        per_cpu, per_wall, _ = rate(render, results, args.seconds)
        print(f"{name:34} {docs[0].pages:>5} {per_cpu:>14.0f} {per_wall:>15.0f} {len(docs[0].data) / 1024:>6.1f}")
        if name.startswith("standard") and per_cpu < TARGET:
            ok = False
    print(f"target: ≥ {TARGET:.0f} standard forms per second on one core — {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
