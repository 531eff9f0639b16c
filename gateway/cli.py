"""The `ordofax` command line. Each sub-command lives in its own module under `gateway.commands`.

Only the module of the command being run is imported, so `ordofax check` never pays for (or depends on) the
PDF, relay or storage stacks. Exit status everywhere: 0 success / all accepted, 1 some message rejected or
failed, 2 usage or configuration error — printed as one clear line per problem, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Protocol, cast

from gateway.errors import ConfigError

COMMANDS: dict[str, str] = {
    "check": "Validate messages offline against the teleconsultation guide's rules.",
    "render": "Render accepted messages as the locked AH-251 / AH-253 PDFs that would be sent.",
    "send": "Send one message through the whole path to the configured endpoints.",
    "demo": "Run messages through the whole gateway against local stand-in servers.",
    "serve": "Run the gateway service: SMTP listener, durable queue, relays, purge.",
    "status": "Show jobs by state, the oldest pending job and failures.",
    "audit": "Verify the hash-chained audit trail.",
}


class CommandModule(Protocol):
    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def _usage() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ordofax", description="Prescription transmission gateway (RSSS).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, text in COMMANDS.items():
        sub.add_parser(name, help=text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        try:
            _usage().parse_args(argv)
        except SystemExit as exc:
            return 0 if exc.code in (0, None) else 2
        return 2
    name = argv[0]
    module = cast(CommandModule, importlib.import_module(f"gateway.commands.{name}"))
    parser = argparse.ArgumentParser(prog=f"ordofax {name}", description=module.HELP)
    module.add_arguments(parser)
    try:
        args = parser.parse_args(argv[1:])
    except SystemExit as exc:
        return 0 if exc.code in (0, None) else 2
    try:
        return module.run(args)
    except ConfigError as exc:
        print(f"ordofax: configuration error:\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
