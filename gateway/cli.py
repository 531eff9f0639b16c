"""The `ordofax` command line. Each sub-command lives in its own module under `gateway.commands`.

Exit status everywhere: 0 success / all accepted, 1 some message rejected or failed, 2 usage or configuration
error. Configuration errors are printed as one clear line per problem, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Protocol

from gateway.errors import ConfigError

COMMANDS = ("check", "render", "send", "demo", "serve", "status", "audit")


class CommandModule(Protocol):
    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def _load(name: str) -> CommandModule | None:
    try:
        module = importlib.import_module(f"gateway.commands.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"gateway.commands.{name}":
            return None
        raise
    return module  # type: ignore[return-value]


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, CommandModule]]:
    parser = argparse.ArgumentParser(prog="ordofax", description="Prescription transmission gateway (RSSS).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    modules: dict[str, CommandModule] = {}
    for name in COMMANDS:
        module = _load(name)
        if module is None:
            continue
        modules[name] = module
        module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))
    return parser, modules


def main(argv: Sequence[str] | None = None) -> int:
    parser, modules = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code not in (0, None) else 0
    try:
        return modules[args.command].run(args)
    except ConfigError as exc:
        print(f"ordofax: configuration error:\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
