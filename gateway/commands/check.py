"""`ordofax check --config FILE [--json] MESSAGE.eml…` — validate offline, touching no network."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gateway.config import load_config
from gateway.pipeline import CheckContext, check_bytes
from gateway.report import text_report

HELP = "Validate messages offline against the teleconsultation guide's rules."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, required=True, help="TOML configuration file")
    parser.add_argument("--json", action="store_true", help="one JSON object per message, one per line")
    parser.add_argument("messages", nargs="+", type=Path, metavar="MESSAGE.eml")


def run(args: argparse.Namespace) -> int:
    ctx = CheckContext.from_config(load_config(args.config))
    status = 0
    for path in args.messages:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            print(f"ordofax: cannot read {path}: {exc.strerror or exc.__class__.__name__}", file=sys.stderr)
            status = 2
            continue
        result = check_bytes(raw, ctx, file=str(path))
        if args.json:
            print(json.dumps(result.as_json(), ensure_ascii=False), flush=False)
        else:
            print(text_report(result) + "\n")
        if not result.accepted and status == 0:
            status = 1
    sys.stdout.flush()
    return status
