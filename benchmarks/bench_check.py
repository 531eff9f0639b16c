"""Throughput of `check` on one core, excluding process start: messages per second over the corpus.

    .venv/bin/python benchmarks/bench_check.py [CORPUS_DIR] [--seconds N]

Reads every .eml once into memory, loads the configuration once, then judges the messages round-robin for
the given time (warm-up round first) and prints messages/s overall and per message.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from gateway.config import load_config
from gateway.pipeline import CheckContext, check_bytes

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    ctx = CheckContext.from_config(load_config(args.corpus / "config.toml"))
    messages = [(p.name, p.read_bytes()) for p in sorted(args.corpus.glob("*.eml"))]
    for name, raw in messages:
        check_bytes(raw, ctx, file=name)
    per_message: dict[str, list[float]] = {name: [] for name, _ in messages}
    count = 0
    cpu_started = time.process_time()
    started = time.perf_counter()
    while time.perf_counter() - started < args.seconds:
        for name, raw in messages:
            t0 = time.perf_counter()
            check_bytes(raw, ctx, file=name)
            per_message[name].append(time.perf_counter() - t0)
            count += 1
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    print(
        f"check throughput: {count / elapsed:.0f} messages/s on one core, wall clock "
        f"({count} checks in {elapsed:.1f} s); {count / cpu:.0f} messages per CPU-second"
    )
    for name, times in per_message.items():
        times.sort()
        print(f"  {name:45s} median {1000 * times[len(times) // 2]:.2f} ms")


if __name__ == "__main__":
    main()
