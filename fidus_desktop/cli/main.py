"""Argument parsing and error handling for ``fidus``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from fidus_desktop.cli.common import EXIT_PROBLEM, exit_for

# Each module has ``register(subparsers)``; a command sets ``func`` returning an exit code.
COMMAND_MODULES = [
    "fidus_desktop.cli.audit",
    "fidus_desktop.cli.backup",
    "fidus_desktop.cli.basics",
    "fidus_desktop.cli.documents",
    "fidus_desktop.cli.investors",
    "fidus_desktop.cli.keys",
    "fidus_desktop.cli.mt5",
    "fidus_desktop.cli.portfolio",
    "fidus_desktop.cli.privacy",
    "fidus_desktop.cli.reports",
    "fidus_desktop.cli.users",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fidus", description="FIDUS Desktop back-office commands.")
    parser.add_argument("--db", help="database URI: sqlite:///path.db or mongodb://host/db (default: settings)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("fidus: interrupted; nothing half-written (changes are transactional).", file=sys.stderr)
        return EXIT_PROBLEM
    except Exception as exc:  # every failure: one message, one log entry, one exit code (cli.common.exit_for)
        return exit_for(exc)


if __name__ == "__main__":
    sys.exit(main())
