"""The check-and-render helper process: the same answers as in a thread, and nothing left behind."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from gateway.config import default_config, demo_dir
from gateway.pipeline import CheckContext
from gateway.service.cpu import CpuHelper, prepare

MESSAGES = demo_dir() / "messages"
DRUG_RX = (MESSAGES / "20_drug_rx_windows1252.eml").read_bytes()
REJECTED = (MESSAGES / "50_rejected_spoofed_vague.eml").read_bytes()


async def ready(helper: CpuHelper, timeout: float = 30.0) -> None:
    helper.start()
    deadline = time.monotonic() + timeout
    while not helper.ready:
        assert time.monotonic() < deadline, "helper not ready"
        await asyncio.sleep(0.05)


async def test_helper_checks_and_renders_as_a_thread_would() -> None:
    config = default_config()
    ctx = CheckContext.from_config(config)
    helper = CpuHelper(config, ctx, processes=1)
    try:
        await ready(helper)
        for raw in (DRUG_RX, REJECTED):
            there = await helper.prepare(raw, "20261202-abc", render=True)
            here = prepare(raw, "20261202-abc", config, ctx, render=True)
            assert there.result.accepted == here.result.accepted
            assert [f.code for f in there.result.findings] == [f.code for f in here.result.findings]
            got = [(d.purpose, d.pages, d.filename) for d in there.documents or []]
            assert got == [(d.purpose, d.pages, d.filename) for d in here.documents or []]
        assert (await helper.prepare(DRUG_RX, "20261202-abc", render=True)).documents
        assert (await helper.prepare(REJECTED, "20261202-abc", render=True)).documents is None
    finally:
        helper.close()


CHILD = """
import asyncio, sys
from gateway.config import default_config
from gateway.pipeline import CheckContext
from gateway.service.cpu import CpuHelper

async def main():
    config = default_config()
    helper = CpuHelper(config, CheckContext.from_config(config), processes=1)
    helper.start()
    while not helper.ready:
        await asyncio.sleep(0.05)
    print(" ".join(str(p) for p in helper.pids()), flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


def test_helper_exits_when_the_service_is_killed(tmp_path: Path) -> None:
    service = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    try:
        assert service.stdout is not None
        pids = [int(p) for p in service.stdout.readline().split()]
        assert pids and all(Path(f"/proc/{p}").exists() for p in pids)
    finally:
        service.send_signal(signal.SIGKILL)
        service.wait()
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids):
        assert time.monotonic() < deadline, "helper outlived the service"
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rpartition(")")[2].split()[0] != "Z"
