"""Schema versions and migrations, on every backend."""

from __future__ import annotations

import pytest

from fidus_desktop.store.errors import SchemaTooNew
from fidus_desktop.store.port import Store
from fidus_desktop.store.schema import (
    CURRENT_SCHEMA,
    META,
    MIGRATIONS,
    SCHEMA_ID,
    Migration,
    current_schema,
    migrate,
    register,
    stored_schema,
)


def test_a_new_database_is_brought_to_the_current_schema_once(store: Store) -> None:
    assert stored_schema(store) == 0
    assert migrate(store) == list(range(1, CURRENT_SCHEMA + 1))
    assert stored_schema(store) == CURRENT_SCHEMA
    assert store.collection(META).require(SCHEMA_ID)["schema_version"] == CURRENT_SCHEMA
    assert migrate(store) == []


def test_pending_migrations_run_in_order(store: Store) -> None:
    seen: list[int] = []

    def step(n: int) -> Migration:
        return Migration(n, f"step {n}", lambda s: seen.append(n))

    migrate(store)
    extra = [*MIGRATIONS, step(CURRENT_SCHEMA + 2), step(CURRENT_SCHEMA + 1)]
    assert migrate(store, extra) == [CURRENT_SCHEMA + 1, CURRENT_SCHEMA + 2]
    assert seen == [CURRENT_SCHEMA + 1, CURRENT_SCHEMA + 2]
    assert stored_schema(store) == CURRENT_SCHEMA + 2


def test_a_newer_database_is_refused(store: Store) -> None:
    migrate(store)
    meta = store.collection(META)
    meta.update(SCHEMA_ID, {"schema_version": CURRENT_SCHEMA + 1}, expected_version=meta.require(SCHEMA_ID)["version"])
    with pytest.raises(SchemaTooNew, match="newer FIDUS Desktop"):
        migrate(store)


def test_a_failing_migration_leaves_the_version_and_its_writes_unchanged(tx_store: Store) -> None:
    migrate(tx_store)

    def broken(store: Store) -> None:
        store.collection("deals").insert({"half": True})
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        migrate(tx_store, [*MIGRATIONS, Migration(CURRENT_SCHEMA + 1, "broken", broken)])
    assert stored_schema(tx_store) == CURRENT_SCHEMA
    assert tx_store.collection("deals").count() == 0


def test_register_refuses_gaps_and_duplicates() -> None:
    with pytest.raises(ValueError, match="must be"):
        register(CURRENT_SCHEMA, "again")(lambda s: None)
    with pytest.raises(ValueError, match="must be"):
        register(CURRENT_SCHEMA + 2, "gap")(lambda s: None)
    assert current_schema() == CURRENT_SCHEMA
