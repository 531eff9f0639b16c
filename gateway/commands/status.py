"""`ordofax status`: what the gateway holds right now — jobs by state, the oldest pending job, overdue jobs
(pending longer than `retention.pending_alert_after_seconds`), jobs in doubt, and failures.

Prints job ids, states and counts only, never clinical content. Exit status: 0 nothing overdue, in doubt or
unconfirmed past its deadline; 1 something needs a look (so a cron job or a monitoring check can alert on
it); 2 configuration or store error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gateway.config import Config, default_config, load_config
from gateway.errors import StoreError
from gateway.store import SqlJobStore, StatusSummary, open_store

HELP = "show jobs by state, the oldest pending job, overdue jobs and failures"


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=None, help="configuration file (default: the demo)")


def load(args: argparse.Namespace) -> Config:
    path: Path | None = args.config
    return load_config(path) if path is not None else default_config()


def open_existing(config: Config) -> SqlJobStore:
    """Open without creating (also used by `ordofax audit`): an empty new file would hide a wrong path."""
    return open_store(config.storage, config.retry, create=False)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _text(summary: StatusSummary, alert_after: float) -> str:
    lines = ["jobs by state:"]
    lines += [f"  {state:<17} {n}" for state, n in summary.counts.items() if n]
    if not any(summary.counts.values()):
        lines.append("  (none)")
    lines.append(f"open jobs: {summary.open_jobs}")
    oldest = summary.oldest_open
    if oldest is not None:
        lines.append(f"oldest open: {oldest.job_id} ({oldest.state.value}, {oldest.age_seconds:.0f} s)")
    lines.append(f"overdue (> {alert_after:.0f} s): {len(summary.overdue)}")
    lines += [f"  {o.job_id} {o.state.value} {o.age_seconds:.0f} s" for o in summary.overdue[:20]]
    lines.append(f"in doubt (waiting for a provider notice after a crash): {summary.in_doubt}")
    lines.append(f"relayed, no provider notice by the deadline: {summary.unconfirmed_past_deadline}")
    lines.append(f"failures: {summary.failures_total} total, {summary.failures_last_24h} in the last 24 h")
    lines += [f"  {cause}: {n}" for cause, n in sorted(summary.failure_causes.items())]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    alert_after = config.retention.pending_alert_after_seconds
    try:
        store = open_existing(config)
        try:
            summary = store.status(overdue_after_seconds=alert_after)
        finally:
            store.close()
    except StoreError as exc:
        print(f"ordofax status: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary.as_json(), ensure_ascii=False))
    else:
        print(_text(summary, alert_after))
    return 1 if summary.overdue or summary.in_doubt or summary.unconfirmed_past_deadline else 0
