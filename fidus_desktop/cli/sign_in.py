"""How a CLI command knows who is acting: the same sign-in policy as the GUI's login dialog.

``--user`` with the password (and MFA code) from the environment, or else this workstation's CLI session
(``fidus login``). Either way an account that must change its password or must enrol MFA for its role is
stopped with the command that fixes it; only ``fidus password change`` and ``fidus mfa enrol|confirm``
(``pending_allowed``) run in that state.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import os
import sys

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.cli.common import fail
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.users import SecondFactorRequired, User

MUST_CHANGE = (
    "{name} must choose a new password before working (it was reset or is temporary). Run: "
    "`fidus password change --user {name} --new-password-env VAR` with the new password in VAR."
)
ENROL_MFA = (
    "{name}'s role ({role}) requires two-step sign-in, which is not set up. Run `fidus mfa enrol --user {name} "
    "--json`, add the printed secret or URI to an authenticator app, then `fidus mfa confirm --user {name} "
    "--otp-env VAR` with the app's current code in VAR."
)


def secret_input(env_var: str, prompt: str, what: str) -> str:
    """A secret from the environment variable, or a prompt in a terminal; never from the command line."""
    value = os.environ.get(env_var)
    if value is None:
        if not sys.stdin.isatty():
            fail(f"No {what}: set {env_var} or run the command in a terminal to be asked.")
        value = getpass.getpass(prompt)
    return value


def session_entry(ctx: AppContext) -> str:
    """The keyring entry holding this workstation's CLI session for the open database."""
    return "cli-session/" + hashlib.sha256(ctx.db_uri.encode("utf-8")).hexdigest()[:24]


def has_session(ctx: AppContext) -> bool:
    return ctx.secrets.get(session_entry(ctx)) is not None


def password_sign_in(ctx: AppContext, args: argparse.Namespace) -> tuple[User, str]:
    """``--user`` authenticated with password and, when enrolled, the MFA code; with the password used."""
    users = ctx.services.users
    password = secret_input(args.password_env, f"Password for {args.user}: ", "password")
    try:
        return users.authenticate(args.user, password), password
    except SecondFactorRequired as step:
        code = secret_input(getattr(args, "otp_env", "FIDUS_OTP"), "Authenticator or recovery code: ", "MFA code")
        return users.complete_mfa(step.challenge, code), password


def signed_in_user(ctx: AppContext, args: argparse.Namespace) -> User:
    """Who acts, by password or by session; not yet checked against the policy."""
    if args.user:
        return password_sign_in(ctx, args)[0]
    secret = ctx.secrets.get(session_entry(ctx))
    if secret is None:
        fail("Say who is acting: --user NAME (or set FIDUS_USER), or open a session with `fidus login`.")
    return ctx.services.cli_sessions.resume(secret)


def check_policy(user: User) -> User:
    """Refuse, with what to do, an account that must change its password or enrol MFA first."""
    if user.must_change_password:
        fail(MUST_CHANGE.format(name=user.username))
    if user.must_enrol_mfa:
        fail(ENROL_MFA.format(name=user.username, role=user.role.value.replace("_", " ")))
    return user


def signed_in_actor(ctx: AppContext, args: argparse.Namespace) -> Actor:
    """The actor of a data command: signed in and clear of pending password changes and MFA enrolment."""
    return check_policy(signed_in_user(ctx, args)).actor()
