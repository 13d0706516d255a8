"""Contract: a transaction commits every write on its thread together or none of them."""

from __future__ import annotations

import pytest

from fidus_desktop.store.errors import ConcurrencyError, StorageError
from fidus_desktop.store.port import Store


class Boom(Exception):
    pass


def test_rollback_on_exception_leaves_nothing(tx_store: Store) -> None:
    funds, audit = tx_store.collection("funds"), tx_store.collection("audit")
    existing = funds.insert({"name": "Core"})

    def change() -> None:
        with tx_store.transaction():
            funds.insert({"name": "New"})
            funds.update(existing["_id"], {"name": "Renamed"}, expected_version=1)
            audit.insert({"what": "renamed"})
            funds.upsert_many([{"code": "X", "n": 1}], ["code"])
            raise Boom

    with pytest.raises(Boom):
        change()
    assert funds.find() == [existing]
    assert audit.count() == 0


def test_atomic_multi_document_change(tx_store: Store) -> None:
    accounts = tx_store.collection("accounts")
    a = accounts.insert({"name": "a", "cash": 100})
    b = accounts.insert({"name": "b", "cash": 0})
    with tx_store.transaction():
        accounts.update(a["_id"], {"cash": 60}, expected_version=1)
        accounts.update(b["_id"], {"cash": 40}, expected_version=1)
    assert sum(d["cash"] for d in accounts.find()) == 100

    def transfer() -> None:
        with tx_store.transaction():
            accounts.update(a["_id"], {"cash": 0}, expected_version=2)
            accounts.update(b["_id"], {"cash": 100}, expected_version=1)  # stale: the whole transfer is undone

    with pytest.raises(ConcurrencyError):
        transfer()
    assert {d["name"]: d["cash"] for d in accounts.find()} == {"a": 60, "b": 40}


def test_nested_transactions_join_the_outer_one(tx_store: Store) -> None:
    funds = tx_store.collection("funds")

    def change() -> None:
        with tx_store.transaction():
            funds.insert({"n": 1})
            with tx_store.transaction():
                funds.insert({"n": 2})
            raise Boom  # the inner block had finished, but only the outer commit counts

    with pytest.raises(Boom):
        change()
    assert funds.count() == 0


def test_an_inner_failure_never_commits_half_a_change(tx_store: Store) -> None:
    """SQLite rolls back only the inner part (savepoint); MongoDB has no savepoints and refuses to commit."""
    funds = tx_store.collection("funds")

    def inner() -> None:
        with tx_store.transaction():
            funds.insert({"n": 2})
            raise Boom

    try:
        with tx_store.transaction():
            funds.insert({"n": 1})
            with pytest.raises(Boom):
                inner()
    except StorageError:
        assert tx_store.backend == "mongodb"
        assert funds.count() == 0
    else:
        assert tx_store.backend == "sqlite"
        assert [d["n"] for d in funds.find()] == [1]


def test_reads_inside_a_transaction_see_its_writes(tx_store: Store) -> None:
    funds = tx_store.collection("funds")
    with tx_store.transaction():
        doc = funds.insert({"n": 1})
        assert funds.require(doc["_id"])["n"] == 1
        assert funds.count({"n": 1}) == 1


def test_without_transactions_writes_happen_one_by_one(store: Store) -> None:
    """The standalone-MongoDB fallback: documented, and announced by warnings()."""
    if store.supports_transactions:
        pytest.skip("this store has transactions")
    funds = store.collection("funds")

    def change() -> None:
        with store.transaction():
            funds.insert({"n": 1})
            raise Boom

    with pytest.raises(Boom):
        change()
    assert funds.count() == 1
    assert "not atomic" in store.warnings()[0]  # type: ignore[attr-defined]
