"""``fidus user add|list|disable|enable|unlock|reset-password|set-role``: user administration from a terminal.

Every command acts as a signed-in administrator (``--user`` / ``FIDUS_USER``, password from ``FIDUS_PASSWORD``
or a prompt). New passwords never come from the command line (shell history, process lists): they are read
from the environment variable named by ``--new-password-env`` or asked for twice at a prompt.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable

from fidus_desktop.cli.common import (
    EXIT_OK,
    acting,
    add_actor_options,
    emit_json,
    fail,
    opened,
    print_table,
    signed_in_actor,
)
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.users import User, UserService

Action = Callable[[UserService, Actor, User, argparse.Namespace], User]
LIST_COLUMNS = ["username", "display_name", "role", "active", "mfa", "locked_until", "last_sign_in_at"]


def read_new_password(args: argparse.Namespace, username: str) -> str:
    if args.new_password_env:
        value = os.environ.get(args.new_password_env)
        if value is None:
            fail(f"The environment variable {args.new_password_env} is not set; put the new password in it.")
        return value
    if not sys.stdin.isatty():
        fail("No new password: name an environment variable holding it with --new-password-env VAR.")
    first = getpass.getpass(f"New password for {username}: ")
    if getpass.getpass("Repeat it: ") != first:
        fail("The two passwords differ; nothing was changed.")
    return first


def row(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "active": user.active,
        "mfa": user.mfa_enabled,
        "locked_until": user.locked_until,
        "last_sign_in_at": user.last_sign_in_at,
    }


def cmd_add(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        password = read_new_password(args, args.username)
        user = ctx.services.users.create_user(actor, args.username, password, args.role, args.name)
        print(f"Created {user.role.value} {user.username}.")
        return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    with opened(args) as ctx:
        users = ctx.services.users.list(signed_in_actor(ctx, args))
        rows = [row(u) for u in users]
        if args.json:
            emit_json(rows)
        else:
            print_table(rows, LIST_COLUMNS)
        return EXIT_OK


def on_user(action: Action, done: str) -> Callable[[argparse.Namespace], int]:
    """A command that applies ``action`` to the user named by ``args.username``."""

    def run(args: argparse.Namespace) -> int:
        with acting(args) as (ctx, actor):
            service = ctx.services.users
            user = action(service, actor, service.by_username(actor, args.username), args)
            print(done.format(user=user))
            return EXIT_OK

    return run


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("user", help="add, list and manage user accounts")
    sub = parser.add_subparsers(dest="user_command", required=True, metavar="ACTION")

    def command(name: str, help_text: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help_text)
        add_actor_options(cmd)
        cmd.set_defaults(func=func)
        return cmd

    roles = [r.value for r in Role]
    add = command("add", "create a user", cmd_add)
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=roles)
    add.add_argument("--name", help="display name (default: the username)")
    add.add_argument("--new-password-env", metavar="VAR", help="environment variable holding the new password")

    listing = command("list", "list users", cmd_list)
    listing.add_argument("--json", action="store_true", help="machine-readable output")

    simple: list[tuple[str, str, Action, str]] = [
        ("disable", "disable a user", lambda s, a, u, _: s.disable_user(a, u.user_id), "Disabled {user.username}."),
        ("enable", "enable a user", lambda s, a, u, _: s.enable_user(a, u.user_id), "Enabled {user.username}."),
        ("unlock", "lift a lockout", lambda s, a, u, _: s.unlock_user(a, u.user_id), "Unlocked {user.username}."),
    ]
    for name, help_text, action, done in simple:
        command(name, help_text, on_user(action, done)).add_argument("username")

    reset = command(
        "reset-password",
        "set a temporary password the user must change at the next sign-in",
        on_user(
            lambda s, a, u, args: s.reset_password(a, u.user_id, read_new_password(args, u.username)),
            "Set a temporary password for {user.username}; they must change it at the next sign-in.",
        ),
    )
    reset.add_argument("username")
    reset.add_argument("--new-password-env", metavar="VAR", help="environment variable holding the new password")

    set_role = command(
        "set-role",
        "change a user's role",
        on_user(lambda s, a, u, args: s.set_role(a, u.user_id, args.role), "{user.username} is now {user.role.value}."),
    )
    set_role.add_argument("username")
    set_role.add_argument("role", choices=roles)
