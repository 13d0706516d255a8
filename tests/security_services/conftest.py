"""Fixtures for the user/sign-in/MFA service tests: a SQLite store, a clock the test moves, cheap hashing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from argon2 import PasswordHasher

from fidus_desktop.security.crypto import ScryptParams
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.users import SignInPolicy, User, UserService
from fidus_desktop.store.sqlite import SqliteStore

ADMIN_PASSWORD = "correct horse battery staple"
USER_PASSWORD = "violet kettle under moonlight"
NEW_PASSWORD = "seven lanterns drift east"
CHEAP_KDF = ScryptParams(n=2**4, r=1, p=1)  # wraps TOTP secrets quickly; the product uses the defaults


class FakeClock:
    """A clock tests move by hand (lockout expiry, TOTP steps, challenge expiry)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def totp_code(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fast_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "users.db"


@pytest.fixture
def make_users(db_path: Path, clock: FakeClock, fast_hasher: PasswordHasher) -> Iterator:
    """Build a UserService on the shared database file (call twice for two workstations)."""
    stores: list[SqliteStore] = []

    def make(policy: SignInPolicy | None = None) -> UserService:
        store = SqliteStore(db_path)
        stores.append(store)
        ctx = ServiceContext(store, clock)
        ctx.audit.ensure_indexes()
        policy = policy or SignInPolicy(lockout_attempts=5, lockout_minutes=15)
        service = UserService(ctx, policy, fast_hasher, CHEAP_KDF)
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
