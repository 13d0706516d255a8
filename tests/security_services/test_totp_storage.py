"""The TOTP secret at rest: wrapped under the password, re-wrapped on a password change, dropped by an admin's
password reset, and clear secrets from before wrapping migrated on their next sign-in."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest

from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.users import AuthenticationFailed, User, UserService
from fidus_desktop.store.schema import MIGRATIONS, migrate, stored_schema
from fidus_desktop.store.sqlite import SqliteStore
from tests.security_services.test_mfa import enrol, password_step
from tests.support.clock import FakeClock
from tests.support.users import ADMIN_PASSWORD, NEW_PASSWORD, USER_PASSWORD, totp_code


def database_bytes(db_path: Path) -> bytes:
    """Everything SQLite wrote for the database (main file and write-ahead log)."""
    return b"".join(p.read_bytes() for p in (db_path, Path(f"{db_path}-wal")) if p.exists())


def test_the_database_never_holds_the_secret_and_sign_in_still_works(
    users: UserService, colleague: User, clock: FakeClock, db_path: Path
) -> None:
    secret, _ = enrol(users, colleague, clock)
    challenge = password_step(users, "bob.pm", USER_PASSWORD)
    assert users.complete_mfa(challenge, totp_code(secret, clock.now)).user_id == colleague.user_id
    stored = users.users.get(colleague.user_id)
    assert stored["totp_wrapped"]["kdf"] == "scrypt"
    assert secret.encode() not in database_bytes(db_path)
    assert secret not in repr(challenge)


def test_a_password_change_rewraps_the_secret(users: UserService, colleague: User, clock: FakeClock) -> None:
    secret, _ = enrol(users, colleague, clock)
    before = users.users.get(colleague.user_id)["totp_wrapped"]
    users.change_password(colleague.actor(), USER_PASSWORD, NEW_PASSWORD)
    assert users.users.get(colleague.user_id)["totp_wrapped"] != before
    with pytest.raises(AuthenticationFailed):
        users.authenticate("bob.pm", USER_PASSWORD)
    challenge = password_step(users, "bob.pm", NEW_PASSWORD)
    assert users.complete_mfa(challenge, totp_code(secret, clock.now)).mfa_enabled


def test_an_admin_password_reset_drops_mfa_and_says_so_in_the_audit(
    users: UserService, admin: User, colleague: User, clock: FakeClock
) -> None:
    enrol(users, colleague, clock)
    users.reset_password(admin.actor(), colleague.user_id, "temporary lilac window")
    user = users.authenticate("bob.pm", "temporary lilac window")  # no code step: nothing to check it against
    assert user.must_change_password
    assert not user.mfa_enabled
    stored = users.users.get(colleague.user_id)
    assert not {"totp_wrapped", "recovery_codes", "totp_last_step"} & set(stored)
    actions = [e["action"] for e in users.ctx.audit.iter_chain()]
    assert actions[-3:-1] == ["user.reset_password", "user.reset_mfa"]
    compliance = users.create_user(admin.actor(), "cora.co", USER_PASSWORD, "compliance_officer")
    enrol(users, compliance, clock)
    users.reset_password(admin.actor(), compliance.user_id, "temporary lilac window")
    assert users.authenticate("cora.co", "temporary lilac window").must_enrol_mfa  # the role needs it again


def test_a_secret_copied_onto_another_account_does_not_open(
    users: UserService, admin: User, colleague: User, clock: FakeClock
) -> None:
    enrol(users, colleague, clock)
    other = users.create_user(admin.actor(), "dan.bo", USER_PASSWORD, "back_office")
    doc = users.users.get(other.user_id)
    wrapped = users.users.get(colleague.user_id)["totp_wrapped"]
    users.users.update(other.user_id, {"totp_wrapped": wrapped}, expected_version=doc["version"])
    with pytest.raises(AuthenticationFailed, match="cannot be opened"):
        users.authenticate("dan.bo", USER_PASSWORD)


def test_reset_or_reenrolment_between_the_two_steps_restarts_the_sign_in(
    users: UserService, admin: User, colleague: User, clock: FakeClock
) -> None:
    secret, _ = enrol(users, colleague, clock)
    challenge = password_step(users, "bob.pm", USER_PASSWORD)
    users.reset_mfa(admin.actor(), colleague.user_id)
    with pytest.raises(AuthenticationFailed, match="enter your password again"):
        users.complete_mfa(challenge, totp_code(secret, clock.now))


def test_enrolment_needs_the_right_password(users: UserService, colleague: User, clock: FakeClock) -> None:
    enrolment = users.begin_totp_enrolment(colleague.actor())
    with pytest.raises(ValidationError, match="not your current password") as wrong:
        users.confirm_totp_enrolment(
            colleague.actor(), enrolment.secret, totp_code(enrolment.secret, clock.now), ADMIN_PASSWORD
        )
    assert "password" in wrong.value.problems
    assert not users.users.get(colleague.user_id).get("totp_wrapped")


def test_clear_secrets_from_before_are_wrapped_at_the_next_sign_in(
    make_users, db_path: Path, clock: FakeClock
) -> None:
    secret = pyotp.random_base32(length=32)
    old = SqliteStore(db_path)
    migrate(old, MIGRATIONS[:1])  # a database as the previous version left it
    users = make_users()
    bob = users.create_first_admin("bob.admin", USER_PASSWORD)
    doc = users.users.get(bob.user_id)
    users.users.update(bob.user_id, {"totp_secret": secret, "totp_last_step": 0}, expected_version=doc["version"])
    old.close()

    migrated = SqliteStore(db_path)
    assert migrate(migrated) == [m.version for m in MIGRATIONS[1:]]
    assert stored_schema(migrated) == MIGRATIONS[-1].version
    migrated.close()
    stored = users.users.get(bob.user_id)
    assert stored["legacy_totp_secret"] == secret
    assert "totp_secret" not in stored
    with pytest.raises(AuthenticationFailed):  # still two-step while the secret waits for its wrap
        users.authenticate("bob.admin", USER_PASSWORD)

    challenge = password_step(users, "bob.admin", USER_PASSWORD)
    users.complete_mfa(challenge, totp_code(secret, clock.now))
    stored = users.users.get(bob.user_id)
    assert "legacy_totp_secret" not in stored
    assert stored["totp_wrapped"]
    assert secret.encode() not in repr(stored).encode()
    assert users.ctx.audit.last()["action"] == "user.mfa_wrapped"
    clock.advance(seconds=30)
    again = password_step(users, "bob.admin", USER_PASSWORD)
    assert users.complete_mfa(again, totp_code(secret, clock.now)).mfa_enabled
