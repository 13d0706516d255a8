"""Contract: a keyset cursor (``store.keyset.seek_filter``) pages through ties exactly, on every backend."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fidus_desktop.store.keyset import find_after, seek_branches
from fidus_desktop.store.port import Collection, Sort, Store

START = date(2024, 1, 1)


@pytest.fixture
def rows(store: Store) -> Collection:
    coll = store.collection("transactions")
    coll.insert_many([{"_id": f"id-{n:03d}", "day": START + timedelta(days=n % 4), "kind": ("sub", "red")[n % 2],
                       "n": n % 3} for n in range(57)])
    return coll


def seek_all(coll: Collection, query: dict, order: Sort, page: int) -> list[str]:
    """Every row matching ``query`` a page at a time, each page seeking from the last row of the one before."""
    found: list[dict] = []
    while True:
        chunk = find_after(coll, query, order, [found[-1][f] for f, _ in order], page) if found else coll.find(
            query, sort=order, limit=page)
        assert chunk is not None
        found.extend(chunk)
        if len(chunk) < page:
            return [d["_id"] for d in found]


@pytest.mark.parametrize("order", [
    [("day", 1), ("_id", 1)], [("day", -1), ("_id", -1)], [("kind", 1), ("day", -1), ("_id", 1)],
    [("n", -1), ("_id", -1)],
])
@pytest.mark.parametrize("query", [{}, {"kind": "red"}, {"day": {"$gte": START + timedelta(days=1)}}])
def test_seeking_pages_equal_one_sorted_read(rows: Collection, order: Sort, query: dict) -> None:
    expected = [d["_id"] for d in rows.find(query, sort=order)]
    for page in (1, 5, 100):
        assert seek_all(rows, query, order, page) == expected


def test_no_cursor_from_a_null_or_a_short_key(rows: Collection) -> None:
    assert seek_branches([("day", 1), ("_id", 1)], [None, "a"]) is None
    assert find_after(rows, {}, [("day", 1), ("_id", 1)], ["a"], 10) is None
