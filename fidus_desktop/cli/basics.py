"""``fidus version``, ``fidus init``, ``fidus doctor`` and ``fidus config``: set-up and health checks."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from fidus_desktop import __version__
from fidus_desktop.bootstrap import db_password_name
from fidus_desktop.cli.common import EXIT_OK, EXIT_PROBLEM, emit_json, fail, opened
from fidus_desktop.cli.doctor import run_checks, run_deep
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.services.demo import DEMO_USERNAMES, load_demo


def cmd_version(args: argparse.Namespace) -> int:
    if args.json:
        emit_json({"version": __version__, "python": sys.version.split()[0]})
    else:
        print(f"FIDUS Desktop {__version__}")
    return EXIT_OK


def _admin_password(args: argparse.Namespace) -> str | None:
    """The first administrator's password: from ``--admin-password-env`` or asked in a terminal (None: no user)."""
    if args.admin_password_env and not args.admin_user:
        fail("--admin-password-env is for the administrator named by --admin-user; give --admin-user NAME too.")
    if not args.admin_user:
        return None
    if args.admin_password_env:
        password = os.environ.get(args.admin_password_env)
        if password is None:
            fail(f"The environment variable {args.admin_password_env} is not set; put the password in it first.")
        return password
    if not sys.stdin.isatty():
        fail("No password given: set --admin-password-env VAR to an environment variable holding it.")
    return getpass.getpass(f"New password for {args.admin_user}: ")


def cmd_init(args: argparse.Namespace) -> int:
    with opened(args) as ctx:
        services = ctx.services
        if services.users.count() > 0:
            fail("This database already has users; nothing was changed. Use `fidus user add` to add more.")
        if not args.demo and not args.admin_user:
            fail("Say who the first administrator is: --admin-user NAME --admin-password-env VAR (or --demo).")
        password = _admin_password(args)  # every option given is used or refused before anything is written
        if args.demo and args.admin_user:
            if args.admin_user.strip().casefold() in DEMO_USERNAMES:
                fail(f"{args.admin_user} is one of the demo office's own users; choose another --admin-user name.")
            services.users.check_new(args.admin_user, password, "admin")
        if args.demo:
            run = load_demo(services)
            print(f"Demo data loaded into {ctx.store.describe()}. Open it with: fidus-desktop --db {args.db or '…'}")
            if args.admin_user:
                user = services.users.create_user(run.actor, args.admin_user, password, "admin")
                print(f"Created administrator {user.username} in the demo office.")
            return EXIT_OK
        user = services.users.create_first_admin(args.admin_user, password)
        print(f"Created administrator {user.username} in {ctx.store.describe()}.")
        return EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    results = run_deep(args.deep) if args.deep else run_checks(getattr(args, "db", None))
    if args.json:
        emit_json([r.as_dict() for r in results])
    else:
        for r in results:
            print(f"[{r.status.upper():>4}] {r.name}: {r.detail}")
            if r.fix:
                print(f"       fix: {r.fix}")
    return EXIT_PROBLEM if any(r.status == "fail" for r in results) else EXIT_OK


def cmd_set_db_password(args: argparse.Namespace) -> int:
    password = os.environ.get(args.password_env) if args.password_env else None
    if password is None:
        if not sys.stdin.isatty():
            fail("No password given: use --password-env VAR or run in a terminal to be asked.")
        password = getpass.getpass(f"MongoDB password for {args.user_host}: ")
    SecretStore().set(db_password_name(args.user_host), password)
    print(f"Stored the MongoDB password for {args.user_host} in the OS keyring.")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("version", help="print the version")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_version)

    p = sub.add_parser("init", help="set up an empty database: first administrator, or demo data")
    p.add_argument("--demo", action="store_true", help="fill the database with the deterministic demo office")
    p.add_argument("--admin-user", metavar="NAME")
    p.add_argument("--admin-password-env", metavar="VAR", help="environment variable holding the password")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("doctor", help="check database, keyring, MT5 and Google set-up; say how to fix problems")
    p.add_argument("--json", action="store_true")
    p.add_argument("--deep", metavar="URI", help="prove a MongoDB server in throwaway databases (poll, concurrent "
                   "edit, backup and restore) before the office moves to it")
    p.set_defaults(func=cmd_doctor)

    config = sub.add_parser("config", help="workstation configuration")
    csub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    p = csub.add_parser("set-db-password", help="store a MongoDB password in the OS keyring")
    p.add_argument("user_host", metavar="USER@HOST", help="as in the URI, e.g. fidus@db.office.local")
    p.add_argument("--password-env", metavar="VAR")
    p.set_defaults(func=cmd_set_db_password)
