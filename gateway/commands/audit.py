"""`ordofax audit verify`: walk the hash-chained audit trail and say whether it is intact.

Exit status 0 when every record follows from the previous one, the chain ends where its anchor says and
every job's state matches its last audit record; 1 with the first broken record otherwise; 2 for a
configuration or store error. Print the head (`seq:hash`) and keep it elsewhere: `--expect-head` later
proves the chain still contains that exact record, which catches even a consistent rewrite by someone who
can write to the database (see gateway.audit for the threat model).
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from gateway.commands.status import add_config_argument, load, open_existing
from gateway.errors import StoreError

HELP = "verify the tamper-evident audit trail (exit 0 intact, 1 tampered)"

_HEAD = re.compile(r"^(\d+):([0-9a-f]{64})$")


def _head(value: str) -> tuple[int, str]:
    match = _HEAD.match(value.strip().lower())
    if match is None:
        raise argparse.ArgumentTypeError("expected SEQ:HASH as printed by `ordofax audit verify`")
    return int(match.group(1)), match.group(2)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["verify"], help="what to do with the audit trail")
    add_config_argument(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--expect-head", type=_head, default=None, metavar="SEQ:HASH",
                        help="a head printed earlier; fail unless the chain still contains it")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    config = load(args)
    try:
        store = open_existing(config)
        try:
            report = store.verify_audit(expect_head=args.expect_head)
        finally:
            store.close()
    except StoreError as exc:
        print(f"ordofax audit: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.as_json()))
    elif report.ok:
        print(f"audit trail intact: {report.records} records, head {report.head_seq}:{report.head_hash}")
    else:
        print(f"audit trail TAMPERED at record {report.first_bad_seq}: {report.problem}")
    return 0 if report.ok else 1
