"""A reusable check that a service call enforces the permission matrix for every role.

Usage from any service test::

    from tests.support.permission_matrix import assert_permission_matrix

    assert_permission_matrix(lambda actor: funds.create(actor, ...), Permission.FUNDS_MANAGE,
                             state=lambda: store.collection("funds").count())
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fidus_desktop.services.actor import Actor
from fidus_desktop.services.permissions import Permission, PermissionDenied, Role, allowed


def actor_for(role: Role) -> Actor:
    """A made-up signed-in user with ``role`` (not in the database: the check must not depend on it)."""
    return Actor(user_id=f"matrix-{role.value}", username=f"matrix.{role.value}", role=role, workstation="test")


def assert_permission_matrix(
    service_call: Callable[[Actor], Any], permission: Permission, *, state: Callable[[], Any] | None = None
) -> dict[Role, BaseException | None]:
    """Call ``service_call(actor)`` once per role, in ``Role`` order.

    Roles lacking ``permission`` must get ``PermissionDenied`` and, when ``state`` is given, leave
    ``state()`` unchanged (nothing written, nothing audited). Roles holding it must not get
    ``PermissionDenied``; other errors they hit (validation, not found) are returned per role for the
    caller to inspect, because the permission check itself passed.
    """
    outcomes: dict[Role, BaseException | None] = {}
    for role in Role:
        before = state() if state is not None else None
        try:
            service_call(actor_for(role))
        except PermissionDenied as exc:
            if allowed(role, permission):
                pytest.fail(f"{role.value} holds {permission.value} but was refused: {exc}")
            outcomes[role] = exc
            if state is not None:
                assert state() == before, f"a refused call by {role.value} still changed something"
            continue
        except Exception as exc:
            outcomes[role] = exc
        else:
            outcomes[role] = None
        if not allowed(role, permission):
            pytest.fail(f"{role.value} lacks {permission.value} but the call was not refused ({outcomes[role]!r})")
    return outcomes
