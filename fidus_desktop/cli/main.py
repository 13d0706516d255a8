"""Argument parsing and error handling for ``fidus``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from fidus_desktop.cli.common import EXIT_PROBLEM, exit_for, reader_gone
from fidus_desktop.features.registry import cli_modules


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fidus", description="FIDUS Desktop back-office commands.")
    parser.add_argument("--db", help="database URI: sqlite:///path.db or mongodb://host/db (default: settings)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in cli_modules():  # each feature's modules, each with ``register(subparsers)``
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
    except BrokenPipeError:  # the reader left (`fidus … | head`): end quietly
        return reader_gone()
    except Exception as exc:  # every failure: one message, one log entry, one exit code (cli.common.exit_for)
        return exit_for(exc)


if __name__ == "__main__":
    sys.exit(main())
