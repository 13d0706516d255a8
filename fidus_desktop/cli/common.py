"""What every command shares: opening the database, acting as a signed-in user, printing, exiting."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, NoReturn

from fidus_desktop.bootstrap import AppContext, open_context
from fidus_desktop.config.logging_setup import configure_logging
from fidus_desktop.config.paths import AppPaths
from fidus_desktop.errors import UserError, is_expected, report
from fidus_desktop.services.actor import Actor

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
log = logging.getLogger(__name__)
Handler = Callable[[argparse.Namespace], int]


class CliError(UserError):
    """A message for the user and the exit code to leave with."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = code


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    raise CliError(message, code)


def read_bytes(path: str) -> bytes:
    """A file named on the command line, or exit 2 saying why it cannot be read."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        fail(f"Cannot read {path}: {exc.strerror or exc}.")


def exit_for(exc: BaseException) -> int:
    """Print what went wrong and how to fix it (never a traceback), log it once, return the exit code.

    Known conditions exit with their ``exit_code`` (2: fix the input or the set-up); anything unexpected is
    logged with its trace in the log file, which the message names with a reference, and exits 1.
    """
    log_file = AppPaths.for_user().log_file
    if not is_expected(exc):
        try:
            configure_logging(log_file)  # the trace goes to the file even if no database was opened
        except OSError:
            pass  # the log folder cannot be written: the message still names the problem's reference
    print(f"fidus: {report(exc, log, log_hint=str(log_file))}", file=sys.stderr)
    if isinstance(exc, UserError):
        return exc.exit_code
    return EXIT_USAGE if is_expected(exc) else EXIT_PROBLEM


@contextmanager
def opened(args: argparse.Namespace) -> Iterator[AppContext]:
    """The database named by ``--db`` / FIDUS_DB / settings for one command, closed when it ends."""
    ctx = open_context(getattr(args, "db", None), create=getattr(args, "creates_database", False))
    try:
        yield ctx
    finally:
        ctx.close()


@contextmanager
def acting(args: argparse.Namespace) -> Iterator[tuple[AppContext, Actor]]:
    """The database and the signed-in user a data command acts as."""
    with opened(args) as ctx:
        yield ctx, signed_in_actor(ctx, args)


def add_actor_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", default=os.environ.get("FIDUS_USER"),
                        help="act as this user (or FIDUS_USER; without it, the session `fidus login` opened)")
    parser.add_argument(
        "--password-env", default="FIDUS_PASSWORD", metavar="VAR", help="environment variable holding the password"
    )
    parser.add_argument(
        "--otp-env", default="FIDUS_OTP", metavar="VAR", help="environment variable holding the MFA code, if enrolled"
    )


def signed_in_actor(ctx: AppContext, args: argparse.Namespace) -> Actor:
    """``--user`` or this workstation's CLI session, under the GUI's sign-in policy (``cli.sign_in``)."""
    from fidus_desktop.cli.sign_in import signed_in_actor as sign_in  # it uses fail() from here

    return sign_in(ctx, args)


def to_jsonable(value: Any) -> Any:
    """Decimals as strings (exact), dates ISO, dataclasses and enums unwrapped."""
    if is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def reader_gone() -> int:
    """The reader of our output went away (``fidus … | head``): end quietly, like other command-line tools.

    stdout is pointed at the null device so the interpreter's final flush cannot raise a second time.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_OK


def emit_json(data: Any) -> None:
    json.dump(to_jsonable(data), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """A plain aligned text table for people (``--json`` is for programs)."""
    cells = [[str(to_jsonable(row.get(c, ""))) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
