"""The shared command line of the Exchange stand-ins (`python -m fakes.graph`, `python -m fakes.ews`):
start the server, seed its inbox, print the settings a gateway needs, then print each message it receives."""

from __future__ import annotations

import argparse
import json
import signal
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol


class ExchangeFake(Protocol):
    @property
    def sent(self) -> Sequence[Any]: ...

    def seed(self, mime: bytes) -> str: ...

    def exchange_settings(self) -> dict[str, Any]: ...

    def stop(self) -> None: ...


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_fake(prog: str, doc: str, start: Callable[[int], ExchangeFake], describe: Callable[[Any], str]) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=Path, nargs="*", default=[], help="raw .eml files to put in the inbox")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)  # stop cleanly (temporary certificate removed) on SIGTERM too
    fake = start(args.port)
    try:
        for path in args.seed:
            fake.seed(path.read_bytes())
        print(json.dumps({k: str(v) for k, v in fake.exchange_settings().items()}, indent=2), flush=True)
        seen = 0
        while True:
            time.sleep(0.5)
            for sent in fake.sent[seen:]:
                print(describe(sent), flush=True)
            seen = len(fake.sent)
    except KeyboardInterrupt:
        return 0
    finally:
        fake.stop()
