"""Two-step sign-in: enrolment, codes, replay, recovery codes, forced enrolment and admin reset."""

from __future__ import annotations

import pytest

from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.mfa import MfaChallenge
from fidus_desktop.services.users import (
    AccountLocked,
    AuthenticationFailed,
    SecondFactorRequired,
    SignInExpired,
    User,
    UserService,
)
from tests.support.clock import FakeClock
from tests.support.users import ADMIN_PASSWORD, USER_PASSWORD, totp_code


def enrol(users: UserService, user: User, clock: FakeClock, password: str = USER_PASSWORD) -> tuple[str, list[str]]:
    enrolment = users.begin_totp_enrolment(user.actor())
    assert enrolment.qr_png.startswith(b"\x89PNG")
    assert "otpauth://totp/" in enrolment.provisioning_uri
    codes = users.confirm_totp_enrolment(
        user.actor(), enrolment.secret, totp_code(enrolment.secret, clock.now), password
    )
    clock.advance(seconds=30)  # the enrolment code's step is spent
    return enrolment.secret, codes


def password_step(users: UserService, username: str, password: str) -> MfaChallenge:
    with pytest.raises(SecondFactorRequired) as step:
        users.authenticate(username, password)
    return step.value.challenge


def test_admin_without_mfa_must_enrol_and_then_signs_in_in_two_steps(
    users: UserService, admin: User, clock: FakeClock
) -> None:
    assert users.authenticate("alice.admin", ADMIN_PASSWORD).must_enrol_mfa
    secret, codes = enrol(users, admin, clock, ADMIN_PASSWORD)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    challenge = password_step(users, "alice.admin", ADMIN_PASSWORD)
    user = users.complete_mfa(challenge, totp_code(secret, clock.now))
    assert user.mfa_enabled
    assert not user.must_enrol_mfa
    stored = users.users.get(admin.user_id)
    assert secret not in repr(stored)  # only wrapped under the password
    assert all(h.startswith("$argon2id$") for h in stored["recovery_codes"])
    assert "totp_wrapped" not in repr(list(users.ctx.audit.iter_chain()))


def test_enrolment_needs_a_right_first_code(users: UserService, colleague: User, clock: FakeClock) -> None:
    enrolment = users.begin_totp_enrolment(colleague.actor())
    with pytest.raises(ValidationError, match="not right") as wrong:
        users.confirm_totp_enrolment(colleague.actor(), enrolment.secret, "000000", USER_PASSWORD)
    assert "code" in wrong.value.problems
    with pytest.raises(ValidationError, match="start the set-up again"):
        users.confirm_totp_enrolment(
            colleague.actor(), {"$ne": ""}, totp_code(enrolment.secret, clock.now), USER_PASSWORD
        )
    assert users.authenticate("bob.pm", USER_PASSWORD).user_id == colleague.user_id  # still single-step


def test_wrong_and_replayed_codes_are_refused_and_counted(
    users: UserService, colleague: User, clock: FakeClock
) -> None:
    secret, _ = enrol(users, colleague, clock)
    challenge = password_step(users, "bob.pm", USER_PASSWORD)
    right = totp_code(secret, clock.now)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    with pytest.raises(AuthenticationFailed, match="code is not right"):
        users.complete_mfa(challenge, wrong)
    users.complete_mfa(challenge, right)  # the challenge survives a typo
    with pytest.raises(AuthenticationFailed, match="took too long or was already completed"):
        users.complete_mfa(challenge, right)
    replay = password_step(users, "bob.pm", USER_PASSWORD)
    with pytest.raises(AuthenticationFailed):
        users.complete_mfa(replay, right)  # same step again: refused
    assert users.users.get(colleague.user_id)["failed_attempts"] == 1
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            users.complete_mfa(replay, "123 456")
    with pytest.raises(AccountLocked):
        users.complete_mfa(replay, "654321")


def test_recovery_code_works_once(users: UserService, colleague: User, clock: FakeClock) -> None:
    _, codes = enrol(users, colleague, clock)
    challenge = password_step(users, "bob.pm", USER_PASSWORD)
    assert users.complete_mfa(challenge, codes[3].lower().replace("-", " ")).user_id == colleague.user_id
    assert len(users.users.get(colleague.user_id)["recovery_codes"]) == 9
    again = password_step(users, "bob.pm", USER_PASSWORD)
    with pytest.raises(AuthenticationFailed):
        users.complete_mfa(again, codes[3])
    actions = [e["action"] for e in users.ctx.audit.iter_chain()]
    assert actions.count("user.recovery_code_used") == 1


def test_challenges_expire_and_cannot_be_forged(users: UserService, colleague: User, clock: FakeClock) -> None:
    secret, _ = enrol(users, colleague, clock)
    challenge = password_step(users, "bob.pm", USER_PASSWORD)
    forged = MfaChallenge(challenge.user_id, challenge.username, challenge.expires_at, "guessed-token")
    with pytest.raises(SignInExpired, match="enter your password again"):
        users.complete_mfa(forged, totp_code(secret, clock.now))
    clock.advance(minutes=6)
    with pytest.raises(SignInExpired, match="enter your password again"):
        users.complete_mfa(challenge, totp_code(secret, clock.now))


def test_wrong_password_never_reaches_the_code_step(users: UserService, colleague: User, clock: FakeClock) -> None:
    enrol(users, colleague, clock)
    with pytest.raises(AuthenticationFailed) as failed:
        users.authenticate("bob.pm", "a wrong password here")
    assert not isinstance(failed.value, SecondFactorRequired)


def test_admin_mfa_reset_removes_the_factor_and_forces_enrolment(
    users: UserService, admin: User, clock: FakeClock
) -> None:
    compliance = users.create_user(admin.actor(), "cora.co", USER_PASSWORD, "compliance_officer")
    enrol(users, compliance, clock)
    with pytest.raises(ValidationError, match="already set up"):
        users.begin_totp_enrolment(compliance.actor())
    users.reset_mfa(admin.actor(), compliance.user_id)
    user = users.authenticate("cora.co", USER_PASSWORD)
    assert user.must_enrol_mfa
    assert not user.mfa_enabled
    entry = list(users.ctx.audit.iter_chain())[-2]
    assert entry["action"] == "user.reset_mfa"
    assert "totp_wrapped" not in entry["before"]
