"""The contract suite runs every test against each storage backend.

* ``sqlite``: the embedded adapter on a file in ``tmp_path`` (always).
* ``mongomock``: the MongoDB adapter over ``tests/store/strict_mongo.py``: mongomock behind a replica set's
  rules (sessions, transactions with rollback, the commands a server refuses inside one, injected conflicts),
  storing BSON and comparing numbers and booleans as a server does (``mongomock_shim``). It is not a server:
  snapshot isolation and truly concurrent transactions are not modelled.
* ``mongodb``: the MongoDB adapter on a real server when ``FIDUS_TEST_MONGODB_URI`` is set (marked
  ``mongodb``); each test gets a fresh database, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from fidus_desktop.store.port import Store
from fidus_desktop.store.sqlite import SqliteStore

MONGODB_URI = os.environ.get("FIDUS_TEST_MONGODB_URI")
MONGOMOCK_REASON = "standalone MongoDB has no multi-document transactions"
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("mongomock", id="mongomock-stand-in"),
    pytest.param(
        "mongodb",
        id="mongodb",
        marks=[
            pytest.mark.mongodb,
            pytest.mark.skipif(not MONGODB_URI, reason="set FIDUS_TEST_MONGODB_URI to run against a real MongoDB"),
        ],
    ),
]


def open_backend(kind: str, tmp_path: Path) -> Iterator[Store]:
    """Open one backend for one test and clean it up afterwards."""
    if kind == "sqlite":
        store: Store = SqliteStore(tmp_path / "contract.db")
        yield store
        store.close()
        return
    from fidus_desktop.store.mongo import MongoStore

    if kind == "mongomock":
        from tests.store.strict_mongo import strict_store

        with strict_store("contract") as store:
            yield store
        return
    name = f"fidus_test_{uuid.uuid4().hex[:12]}"
    store = MongoStore(MONGODB_URI, name)
    try:
        yield store
    finally:
        store.client.drop_database(name)
        store.close()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store on each backend (see the module docstring for what "mongomock" means)."""
    yield from open_backend(request.param, tmp_path)


@pytest.fixture
def tx_store(store: Store) -> Store:
    """A store with real multi-document transactions (skips a standalone MongoDB server)."""
    if not store.supports_transactions:
        pytest.skip(MONGOMOCK_REASON)
    return store
