"""`ordofax demo [--config FILE] [--json] [MESSAGE.eml…]` — the whole gateway, for real, on loopback.

Starts the stand-ins (fake fax provider, fake Graph — or fake EWS when `exchange.backend = "ews"`) on free
ports, starts the service in-process against them with a temporary store, submits each message over SMTP to
the service's listener, waits (bounded) until each job is finished for its sender, and prints per message
what the stand-ins actually received: the fax (number, pages), the e-mail (to, encrypted), the archives copy
and the sender notice. Exit status: 0 when every message reached a final state (a rejection is a normal
outcome), 1 otherwise, 2 for usage or configuration errors.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from gateway.config import Config, default_config, demo_dir, load_config
from gateway.service import logs
from gateway.service import loop as event_loop
from gateway.service.app import Service
from gateway.service.standins import FINAL, StandIns, running_gateway, submit, wait_final
from gateway.store import JobState

HELP = "Run messages through the whole gateway against local stand-in servers."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML configuration file (default: the bundled demo)")
    parser.add_argument("--json", action="store_true", help="one JSON object per message, one per line")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="wait per run (default 60)")
    parser.add_argument("--log-file", type=Path, help="write the service's JSON log lines here (default: none)")
    parser.add_argument("messages", nargs="*", type=Path, metavar="MESSAGE.eml")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config) if args.config else default_config()  # ConfigError: exit 2 in gateway.cli
    paths: list[Path] = list(args.messages) or sorted((demo_dir() / "messages").glob("*.eml"))
    messages: list[tuple[str, bytes]] = []
    for path in paths:
        try:
            messages.append((str(path), path.read_bytes()))
        except OSError as exc:
            print(f"ordofax: cannot read {path}: {exc.strerror or exc.__class__.__name__}", file=sys.stderr)
            return 2
    logs.setup("WARNING" if args.log_file is None else "INFO", args.log_file)
    with tempfile.TemporaryDirectory(prefix="ordofax-demo-") as tmp:
        rows = event_loop.run(run_demo(config, messages, Path(tmp), timeout=args.timeout))
    for row in rows:
        print(json.dumps(row, ensure_ascii=False) if args.json else _text(row), flush=True)
    return 0 if all(row["state"] in ("delivered", "rejected", "failed") for row in rows) else 1


async def run_demo(
    config: Config, messages: list[tuple[str, bytes]], data_dir: Path, *, timeout: float = 60.0
) -> list[dict[str, object]]:
    """Run `messages` (name, raw bytes) through a fresh service; one result row per message."""
    async with running_gateway(config, data_dir) as (standins, service):
        domain = service.config.gateway.fax_domain
        job_ids = [await submit(service.listener_port, raw, fax_domain=domain) for _, raw in messages]
        await wait_final(service, [j for j in job_ids if j], timeout)
        return [_row(name, job_id, service, standins) for (name, _), job_id in zip(messages, job_ids, strict=True)]


def _row(name: str, job_id: str | None, service: Service, standins: StandIns) -> dict[str, object]:
    row: dict[str, object] = {"file": Path(name).name, "verdict": None, "route": None, "state": "not_received",
                              "fax": None, "email": None, "archived": False, "sender_notified": False}  # fmt: skip
    if job_id is None:
        return row
    job = service.store.get(job_id)
    got = standins.received(job_id)
    verdict = (
        None
        if job.state in (JobState.RECEIVED, JobState.CHECKED)
        else ("rejected" if job.outcome is not None and job.outcome.value == "rejected" else "accepted")
    )
    faxes = [f for f in got.faxes if f.status == "sent"]
    row.update(
        job_id=job_id,
        verdict=verdict,
        route=job.route,
        state=job.outcome.value if job.outcome is not None and job.state in FINAL else job.state.value,
        fax={"number": faxes[0].e164, "pages": faxes[0].pages} if faxes else None,
        email={"to": got.routed_mail[0][0], "encrypted": got.routed_mail[0][1]} if got.routed_mail else None,
        archived=got.archived > 0,
        sender_notified=bool(got.notices),
    )
    if job.state is JobState.REJECTED or (job.outcome is not None and job.outcome.value == "rejected"):
        row["codes"] = list(job.rule_codes)
    return row


def _text(row: dict[str, object]) -> str:
    parts = [f"{row['file']}: {row['state']}"]
    if row.get("route"):
        parts.append(f"route {row['route']}")
    fax = row.get("fax")
    if isinstance(fax, dict):
        parts.append(f"faxed to {fax['number']} ({fax['pages']} p.)")
    email = row.get("email")
    if isinstance(email, dict):
        parts.append(f"e-mailed to {email['to']}{' (encrypted)' if email['encrypted'] else ''}")
    codes = row.get("codes")
    if isinstance(codes, list) and codes:
        parts.append("codes " + ",".join(str(c) for c in codes))
    parts.append("archived" if row["archived"] else "not archived")
    parts.append("sender notified" if row["sender_notified"] else "sender NOT notified")
    return " — ".join(parts)
