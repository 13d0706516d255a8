"""``fidus login|logout``, ``fidus password change`` and ``fidus mfa enrol|confirm``: one's own sign-in.

These are the commands the sign-in policy points to (``cli.sign_in``): they run while a password change or
an MFA enrolment is pending, which every other command refuses. Secrets come from environment variables or
a prompt, never from the command line; the pending MFA secret and recovery codes wait in the keyring between
``enrol`` and ``confirm``.
"""

from __future__ import annotations

import argparse
import json

from fidus_desktop.cli.common import EXIT_OK, add_actor_options, emit_json, fail, opened
from fidus_desktop.cli.sign_in import MUST_CHANGE, check_policy, password_sign_in, secret_input, session_entry


def _need_user(args: argparse.Namespace) -> None:
    if not args.user:
        fail("Say who you are: --user NAME (or set FIDUS_USER).")


def cmd_login(args: argparse.Namespace) -> int:
    _need_user(args)
    with opened(args) as ctx:
        user = check_policy(password_sign_in(ctx, args)[0])
        sessions, entry = ctx.services.cli_sessions, session_entry(ctx)
        old = ctx.secrets.get(entry)
        if old is not None:
            sessions.close(old)
        ctx.secrets.set(entry, sessions.open(user))
        minutes = int(sessions.idle.total_seconds() // 60)
        print(f"Signed in as {user.username} on this workstation: commands need no --user until the session is "
              f"idle for {minutes} minutes, or until `fidus logout`.")
        return EXIT_OK


def cmd_logout(args: argparse.Namespace) -> int:
    with opened(args) as ctx:
        entry = session_entry(ctx)
        secret = ctx.secrets.get(entry)
        ended = secret is not None and ctx.services.cli_sessions.close(secret)
        if secret is not None:
            ctx.secrets.delete(entry)
        print("Signed out: the CLI session is closed." if ended else "No CLI session was open on this workstation.")
        return EXIT_OK


def cmd_password_change(args: argparse.Namespace) -> int:
    _need_user(args)
    with opened(args) as ctx:
        user, password = password_sign_in(ctx, args)
        new = secret_input(args.new_password_env, "New password: ", "new password")
        changed = ctx.services.users.change_password(user.actor(), password, new)
        print(f"Password changed for {changed.username}.")
        if changed.must_enrol_mfa:
            print(f"Next, set up two-step sign-in: `fidus mfa enrol --user {changed.username} --json`.")
        return EXIT_OK


def _pending_entry(user_id: str) -> str:
    return f"mfa-enrolment/{user_id}"


def cmd_mfa_enrol(args: argparse.Namespace) -> int:
    _need_user(args)
    with opened(args) as ctx:
        user = password_sign_in(ctx, args)[0]
        if user.must_change_password:
            fail(MUST_CHANGE.format(name=user.username))
        users = ctx.services.users
        enrolment = users.begin_totp_enrolment(user.actor())
        codes, hashes = users.new_recovery_codes()
        pending = {"secret": enrolment.secret, "codes": codes, "hashes": hashes}
        ctx.secrets.set(_pending_entry(user.user_id), json.dumps(pending))
        shown = {"secret": enrolment.secret, "uri": enrolment.provisioning_uri, "recovery_codes": codes}
        if args.json:
            emit_json(shown)
        else:
            print(f"Secret: {enrolment.secret}\nURI: {enrolment.provisioning_uri}\nRecovery codes (keep them "
                  f"safe, each works once): {', '.join(codes)}")
            print(f"Then confirm with the app's current code: `fidus mfa confirm --user {user.username} "
                  "--otp-env VAR`.")
        return EXIT_OK


def cmd_mfa_confirm(args: argparse.Namespace) -> int:
    _need_user(args)
    with opened(args) as ctx:
        user, password = password_sign_in(ctx, args)
        stored = ctx.secrets.get(_pending_entry(user.user_id))
        if stored is None:
            fail(f"No set-up is waiting for {user.username} on this workstation; start with `fidus mfa enrol`.")
        pending = json.loads(stored)
        code = secret_input(args.otp_env, "Code from your authenticator app: ", "code from the authenticator app")
        ctx.services.users.confirm_totp_enrolment(
            user.actor(), pending["secret"], code, password, (pending["codes"], pending["hashes"]))
        ctx.secrets.delete(_pending_entry(user.user_id))
        print(f"Two-step sign-in is set up for {user.username}; sign-ins now ask for a code (--otp-env VAR).")
        return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    login = subparsers.add_parser("login", help="open a CLI session on this workstation (then no --user needed)")
    add_actor_options(login)
    login.set_defaults(func=cmd_login)
    logout = subparsers.add_parser("logout", help="close this workstation's CLI session")
    logout.set_defaults(func=cmd_logout)

    password = subparsers.add_parser("password", help="your own password")
    psub = password.add_subparsers(dest="password_command", required=True, metavar="ACTION")
    change = psub.add_parser("change", help="choose a new password (also after an administrator's reset)")
    add_actor_options(change)
    change.add_argument("--new-password-env", required=True, metavar="VAR",
                        help="environment variable holding the new password")
    change.set_defaults(func=cmd_password_change)

    mfa = subparsers.add_parser("mfa", help="set up two-step sign-in (an authenticator app)")
    msub = mfa.add_subparsers(dest="mfa_command", required=True, metavar="ACTION")
    enrol = msub.add_parser("enrol", help="start: prints the secret, its URI and the recovery codes")
    add_actor_options(enrol)
    enrol.add_argument("--json", action="store_true")
    enrol.set_defaults(func=cmd_mfa_enrol)
    confirm = msub.add_parser("confirm", help="finish: check the app's first code and store the secret")
    add_actor_options(confirm)
    confirm.set_defaults(func=cmd_mfa_confirm)
