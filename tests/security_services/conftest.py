"""Fixtures for the user/sign-in/MFA service tests: a SQLite store, a clock the test moves, cheap hashing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.users import SignInPolicy, User, UserService
from fidus_desktop.store.sqlite import SqliteStore
from tests.support.clock import FakeClock
from tests.support.cost import CHEAP_HASHER, CHEAP_KDF
from tests.support.users import ADMIN_PASSWORD, USER_PASSWORD


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "users.db"


@pytest.fixture
def make_users(db_path: Path, clock: FakeClock) -> Iterator:
    """Build a UserService on the shared database file (call twice for two workstations)."""
    stores: list[SqliteStore] = []

    def make(policy: SignInPolicy | None = None) -> UserService:
        store = SqliteStore(db_path)
        stores.append(store)
        ctx = ServiceContext(store, clock)
        ctx.audit.ensure_indexes()
        policy = policy or SignInPolicy(lockout_attempts=5, lockout_minutes=15)
        service = UserService(ctx, policy, CHEAP_HASHER, CHEAP_KDF)
        service.ensure_indexes()
        return service

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def users(make_users) -> UserService:
    return make_users()


@pytest.fixture
def admin(users: UserService) -> User:
    return users.create_first_admin("alice.admin", ADMIN_PASSWORD, "Alice Admin")


@pytest.fixture
def colleague(users: UserService, admin: User) -> User:
    return users.create_user(admin.actor(), "bob.pm", USER_PASSWORD, "portfolio_manager", "Bob PM")
