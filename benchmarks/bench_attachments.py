"""What attachment analysis costs: sniff, inspect_pdf on normal and hostile PDFs, unpack_tnef.

    .venv/bin/python benchmarks/bench_attachments.py [--repeat N]

Samples are built in memory with the tests' builders (nothing is written). Prints the median wall time of each
operation; the worker start is measured once, on the first inspection, and again after a kill.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.parsing.pdfinspect import analyse_pdf, inspect_pdf
from gateway.parsing.sniff import sniff
from gateway.parsing.tnef import unpack_tnef
from tests.test_pdfinspect import (
    PRESCRIPTION,
    bomb_pdf,
    scan_pdf,
    text_pdf,
    xform_amplifier_pdf,
)
from tests.test_tnef import tnef


def median_ms(operation: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        operation()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def once_ms(operation: Callable[[], object]) -> float:
    return median_ms(operation, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    n = parser.parse_args().repeat

    def inspect(data: bytes, seconds: float = 5.0) -> object:
        return inspect_pdf(data, max_pages=20, max_seconds=seconds)

    twenty_pages = text_pdf(*[f"page {i}\nTÉLÉCONSULTATION" for i in range(20)])
    scan, bomb, amplifier = scan_pdf(), bomb_pdf(), xform_amplifier_pdf()
    big_pdf = PRESCRIPTION + os.urandom(10 * 1024 * 1024) + b"\n%%EOF\n"
    winmail = tnef(*[(f"{i}.pdf", PRESCRIPTION + os.urandom(1024 * 1024)) for i in range(10)])

    rows = [
        ("inspect_pdf, first call (starts the fork server and a worker)", once_ms(lambda: inspect(PRESCRIPTION))),
        ("inspect_pdf, one-page typed prescription", median_ms(lambda: inspect(PRESCRIPTION), n)),
        (
            "analyse_pdf in-process, same document",
            median_ms(lambda: analyse_pdf(PRESCRIPTION, max_pages=20, deadline=time.monotonic() + 5), n),
        ),
        ("inspect_pdf, one-page scan (image only)", median_ms(lambda: inspect(scan), n)),
        ("inspect_pdf, 20 typed pages", median_ms(lambda: inspect(twenty_pages), n)),
        (f"inspect_pdf, deflate bomb ({len(bomb) // 1024} KB -> 256 MB)", median_ms(lambda: inspect(bomb), n)),
        ("inspect_pdf, 2 KB form-XObject amplifier, budget 1 s (killed)", once_ms(lambda: inspect(amplifier, 1.0))),
        ("inspect_pdf, next call after the kill (new worker)", once_ms(lambda: inspect(PRESCRIPTION))),
        ("sniff, 10 MB PDF", median_ms(lambda: sniff(big_pdf), n)),
        ("sniff, 10 MB random bytes", median_ms(lambda: sniff(big_pdf[2000:]), n)),
        (
            "unpack_tnef, 10 files of 1 MB",
            median_ms(lambda: unpack_tnef(winmail, max_bytes=20 << 20, max_attachments=10), n),
        ),
    ]
    for label, ms in rows:
        print(f"{label:70s} {ms:9.1f} ms")


if __name__ == "__main__":
    main()
