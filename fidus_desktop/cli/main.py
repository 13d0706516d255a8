"""Argument parsing and error handling for ``fidus``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from fidus_desktop.cli.common import EXIT_PROBLEM, EXIT_USAGE, CliError
from fidus_desktop.config.settings import SettingsError
from fidus_desktop.features.registry import cli_modules
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.services.users import AuthenticationFailed
from fidus_desktop.store.errors import StorageError


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
    except CliError as exc:
        print(f"fidus: {exc}", file=sys.stderr)
        return exc.code
    except (ValidationError, AuthenticationFailed, PermissionDenied, SettingsError) as exc:
        print(f"fidus: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StorageError as exc:
        print(f"fidus: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("fidus: interrupted; nothing half-written (changes are transactional).", file=sys.stderr)
        return EXIT_PROBLEM


if __name__ == "__main__":
    sys.exit(main())
