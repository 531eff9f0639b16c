"""The job store alone, both engines, in one run: how fast it takes messages and moves jobs.

    .venv/bin/python benchmarks/bench_store.py [--jobs N] [--engines sqlite,postgresql]

Figures per engine (PostgreSQL: a throw-away local server with fsync on, as in production):

* receive/s, one client — durable commits one after the other (each waits for its own disk sync);
* receive/s, 8 clients — the same from 8 threads: durable commits share syncs (group commit);
* duplicate receive/s — the same Message-ID again (one lookup and an audit record);
* fax job/s — claim, check (accepted, one 47 KB document), sending (durable), sent, notice (durable),
  claim, archived, notified: every call a worker and the listener make for one fax, one after the other;
* purge/s and audit verify records/s.

Messages are 20 KB of synthetic text; nothing clinical. Times are wall-clock, this process only.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from gateway.config import RetrySection, StorageSection
from gateway.store import JobState, JobUpdate, NewDocument, SqlJobStore, open_store
from gateway.store.pgserver import TempPostgres, unavailable_reason

S = JobState
BODY = b"x" * 20_000
PDF = b"%PDF-1.4\n" + b"0" * 47_000


def raw(n: int) -> bytes:
    return b"Message-ID: <bench-%d@ssss.gouv.qc.ca>\r\nSubject: bench\r\n\r\n" % n + BODY


def rate(count: int, func: Callable[[], None]) -> float:
    started = time.perf_counter()
    func()
    return count / (time.perf_counter() - started)


def receive_all(store: SqlJobStore, first: int, count: int) -> None:
    for n in range(first, first + count):
        store.receive(f"<bench-{n}@ssss.gouv.qc.ca>", raw(n), sender="dr@ssss.gouv.qc.ca")


def receive_threads(store: SqlJobStore, first: int, count: int, threads: int = 8) -> None:
    share = count // threads
    workers = [threading.Thread(target=receive_all, args=(store, first + k * share, share)) for k in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def fax_jobs(store: SqlJobStore, count: int) -> None:
    update = JobUpdate(route="fax", destination_kind="pharmacy", document="drug_rx", rule_codes=[],
                       destination="+15145550150")  # fmt: skip
    queued = JobUpdate(page_count=1, documents=[NewDocument("fax", PDF, 1)])
    for _ in range(count):
        job = store.claim_next("w1")
        assert job is not None
        store.record_check(job.id, worker_id="w1", accepted=True, update=update, queued=queued)
        store.transition(job.id, S.SENDING, worker_id="w1")
        store.transition(job.id, S.SENT_UNCONFIRMED, worker_id="w1", update=JobUpdate(remote_id="1"))
        store.match_notice(job.id, success=True, remote_id="1", number="+15145550150")
        claimed = store.claim_next("w1")
        assert claimed is not None and claimed.id == job.id
        store.transition(job.id, S.ARCHIVED, worker_id="w1")
        store.transition(job.id, S.NOTIFIED, worker_id="w1")


def measure(store: SqlJobStore, jobs: int) -> list[tuple[str, float, str]]:
    figures = [("receive, one client", rate(jobs, lambda: receive_all(store, 0, jobs)), "msg/s")]
    figures.append(("receive, 8 clients", rate(jobs, lambda: receive_threads(store, jobs, jobs)), "msg/s"))
    figures.append(("duplicate receive", rate(jobs, lambda: receive_all(store, 0, jobs)), "msg/s"))
    figures.append(("fax job, every call", rate(jobs, lambda: fax_jobs(store, jobs)), "jobs/s"))
    purged: list[str] = []
    figures.append(("purge", rate(jobs, lambda: purged.extend(store.purge_due(3600))), "jobs/s"))
    assert len(purged) == jobs
    started = time.perf_counter()
    report = store.verify_audit()
    assert report.ok
    figures.append(("audit verify", report.records / (time.perf_counter() - started), "records/s"))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=400)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    results: dict[str, list[tuple[str, float, str]]] = {}
    with tempfile.TemporaryDirectory(prefix="ordofax-bench-store-") as tmp:
        for engine in args.engines.split(","):
            if engine == "sqlite":
                storage = StorageSection(path=Path(tmp) / "store.sqlite3", data_dir=Path(tmp) / "data")
                store = open_store(storage, RetrySection())
                results[engine] = measure(store, args.jobs)
                store.close()
            elif unavailable_reason() is None:
                with TempPostgres(fsync=True) as pg:
                    storage = StorageSection(engine="postgresql", dsn=pg.dsn(), data_dir=Path(tmp) / "data")
                    store = open_store(storage, RetrySection())
                    results[engine] = measure(store, args.jobs)
                    store.close()
            else:
                print(f"{engine}: skipped ({unavailable_reason()})")
    print(f"jobs: {args.jobs}, 20 KB messages, 47 KB documents")
    for engine, figures in results.items():
        for name, value, unit in figures:
            print(f"{engine:<11} {name:<22} {value:9.0f} {unit}")


if __name__ == "__main__":
    main()
