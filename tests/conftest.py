"""Fixtures for every test: offscreen Qt, an isolated FIDUS_HOME, an in-memory keyring, cheap password hashing,
a fresh database. Helpers shared between folders live in ``tests.support``."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from fidus_desktop.app import configure_qsettings
from fidus_desktop.bootstrap import AppContext, open_context
from fidus_desktop.config.paths import AppPaths
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.security import passwords
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.actor import Actor
from fidus_desktop.ui.background import InlineRunner, set_runner
from tests.support.cost import CHEAP_HASHER
from tests.support.demo import DemoDatabase, build_demo_database, copy_demo
from tests.support.users import ADMIN_PASSWORD


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the real per-user folders, database or window settings (QSettings)."""
    home = tmp_path_factory.mktemp("fidus-home")
    monkeypatch.setenv("FIDUS_HOME", str(home))
    monkeypatch.delenv("FIDUS_DB", raising=False)
    configure_qsettings(AppPaths.for_user().config_dir)
    return home


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[InMemoryKeyring]:
    """Secrets go to a keyring that lives only as long as the test."""
    previous = keyring.get_keyring()
    backend = InMemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Services hash with a cheap argon2 (the product's costs 64 MiB and ~0.2 s a hash) unless the test is
    marked ``product_crypto_cost``. Only this in-process patch lowers it: the product has no switch for it."""
    if request.node.get_closest_marker("product_crypto_cost") is None:
        monkeypatch.setattr(passwords, "DEFAULT_HASHER", CHEAP_HASHER)


@pytest.fixture
def secrets(memory_keyring: InMemoryKeyring) -> SecretStore:
    return SecretStore(memory_keyring)


@pytest.fixture
def app_context(tmp_path: Path, secrets: SecretStore) -> Iterator[AppContext]:
    ctx = open_context(f"sqlite:///{(tmp_path / 'fidus.db').as_posix()}", secrets=secrets, log_to_file=False)
    yield ctx
    ctx.close()


@pytest.fixture
def admin(app_context: AppContext) -> Actor:
    return app_context.services.users.create_first_admin("admin", ADMIN_PASSWORD, "Administrator").actor()


@pytest.fixture
def inline_runner() -> Iterator[InlineRunner]:
    runner = InlineRunner()
    set_runner(runner)
    yield runner
    set_runner(None)


@pytest.hookimpl(tryfirst=True)  # before ``-m "not slow"`` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test on the demo office joins the slow tier: the fast tier's processes then never build it."""
    for item in items:
        if "demo_database" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> DemoDatabase:
    """The demo office, built once per test process; tests take a copy (``demo_db``), never this file."""
    return build_demo_database(tmp_path_factory.mktemp("demo-office"))


@pytest.fixture
def demo_db(demo_database: DemoDatabase, tmp_path: Path) -> Path:
    """This test's own copy of the demo database file."""
    return copy_demo(demo_database, tmp_path / "demo")
