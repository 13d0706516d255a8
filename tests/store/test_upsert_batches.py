"""Bulk upserts in one batch that mixes new, changed, unchanged and repeated keys, across query chunks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from fidus_desktop.store.port import Store
from fidus_desktop.store.sqlite import UPSERT_CHUNK

START = datetime(2024, 5, 1, tzinfo=UTC)


def row(ticket: int, profit: str = "1.00", login: int = 7) -> dict[str, Any]:
    return {"login": login, "ticket": ticket, "time": START + timedelta(seconds=ticket), "profit": Decimal(profit)}


@pytest.mark.volume
def test_mixed_batch_across_chunks(store: Store) -> None:
    deals = store.collection("deals")
    deals.ensure_index(["login", "ticket"], unique=True)
    n = UPSERT_CHUNK * 2 + 17  # more keys than one lookup query takes
    first = deals.upsert_many([row(t) for t in range(n)], ["login", "ticket"])
    assert (first.inserted, first.updated, first.unchanged) == (n, 0, 0)
    batch = [
        row(0),  # unchanged
        row(1, "2.00"),  # changed
        row(n),  # new
        row(2, "9.00"),  # changed, then repeated below: the last copy wins
        row(n + 1),  # new, repeated below unchanged
        row(2, "3.00"),
        row(n + 1),
        row(5, login=8),  # same ticket, other account: new
        *[row(t) for t in range(10, n)],  # unchanged, spread over every chunk
    ]
    result = deals.upsert_many(batch, ["login", "ticket"])
    assert (result.inserted, result.updated, result.unchanged) == (3, 2, n - 10 + 1)
    assert result.ids[0] == first.ids[0]
    assert result.ids[1] == first.ids[1]
    assert result.ids[3] == result.ids[5] == first.ids[2]
    assert result.ids[4] == result.ids[6]
    assert result.ids[4] not in first.ids
    assert result.ids[8:] == first.ids[10:]
    assert deals.count() == n + 3
    assert deals.require(first.ids[2])["profit"] == Decimal("3.00")
    assert deals.require(first.ids[2])["version"] == 2
    assert deals.require(first.ids[0])["version"] == 1
    assert {d["version"] for d in deals.find({"ticket": {"$gte": 10}, "login": 7})} == {1}
    again = deals.upsert_many(batch, ["login", "ticket"])
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(set(result.ids)))
    assert again.ids == result.ids


def test_keys_of_dates_and_date_times_match_stored_rows(store: Store) -> None:
    prices = store.collection("prices")
    rows = [{"day": date(2024, 1, d), "at": START + timedelta(days=d), "close": Decimal(d)} for d in range(1, 4)]
    first = prices.upsert_many(rows, ["day", "at"])
    again = prices.upsert_many([*rows[:2], {**rows[2], "close": Decimal(9)}], ["day", "at"])
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 2)
    assert again.ids == first.ids
    single = prices.upsert_many(rows[:1], ["day"])  # a one-field key
    assert single.ids == first.ids[:1]
    assert single.updated == 0
