"""The demo office (``load_demo``: 200 investors, three funds, MT5 history) built once per test session, on the
demo's own timeline (``services.demo.demo_clock``) as ``--demo`` builds and runs it.

Building it takes seconds, so the ``demo_database`` session fixture (tests/conftest.py) builds it once per
pytest process (each xdist worker has its own) and ``demo_db`` hands every test its own copy of the file:
tests may change their copy freely. ``open_demo`` opens a copy with services and the demo administrator,
``demo_context`` as an ``AppContext`` for the screens.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import AppContext, Services, open_context
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.security import passwords
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.demo import demo_clock, load_demo
from fidus_desktop.services.users import User
from fidus_desktop.store.port import Store
from fidus_desktop.store.schema import migrate
from fidus_desktop.store.sqlite import SqliteStore
from tests.support.cost import CHEAP_HASHER

DEMO_ADMIN = "demo.admin"
# The keyring the demo was built with in this process: it holds the demo's data key (the signing demo seals its
# envelopes' PDFs), so copies of the demo open their sealed data when ``open_demo`` hands its entries on.
DEMO_KEYRING = InMemoryKeyring()


@dataclass(frozen=True)
class DemoDatabase:
    """The built demo file (never opened by a test: copy it) and what the build reported."""

    path: Path
    mt5_deals: dict[int, int]  # deals the demo synced, by MT5 login


def build_demo_database(folder: Path) -> DemoDatabase:
    """Build the demo office the way ``--demo`` does (migrated, indexed) into one self-contained file."""
    work = folder / "building.db"
    store = SqliteStore(work)
    try:
        with pytest.MonkeyPatch.context() as patch:  # session fixtures run before the per-test cheap hashing
            patch.setattr(passwords, "DEFAULT_HASHER", CHEAP_HASHER)
            migrate(store)
            services = Services(ServiceContext(store, demo_clock()), secrets=SecretStore(DEMO_KEYRING))
            services.ensure_indexes()
            run = load_demo(services)
    finally:
        store.close()
    target = folder / "demo.db"
    with closing(sqlite3.connect(work)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)  # one file, whatever the write-ahead log still held
    return DemoDatabase(target, dict(run.made["mt5_deals"]))


def copy_demo(demo: DemoDatabase, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(demo.path, folder / "demo.db"))


def demo_admin(store: Store) -> Actor:
    doc = store.collection("users").find_one({"username_key": DEMO_ADMIN})
    assert doc is not None, "the demo database has no demo administrator"
    return User.from_doc(doc).actor()


def enrolled(secrets: SecretStore | None) -> SecretStore:
    """``secrets`` (or a new in-memory keyring) with the demo's data key, so this workstation is enrolled like the
    one that built it."""
    secrets = secrets or SecretStore(InMemoryKeyring())
    for (service, username), value in DEMO_KEYRING._secrets.items():
        secrets.backend.set_password(service, username, value)
    return secrets


@contextmanager
def open_demo(path: Path, secrets: SecretStore | None = None) -> Iterator[tuple[Services, Actor]]:
    """Services over a demo copy (closed afterwards), on the demo's clock, and the demo administrator to act as."""
    store = SqliteStore(path)
    try:
        services = Services(ServiceContext(store, demo_clock()), secrets=enrolled(secrets))
        yield services, demo_admin(store)
    finally:
        store.close()


@contextmanager
def demo_context(path: Path, secrets: SecretStore | None = None) -> Iterator[tuple[AppContext, Actor]]:
    """A demo copy opened as ``--demo`` opens it (composition root, demo clock), and the demo administrator."""
    ctx = open_context(f"sqlite:///{path.as_posix()}", secrets=enrolled(secrets), clock=demo_clock(),
                       log_to_file=False)
    try:
        yield ctx, demo_admin(ctx.store)
    finally:
        ctx.close()
