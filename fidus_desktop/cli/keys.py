"""``fidus key init|enroll|status|rotate``: the data key that encrypts personal data (docs/SECURITY.md).

The office passphrase is read from the environment variable named by ``--passphrase-env`` or asked for at
a prompt, never taken from the command line. ``read_passphrase`` and ``crypto_errors`` serve the backup
and privacy commands too.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from fidus_desktop.cli.common import (
    EXIT_OK,
    EXIT_PROBLEM,
    acting,
    add_actor_options,
    emit_json,
    fail,
    opened,
    print_table,
)
from fidus_desktop.security.backup_format import BackupCorrupt
from fidus_desktop.security.crypto import CryptoError, WrongPassphrase
from fidus_desktop.services.key_enrolment import DATA_KEY, collected
from fidus_desktop.services.keys import KeysNotReady
from fidus_desktop.services.personal_data import VaultLocked


def read_passphrase(env_var: str | None, what: str, *, confirm: bool = False) -> str:
    if env_var:
        value = os.environ.get(env_var)
        if value is None:
            fail(f"The environment variable {env_var} is not set; put the {what} in it.")
        return value
    if not sys.stdin.isatty():
        fail(f"No {what}: name an environment variable holding it with --passphrase-env VAR.")
    first = getpass.getpass(f"{what[0].upper()}{what[1:]}: ")
    if confirm and getpass.getpass("Repeat it: ") != first:
        fail("The two entries differ; nothing was changed.")
    return first


@contextmanager
def crypto_errors() -> Iterator[None]:
    """Wrong passphrases are usage errors (2); damaged data and missing keys are problems (1)."""
    try:
        yield
    except WrongPassphrase as exc:
        fail(str(exc))
    except (BackupCorrupt, CryptoError, KeysNotReady, VaultLocked) as exc:
        fail(str(exc), EXIT_PROBLEM)


def add_passphrase_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--passphrase-env", metavar="VAR", help=f"environment variable holding the {what}")


def cmd_init(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        passphrase = read_passphrase(args.passphrase_env, "office passphrase", confirm=True)
        with crypto_errors():
            key_id = ctx.services.keys.init(actor, passphrase)
        print(f"Created data key {key_id}; this workstation is enrolled. Keep the passphrase in the office safe.")
        return EXIT_OK


def cmd_enroll(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        with crypto_errors():
            key_ids = ctx.services.keys.enroll(actor, read_passphrase(args.passphrase_env, "office passphrase"))
        print(collected(actor, key_ids))
        return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    with opened(args) as ctx:
        status = ctx.services.keys.status()
        if args.json:
            emit_json(status)
        else:
            print(status.describe())
        return EXIT_OK if status.initialised and status.enrolled else EXIT_PROBLEM


def cmd_rotate(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        passphrase = read_passphrase(args.passphrase_env, "office passphrase")

        def progress(collection: str, done: int, total: int) -> None:
            if done == total:
                print(f"  {collection}: {done} document(s) checked", file=sys.stderr)

        with crypto_errors():
            report = ctx.services.keys.rotate(actor, passphrase, ctx.services.personal_data.registry.fields, progress)
        changed = sum(report.documents.values())
        print(f"Rotated data key {report.old_key_id} → {report.new_key_id}; {changed} document(s) re-encrypted.")
        return EXIT_OK


def cmd_request_enrolment(args: argparse.Namespace) -> int:
    """A colleague asks for the data key on this workstation (the audit seal key alone for a role that may not
    read personal data)."""
    with acting(args) as (ctx, actor):
        request = ctx.services.key_enrolments.request(actor)
        what = "the data key" if request.grant == DATA_KEY else "the audit seal key (to seal its audit entries)"
        print(f"Enrolment request {request.request_id} for {what} on {request.workstation} recorded (valid until "
              f"{request.expires_at:%Y-%m-%d %H:%M} UTC).")
        print(f"Read this fingerprint to the administrator who approves it: {request.fingerprint}")
        print("They run `fidus key approve-enrolment ID --fingerprint CODE` (or Admin → Keys); then run "
              "`fidus key collect` here.")
        return EXIT_OK


def cmd_enrolments(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        pending = ctx.services.key_enrolments.pending(actor)
        if args.json:
            emit_json(pending)
        elif not pending:
            print("No pending enrolment requests.")
        else:
            print_table([{"id": r.request_id, "user": r.username, "workstation": r.workstation,
                          "sends": "data key" if r.grant == DATA_KEY else "audit seal key",
                          "requested": f"{r.requested_at:%Y-%m-%d %H:%M}"} for r in pending],
                        ["id", "user", "workstation", "sends", "requested"])
        return EXIT_OK


def cmd_decide_enrolment(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        enrolments = ctx.services.key_enrolments
        if args.key_command == "approve-enrolment":
            request = enrolments.approve(actor, args.request, args.fingerprint)
            what = "the data key" if request.grant == DATA_KEY else "the audit seal key"
            print(f"Approved: {request.username} collects {what} on {request.workstation} with "
                  "`fidus key collect`.")
        else:
            request = enrolments.reject(actor, args.request, args.reason)
            print(f"Rejected the enrolment of {request.workstation} for {request.username}.")
        return EXIT_OK


def cmd_collect(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        with crypto_errors():
            key_ids = ctx.services.key_enrolments.collect(actor)
        if not key_ids:
            fail("No approved enrolment for this workstation yet: ask an administrator to approve your request "
                 "(`fidus key request-enrolment` makes one).", EXIT_PROBLEM)
        print(collected(actor, key_ids))
        return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("key", help="create, enrol, check and rotate the personal-data key")
    sub = parser.add_subparsers(dest="key_command", required=True, metavar="ACTION")
    for name, help_text, func in [
        ("init", "create the first data key (administrator)", cmd_init),
        ("enroll", "enrol this workstation with the office passphrase", cmd_enroll),
        ("rotate", "re-encrypt all personal data under a new key (resumable)", cmd_rotate),
    ]:
        cmd = sub.add_parser(name, help=help_text)
        add_actor_options(cmd)
        add_passphrase_option(cmd, "office passphrase")
        cmd.set_defaults(func=func)
    for name, help_text, func in [
        ("request-enrolment", "ask an administrator for the data key (or audit seal key) on this workstation",
         cmd_request_enrolment),
        ("collect", "take the key an administrator approved for this workstation", cmd_collect),
    ]:
        cmd = sub.add_parser(name, help=help_text)
        add_actor_options(cmd)
        cmd.set_defaults(func=func)
    listing = sub.add_parser("enrolments", help="pending requests to enrol a workstation (administrator)")
    add_actor_options(listing)
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(func=cmd_enrolments)
    approve = sub.add_parser("approve-enrolment", help="send the data key to a colleague's workstation")
    add_actor_options(approve)
    approve.add_argument("request", metavar="REQUEST_ID")
    approve.add_argument("--fingerprint", required=True, help="the code the colleague's workstation shows")
    approve.set_defaults(func=cmd_decide_enrolment)
    reject = sub.add_parser("reject-enrolment", help="refuse a request to enrol a workstation")
    add_actor_options(reject)
    reject.add_argument("request", metavar="REQUEST_ID")
    reject.add_argument("--reason", required=True)
    reject.set_defaults(func=cmd_decide_enrolment)
    status = sub.add_parser("status", help="is there a key, and is this workstation enrolled (exit 1 if not)")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=cmd_status)
