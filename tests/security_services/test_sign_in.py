"""Sign-in: password policy, forced password change, lockout across workstations, injection attempts."""

from __future__ import annotations

import threading

import pytest

from fidus_desktop.security import passwords
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.users import AccountLocked, AuthenticationFailed, SignInPolicy, User, UserService
from tests.support.clock import FakeClock
from tests.support.users import ADMIN_PASSWORD, NEW_PASSWORD, USER_PASSWORD


def audit_actions(users: UserService) -> list[str]:
    return [e["action"] for e in users.ctx.audit.iter_chain()]


def fail_sign_in(users: UserService, username: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationFailed):
            users.authenticate(username, "not the password at all")


def test_right_password_signs_in_and_is_audited(users: UserService, colleague: User, clock: FakeClock) -> None:
    user = users.authenticate("Bob.PM", USER_PASSWORD)  # usernames are case-insensitive
    assert user.user_id == colleague.user_id
    assert user.last_sign_in_at == clock.now
    assert not user.must_change_password
    assert not user.must_enrol_mfa
    assert audit_actions(users)[-1] == "user.sign_in"


@pytest.mark.parametrize(
    ("password", "problem"),
    [("short pw", "at least 12"), ("123qweasdzxc", "commonly used"), ("bob.pm is the best", "username")],
)
def test_password_policy_applies_on_create_reset_and_change(
    users: UserService, admin: User, colleague: User, password: str, problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem) as created:
        users.create_user(admin.actor(), "bob.pm2" if "bob" not in password else "bob.pm", password, "back_office")
    assert "password" in created.value.problems
    with pytest.raises(ValidationError, match=problem):
        users.reset_password(admin.actor(), colleague.user_id, password)
    with pytest.raises(ValidationError, match=problem) as changed:
        users.change_password(colleague.actor(), USER_PASSWORD, password)
    assert "new_password" in changed.value.problems


def test_admin_reset_forces_a_change_at_next_sign_in(users: UserService, admin: User, colleague: User) -> None:
    users.reset_password(admin.actor(), colleague.user_id, "temporary lilac window")
    with pytest.raises(AuthenticationFailed):
        users.authenticate("bob.pm", USER_PASSWORD)
    user = users.authenticate("bob.pm", "temporary lilac window")
    assert user.must_change_password
    with pytest.raises(ValidationError, match="current password") as wrong_old:
        users.change_password(user.actor(), "not my password", NEW_PASSWORD)
    assert "old_password" in wrong_old.value.problems
    with pytest.raises(ValidationError, match="different"):
        users.change_password(user.actor(), "temporary lilac window", "temporary lilac window")
    assert not users.change_password(user.actor(), "temporary lilac window", NEW_PASSWORD).must_change_password
    assert not users.authenticate("bob.pm", NEW_PASSWORD).must_change_password


def test_five_failures_lock_for_fifteen_minutes_then_open(
    users: UserService, colleague: User, clock: FakeClock
) -> None:
    fail_sign_in(users, "bob.pm", 4)
    with pytest.raises(AccountLocked) as locked:
        users.authenticate("bob.pm", "still the wrong password")
    assert "locked" in str(locked.value)
    assert "administrator" in str(locked.value)
    assert locked.value.until == clock.now.replace(minute=15)
    with pytest.raises(AccountLocked):  # even the right password is refused while locked
        users.authenticate("bob.pm", USER_PASSWORD)
    clock.advance(minutes=15, seconds=1)
    assert users.authenticate("bob.pm", USER_PASSWORD).user_id == colleague.user_id
    assert {"user.locked", "user.sign_in_locked"} <= set(audit_actions(users))


def test_success_resets_the_failure_count(users: UserService, colleague: User) -> None:
    fail_sign_in(users, "bob.pm", 4)
    users.authenticate("bob.pm", USER_PASSWORD)
    fail_sign_in(users, "bob.pm", 4)  # four more do not lock: the count started again
    assert not users.authenticate("bob.pm", USER_PASSWORD).is_locked(users.now())


def test_lockout_settings_are_read_and_checked() -> None:
    class Fake:
        def __init__(self, data: dict) -> None:
            self.data = data

        def get(self, name: str, default: object = None) -> object:
            return self.data.get(name, default)

    policy = SignInPolicy.from_settings(Fake({"security.lockout_attempts": 3, "security.mfa_required_roles": []}))
    assert (policy.lockout_attempts, policy.lockout_minutes, policy.mfa_required_roles) == (3, 15, frozenset())
    with pytest.raises(ValueError, match="lockout_minutes"):
        SignInPolicy.from_settings(Fake({"security.lockout_minutes": "ten"}))
    with pytest.raises(ValueError, match="mfa_required_roles"):
        SignInPolicy.from_settings(Fake({"security.mfa_required_roles": ["root"]}))


def test_lockout_holds_across_two_workstations(make_users, users: UserService, colleague: User) -> None:
    other_workstation = make_users()
    fail_sign_in(users, "bob.pm", 3)
    fail_sign_in(other_workstation, "bob.pm", 1)
    with pytest.raises(AccountLocked):
        other_workstation.authenticate("bob.pm", "wrong again, fifth")
    with pytest.raises(AccountLocked):
        users.authenticate("bob.pm", USER_PASSWORD)


def test_concurrent_failures_from_two_workstations_lose_no_count(make_users, colleague: User) -> None:
    stations = [make_users(SignInPolicy(lockout_attempts=1000)) for _ in range(2)]
    threads = [threading.Thread(target=fail_sign_in, args=(s, "bob.pm", 10)) for s in stations for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert stations[0].users.get(colleague.user_id)["failed_attempts"] == 40


def test_admin_unlock_opens_at_once(users: UserService, admin: User, colleague: User) -> None:
    fail_sign_in(users, "bob.pm", 5)
    assert users.list(admin.actor())[1].is_locked(users.now())
    users.unlock_user(admin.actor(), colleague.user_id)
    assert users.authenticate("bob.pm", USER_PASSWORD).user_id == colleague.user_id


@pytest.mark.parametrize("name", [{"$gt": ""}, {"$ne": None}, ["alice.admin"], None, 42, "   "])
def test_operator_or_non_text_usernames_are_refused_cleanly(users: UserService, admin: User, name: object) -> None:
    with pytest.raises(AuthenticationFailed, match="Enter your username"):
        users.authenticate(name, ADMIN_PASSWORD)
    with pytest.raises(AuthenticationFailed, match="Enter your username"):
        users.authenticate("alice.admin", {"$gt": ""})


def test_operator_text_in_a_username_matches_nobody(users: UserService, admin: User) -> None:
    with pytest.raises(AuthenticationFailed):
        users.authenticate('{"$gt": ""}', ADMIN_PASSWORD)


def test_unknown_username_costs_a_hash_verification(
    users: UserService, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real_verify = passwords.verify
    monkeypatch.setattr(passwords, "verify", lambda h, p, **kw: checked.append(h) or real_verify(h, p, **kw))
    with pytest.raises(AuthenticationFailed) as unknown:
        users.authenticate("nobody.here", ADMIN_PASSWORD)
    with pytest.raises(AuthenticationFailed) as wrong:
        users.authenticate("alice.admin", "a wrong password here")
    assert str(unknown.value) == str(wrong.value)  # same message: no username oracle
    assert len(checked) == 2
    assert checked[0].startswith("$argon2id$")


def test_disabled_account_cannot_sign_in(users: UserService, admin: User, colleague: User) -> None:
    users.disable_user(admin.actor(), colleague.user_id)
    with pytest.raises(AuthenticationFailed, match="disabled"):
        users.authenticate("bob.pm", USER_PASSWORD)
    users.enable_user(admin.actor(), colleague.user_id)
    assert users.authenticate("bob.pm", USER_PASSWORD).active


def test_no_secret_reaches_the_audit_trail(users: UserService, admin: User, colleague: User) -> None:
    users.reset_password(admin.actor(), colleague.user_id, "temporary lilac window")
    text = repr(list(users.ctx.audit.iter_chain()))
    assert "argon2" not in text
    assert "temporary lilac window" not in text
    assert USER_PASSWORD not in text
