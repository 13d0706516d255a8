"""The CLI applies the GUI's sign-in policy: a temporary password must be changed, a role that requires MFA
must enrol, and ``fidus login`` opens a session (keyring secret, hashed in the database, idle expiry,
revocable, audited) so that commands need no password and no code each time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from argon2 import PasswordHasher

from fidus_desktop.bootstrap import open_context
from fidus_desktop.cli import main
from fidus_desktop.security import passwords
from fidus_desktop.services.cli_sessions import SESSIONS, CliSessionService, SessionEnded

ADMIN_PASSWORD = "correct horse battery staple 42"
TEMPORARY = "temporary kettle password 9"
CHOSEN = "violet kettle under moonlight"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Administrator alice (the default policy: administrators must enrol MFA) and back-office bob."""
    monkeypatch.setattr(passwords, "DEFAULT_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    monkeypatch.delenv("FIDUS_USER", raising=False)
    monkeypatch.setenv("ALICE_PW", ADMIN_PASSWORD)
    uri = ["--db", f"sqlite:///{(tmp_path / 'policy.db').as_posix()}"]
    assert main([*uri, "init", "--admin-user", "alice", "--admin-password-env", "ALICE_PW"]) == 0
    ctx = open_context(uri[1], log_to_file=False)
    users = ctx.services.users
    users.create_user(users.authenticate("alice", ADMIN_PASSWORD).actor(), "bob", ADMIN_PASSWORD, "back_office")
    ctx.close()
    return uri


def run(db: list[str], capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main([*db, *argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def as_alice(*argv: str) -> tuple[str, ...]:
    return (*argv, "--user", "alice", "--password-env", "ALICE_PW")


def test_an_admin_without_mfa_is_stopped_until_enrolled(
    db: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = run(db, capsys, *as_alice("user", "list"))
    assert code == 2
    assert "requires two-step sign-in" in out
    assert "fidus mfa enrol" in out
    assert "Traceback" not in out
    code, out = run(db, capsys, *as_alice("mfa", "enrol", "--json"))
    assert code == 0
    shown = json.loads(out)
    assert set(shown) == {"secret", "uri", "recovery_codes"}
    assert shown["uri"].startswith("otpauth://totp/")
    assert len(shown["recovery_codes"]) >= 8
    monkeypatch.setenv("CODE", "000000")
    assert run(db, capsys, *as_alice("mfa", "confirm", "--otp-env", "CODE"))[0] == 2
    monkeypatch.setenv("CODE", pyotp.TOTP(shown["secret"]).now())
    code, out = run(db, capsys, *as_alice("mfa", "confirm", "--otp-env", "CODE"))
    assert code == 0, out
    # Enrolled: each sign-in needs a code; a recovery code printed at enrolment works once.
    monkeypatch.setenv("CODE", shown["recovery_codes"][0])
    assert run(db, capsys, *as_alice("user", "list", "--otp-env", "CODE"))[0] == 0
    assert run(db, capsys, *as_alice("user", "list", "--otp-env", "CODE"))[0] == 2


def test_a_temporary_password_must_be_changed_first(
    db: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = open_context(db[1], log_to_file=False)
    users = ctx.services.users
    admin = users.authenticate("alice", ADMIN_PASSWORD).actor()
    users.reset_password(admin, users.by_username(admin, "bob").user_id, TEMPORARY)
    ctx.close()
    monkeypatch.setenv("BOB_PW", TEMPORARY)
    bob = ("--user", "bob", "--password-env", "BOB_PW")
    code, out = run(db, capsys, "funds", "list", *bob)
    assert code == 2
    assert "fidus password change" in out
    code, out = run(db, capsys, "funds", "list", *bob)  # still refused: the temporary password never works
    assert code == 2
    monkeypatch.setenv("CHOSEN", CHOSEN)
    code, out = run(db, capsys, "password", "change", *bob, "--new-password-env", "CHOSEN")
    assert code == 0, out
    assert run(db, capsys, "funds", "list", *bob)[0] == 2  # the temporary password is gone
    monkeypatch.setenv("BOB_PW", CHOSEN)
    assert run(db, capsys, "funds", "list", *bob)[0] == 0


def enrolled_alice(db: list[str]) -> str:
    ctx = open_context(db[1], log_to_file=False)
    users = ctx.services.users
    alice = users.authenticate("alice", ADMIN_PASSWORD).actor()
    enrolment = users.begin_totp_enrolment(alice)
    users.confirm_totp_enrolment(alice, enrolment.secret, pyotp.TOTP(enrolment.secret).now(), ADMIN_PASSWORD)
    ctx.close()
    return enrolment.secret


def test_login_opens_a_session_that_logout_and_account_changes_end(
    db: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, memory_keyring
) -> None:
    secret = enrolled_alice(db)
    assert run(db, capsys, "user", "list")[0] == 2  # nobody signed in
    monkeypatch.setenv("CODE", pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30)))
    code, out = run(db, capsys, *as_alice("login", "--otp-env", "CODE"))
    assert code == 0, out
    # Without --user, password or code, several commands in a row.
    assert run(db, capsys, "user", "list")[0] == 0
    assert run(db, capsys, "audit", "verify")[0] == 0
    ctx = open_context(db[1], log_to_file=False)
    [session] = ctx.store.collection(SESSIONS).find()
    stored = json.dumps(session, default=str)
    [kept] = [v for (_, name), v in memory_keyring._secrets.items() if name.startswith("cli-session/")]
    assert kept not in stored  # the database holds only its hash
    actions = [e["action"] for e in ctx.services.ctx.audit.iter_chain()]
    ctx.close()
    assert "user.cli_login" in actions
    assert run(db, capsys, "logout")[0] == 0
    code, out = run(db, capsys, "user", "list")
    assert code == 2
    assert "fidus login" in out


def test_session_ends_when_idle_or_when_the_account_is_reset(db: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    now = [datetime.now(UTC)]
    ctx = open_context(db[1], log_to_file=False, clock=lambda: now[0])
    users = ctx.services.users
    bob = users.authenticate("bob", ADMIN_PASSWORD)
    sessions = CliSessionService(ctx.services.ctx, users, idle_minutes=30)
    secret = sessions.open(bob)
    now[0] += timedelta(minutes=29)
    assert sessions.resume(secret).username == "bob"
    now[0] += timedelta(minutes=29)  # idle time counts from the last use
    assert sessions.resume(secret).username == "bob"
    now[0] += timedelta(minutes=31)
    with pytest.raises(SessionEnded, match="idle"):
        sessions.resume(secret)
    with pytest.raises(SessionEnded):
        sessions.resume(secret)  # and it is gone
    secret = sessions.open(users.authenticate("bob", ADMIN_PASSWORD))
    admin = users.authenticate("alice", ADMIN_PASSWORD).actor()
    users.reset_password(admin, bob.user_id, TEMPORARY)
    with pytest.raises(SessionEnded, match="password"):
        sessions.resume(secret)
    actions = [e["action"] for e in ctx.services.ctx.audit.iter_chain()]
    ctx.close()
    assert actions.count("user.cli_login") == 2
    assert actions.count("user.cli_session_ended") == 2
