"""Every data-changing UserService method against every role, and the administrator's guard rails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import Permission, PermissionDenied, Role
from fidus_desktop.services.users import User, UserService
from tests.support.permission_matrix import assert_permission_matrix
from tests.support.users import USER_PASSWORD

AdminCall = Callable[[UserService, Actor, User], Any]

ADMIN_CALLS: dict[str, AdminCall] = {
    "create_user": lambda s, a, u: s.create_user(a, f"new.{a.role.value}", USER_PASSWORD, "back_office"),
    "list": lambda s, a, u: s.list(a),
    "disable_user": lambda s, a, u: s.disable_user(a, u.user_id),
    "enable_user": lambda s, a, u: s.enable_user(a, u.user_id),
    "unlock_user": lambda s, a, u: s.unlock_user(a, u.user_id),
    "set_role": lambda s, a, u: s.set_role(a, u.user_id, "back_office"),
    "reset_password": lambda s, a, u: s.reset_password(a, u.user_id, "temporary lilac window"),
    "reset_mfa": lambda s, a, u: s.reset_mfa(a, u.user_id),
}


def audit_count(users: UserService) -> int:
    return users.ctx.audit.entries.count()


@pytest.mark.parametrize("method", ADMIN_CALLS)
def test_user_administration_needs_users_manage(users: UserService, colleague: User, method: str) -> None:
    call = ADMIN_CALLS[method]
    outcomes = assert_permission_matrix(
        lambda actor: call(users, actor, colleague), Permission.USERS_MANAGE, state=lambda: audit_count(users)
    )
    assert outcomes[Role.ADMIN] is None  # the admin's call went through


def test_own_credentials_are_every_users_own(users: UserService, colleague: User) -> None:
    """Self-service calls pass the permission check for every role (then find no such account)."""
    for call in (
        lambda actor: users.change_password(actor, USER_PASSWORD, "seven lanterns drift east"),
        lambda actor: users.begin_totp_enrolment(actor),
        lambda actor: users.confirm_totp_enrolment(actor, "A" * 32, "123456", "any password"),
    ):
        outcomes = assert_permission_matrix(call, Permission.OWN_CREDENTIALS)
        assert all(isinstance(o, ValidationError) for o in outcomes.values())


def test_client_cannot_change_a_colleagues_password_through_self_service(
    users: UserService, admin: User, colleague: User
) -> None:
    client = users.create_user(admin.actor(), "carl.client", USER_PASSWORD, "client")
    forged = Actor(colleague.user_id, "carl.client", Role.CLIENT)  # an actor is built by sign-in, not by hand…
    with pytest.raises(PermissionDenied):
        users.list(client.actor())
    # …and even a forged actor must know the account's current password to change it.
    with pytest.raises(ValidationError, match="current password"):
        users.change_password(forged, "guess guess guess", "seven lanterns drift east")


def test_admin_changes_are_audited_with_before_and_after(users: UserService, admin: User, colleague: User) -> None:
    users.set_role(admin.actor(), colleague.user_id, "compliance_officer")
    entry = list(users.ctx.audit.iter_chain())[-1]
    assert (entry["action"], entry["actor"]) == ("user.set_role", "alice.admin")
    assert (entry["before"]["role"], entry["after"]["role"]) == ("portfolio_manager", "compliance_officer")
    assert "password_hash" not in entry["before"]
    assert "password_hash" not in entry["after"]


def test_the_office_keeps_an_admin(users: UserService, admin: User, colleague: User) -> None:
    with pytest.raises(ValidationError, match="your own account"):
        users.disable_user(admin.actor(), admin.user_id)
    second_admin = users.set_role(admin.actor(), colleague.user_id, "admin")
    with pytest.raises(ValidationError, match="your own account"):
        users.set_role(admin.actor(), admin.user_id, "back_office")
    users.disable_user(second_admin.actor(), admin.user_id)  # another admin may
    with pytest.raises(ValidationError, match="last active administrator"):
        users.set_role(Actor.system("recovery"), colleague.user_id, "back_office")


def test_bad_input_to_admin_actions_is_named(users: UserService, admin: User, colleague: User) -> None:
    with pytest.raises(ValidationError, match="not a role") as bad_role:
        users.set_role(admin.actor(), colleague.user_id, "superuser")
    assert "role" in bad_role.value.problems
    with pytest.raises(ValidationError, match="A user is required"):
        users.disable_user(admin.actor(), {"$ne": ""})
    with pytest.raises(ValidationError, match="already taken"):
        users.create_user(admin.actor(), "BOB.PM", USER_PASSWORD, "client")
