"""``$in`` / ``$nin`` with thousands of values: SQLite once refused these (one nested OR per value)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fidus_desktop.store.port import Store


@pytest.mark.volume
def test_in_and_nin_over_five_thousand_values(store: Store) -> None:
    items = store.collection("items")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    items.insert_many([{"n": n, "code": f"C{n}", "at": start + timedelta(minutes=n)} for n in range(3000)])
    wanted = list(range(0, 6000, 2))  # half of them are not stored
    assert items.count({"n": {"$in": wanted}}) == 1500
    assert items.count({"code": {"$in": [f"C{n}" for n in wanted]}}) == 1500
    assert items.count({"at": {"$in": [start + timedelta(minutes=n) for n in wanted]}}) == 1500
    assert items.count({"n": {"$nin": wanted}}) == 1500
    assert items.count({"_id": {"$in": [d["_id"] for d in items.find({"n": {"$lt": 1200}})]}}) == 1200


def test_in_mixing_types_keeps_type_brackets(store: Store) -> None:
    items = store.collection("items")
    items.insert_many([{"v": 1}, {"v": "1"}, {"v": None}, {"v": True}, {"w": 0}])
    assert items.count({"v": {"$in": [1]}}) == 1
    assert items.count({"v": {"$in": ["1", True]}}) == 2
    assert items.count({"v": {"$in": [None, 1]}}) == 3  # null matches the missing field too, as in MongoDB
    assert items.count({"v": {"$nin": [1, "1"]}}) == 3
