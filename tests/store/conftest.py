"""The contract suite runs every test against each storage backend.

* ``sqlite``: the embedded adapter on a file in ``tmp_path`` (always).
* ``mongomock``: the MongoDB adapter over ``mongomock``. mongomock stands in for the MongoDB adapter's query
  shapes; it is not a server: it has no transactions (transactional tests skip with that reason) and
  ``tests/store/mongomock_shim.py`` makes it compare numbers and booleans as a server does.
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
MONGOMOCK_REASON = "mongomock stands in for the MongoDB adapter's query shapes; it is not a server (no transactions)"
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
        import mongomock

        from tests.store.mongomock_shim import bson_storage, server_comparisons

        with server_comparisons(), bson_storage():
            store = MongoStore(mongomock.MongoClient(), "contract", supports_transactions=False)
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
    """A store with real multi-document transactions; skips the mongomock stand-in."""
    if not store.supports_transactions:
        pytest.skip(MONGOMOCK_REASON)
    return store
