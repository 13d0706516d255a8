"""Contract: versioned writes, unique indexes, idempotent upserts, streaming and collections."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from fidus_desktop.store.errors import ConcurrencyError, DuplicateKey, InvalidDocument, NotFound
from fidus_desktop.store.port import Store


def test_update_sets_and_unsets_fields_and_bumps_the_version(store: Store) -> None:
    funds = store.collection("funds")
    doc = funds.insert({"name": "Core", "fee": Decimal("0.015"), "note": "x"})
    updated = funds.update(
        doc["_id"],
        {"fee": Decimal("0.0125"), "added": date(2024, 1, 1)},
        expected_version=1,
        unset=["note", "never_there"],
    )
    assert updated == {
        "_id": doc["_id"],
        "version": 2,
        "name": "Core",
        "fee": Decimal("0.0125"),
        "added": date(2024, 1, 1),
    }
    assert funds.require(doc["_id"]) == updated
    both = funds.update(doc["_id"], {"note": "back"}, expected_version=2, unset=["note"])
    assert both["note"] == "back"  # a field both set and unset is set


def test_stale_writes_raise_and_write_nothing(store: Store) -> None:
    funds = store.collection("funds")
    doc = funds.insert({"name": "Core"})
    funds.update(doc["_id"], {"name": "Core II"}, expected_version=1)
    with pytest.raises(ConcurrencyError, match=r"version 2, you edited version 1"):
        funds.update(doc["_id"], {"name": "lost"}, expected_version=1)
    with pytest.raises(ConcurrencyError):
        funds.replace({**doc, "name": "lost"})
    with pytest.raises(ConcurrencyError):
        funds.delete(doc["_id"], expected_version=1)
    assert funds.require(doc["_id"]) == {"_id": doc["_id"], "version": 2, "name": "Core II"}


def test_replace_swaps_the_whole_document(store: Store) -> None:
    funds = store.collection("funds")
    doc = funds.insert({"name": "Core", "old": 1})
    replaced = funds.replace({"_id": doc["_id"], "version": 1, "name": "New"})
    assert replaced == {"_id": doc["_id"], "version": 2, "name": "New"}
    assert funds.require(doc["_id"]) == replaced
    with pytest.raises(InvalidDocument, match="version that was read"):
        funds.replace({"_id": doc["_id"], "name": "no version"})
    with pytest.raises(InvalidDocument, match="float"):
        funds.replace({**replaced, "x": 0.1})
    assert funds.require(doc["_id"]) == replaced


def test_missing_records(store: Store) -> None:
    funds = store.collection("funds")
    with pytest.raises(NotFound, match="no-such"):
        funds.update("no-such", {"a": 1}, expected_version=1)
    with pytest.raises(NotFound):
        funds.replace({"_id": "no-such", "version": 1})
    with pytest.raises(NotFound):
        funds.delete("no-such")
    with pytest.raises(NotFound):
        funds.delete("no-such", expected_version=3)


def test_update_refuses_bad_changes(store: Store) -> None:
    funds = store.collection("funds")
    doc = funds.insert({"name": "Core"})
    for changes, unset in (
        ({"_id": "x"}, ()),
        ({"version": 9}, ()),
        ({}, ["version"]),
        ({"a.b": 1}, ()),
        ({"$set": {"a": 1}}, ()),
        ({}, ["a.b"]),
        ({}, ["$x"]),
        ({"f": 1.0}, ()),
    ):
        with pytest.raises(InvalidDocument):
            funds.update(doc["_id"], changes, expected_version=1, unset=unset)
    assert funds.require(doc["_id"])["version"] == 1


def test_delete(store: Store) -> None:
    funds = store.collection("funds")
    a, b = funds.insert({"n": 1}), funds.insert({"n": 2})
    funds.delete(a["_id"], expected_version=1)
    funds.delete(b["_id"])
    assert funds.count() == 0


def test_unique_indexes(store: Store) -> None:
    users = store.collection("users")
    spec = users.ensure_index(["username"], unique=True)
    assert users.ensure_index([("username", 1)], unique=True) == spec  # idempotent
    assert spec.name == "ix_username_u"
    users.insert({"username": "ana"})
    with pytest.raises(DuplicateKey):
        users.insert({"username": "ana"})
    other = users.insert({"username": "bo"})
    with pytest.raises(DuplicateKey):
        users.update(other["_id"], {"username": "ana"}, expected_version=1)
    users.insert({"email": "no-username@x"})
    users.insert({"email": "also-none@x"})  # missing values never collide
    assert users.count() == 4
    assert users.require(other["_id"])["username"] == "bo"


def test_compound_and_descending_indexes(store: Store) -> None:
    deals = store.collection("deals")
    spec = deals.ensure_index(["login", ("time", -1)])
    assert spec.name == "ix_login_time_desc"
    pair = deals.ensure_index(["login", "ticket"], unique=True)
    deals.insert({"login": 1, "ticket": 1})
    deals.insert({"login": 1, "ticket": 2})
    with pytest.raises(DuplicateKey):
        deals.insert({"login": 1, "ticket": 1})
    assert pair.unique


def deal(ticket: int, profit: str = "1.00", **extra: object) -> dict:
    return {"login": 7, "ticket": ticket, "time": datetime(2024, 1, 1, tzinfo=UTC), "profit": Decimal(profit), **extra}


def test_upsert_many_is_idempotent(store: Store) -> None:
    deals = store.collection("deals")
    deals.ensure_index(["login", "ticket"], unique=True)
    batch = [deal(i) for i in range(5)]
    first = deals.upsert_many(batch, ["login", "ticket"])
    assert (first.inserted, first.updated, first.unchanged) == (5, 0, 0)
    again = deals.upsert_many(batch, ["login", "ticket"])
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)
    assert again.ids == first.ids
    assert all(d["version"] == 1 for d in deals.find())
    changed = [deal(0), deal(1, "1.0"), deal(5)]  # same value, other exponent: a change worth recording
    third = deals.upsert_many(changed, ["login", "ticket"])
    assert (third.inserted, third.updated, third.unchanged) == (1, 1, 1)
    assert third.ids[:2] == first.ids[:2]
    assert deals.require(first.ids[1]) | {} == {**deal(1, "1.0"), "_id": first.ids[1], "version": 2}
    assert deals.count() == 6


def test_upsert_many_duplicates_within_a_batch_last_wins(store: Store) -> None:
    deals = store.collection("deals")
    result = deals.upsert_many([deal(1, "1"), deal(2), deal(1, "3")], ["login", "ticket"])
    assert (result.inserted, result.updated, result.unchanged) == (2, 0, 0)
    assert result.ids[0] == result.ids[2]
    assert deals.require(result.ids[0])["profit"] == Decimal("3")
    assert deals.count() == 2


def test_upsert_many_keys_by_dates_and_text(store: Store) -> None:
    prices = store.collection("prices")
    rows = [{"symbol": "EURUSD", "day": date(2024, 1, d), "close": Decimal("1.1")} for d in (1, 2)]
    assert prices.upsert_many(rows, ["symbol", "day"]).inserted == 2
    assert prices.upsert_many(rows, ["symbol", "day"]).unchanged == 2


def test_upsert_many_validates_everything_before_writing(store: Store) -> None:
    deals = store.collection("deals")
    with pytest.raises(InvalidDocument, match="float"):
        deals.upsert_many([deal(1), deal(2, comment=0.5)], ["login", "ticket"])
    with pytest.raises(InvalidDocument, match="login, ticket"):
        deals.upsert_many([deal(1), {"login": 7}], ["login", "ticket"])
    with pytest.raises(InvalidDocument, match="natural key"):
        deals.upsert_many([deal(1)], ["a.b"])
    with pytest.raises(InvalidDocument, match="natural key"):
        deals.upsert_many([deal(1)], [])
    assert deals.count() == 0


def test_iter_all_streams_every_document_in_id_order(store: Store) -> None:
    coll = store.collection("audit")
    ids = coll.insert_many([{"n": i} for i in range(25)])
    streamed = list(coll.iter_all(batch_size=4))
    assert [d["_id"] for d in streamed] == sorted(ids)
    assert {d["n"] for d in streamed} == set(range(25))
    assert list(store.collection("empty").iter_all()) == []


def test_collection_names_and_drop(store: Store) -> None:
    store.collection("alpha").insert({"a": 1})
    store.collection("beta").insert({"b": 1})
    assert {"alpha", "beta"} <= set(store.collection_names())
    store.drop_collection("alpha")
    assert "alpha" not in store.collection_names()
    assert store.collection("alpha").count() == 0
    store.collection("alpha").insert({"again": True})
    assert store.collection("alpha").count() == 1
    with pytest.raises(InvalidDocument):
        store.drop_collection("../etc")


def test_describe_and_ping(store: Store) -> None:
    store.ping()
    assert store.describe().startswith(("SQLite", "MongoDB"))
    assert store.backend in ("sqlite", "mongodb")
