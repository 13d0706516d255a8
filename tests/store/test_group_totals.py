"""Contract: ``group_totals`` counts and sums exactly per group, the same on every adapter and the same as the
port's fallback (reading the fields and adding in Python)."""

from __future__ import annotations

from decimal import Decimal
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fidus_desktop.store.port import Collection, GroupTotal, Store

COUNTER = count()


def test_groups_count_and_sum_exactly(store: Store) -> None:
    deals = store.collection("deals")
    deals.insert_many([
        {"stage": "Lead", "currency": "EUR", "amount": Decimal("0.10")},
        {"stage": "Lead", "currency": "EUR", "amount": Decimal("0.20")},  # 0.1 + 0.2 is 0.30 here, not 0.300…04
        {"stage": "Lead", "currency": "USD", "amount": Decimal("1E+6")},
        {"stage": "Lead", "currency": None, "amount": None},
        {"stage": "Won", "currency": "EUR", "amount": Decimal("1234567890123.45")},
        {"stage": "Won"},
        {"stage": "Lost", "currency": "EUR", "amount": 7},
    ])
    assert deals.group_totals({}, ["stage", "currency"], "amount") == [
        GroupTotal(("Lead", None), 1, Decimal(0)),
        GroupTotal(("Lead", "EUR"), 2, Decimal("0.30")),
        GroupTotal(("Lead", "USD"), 1, Decimal("1E+6")),
        GroupTotal(("Lost", "EUR"), 1, Decimal(7)),
        GroupTotal(("Won", None), 1, Decimal(0)),
        GroupTotal(("Won", "EUR"), 1, Decimal("1234567890123.45")),
    ]
    assert deals.group_totals({"stage": "Won"}, ["stage"], "amount") == [
        GroupTotal(("Won",), 2, Decimal("1234567890123.45"))]
    assert deals.group_totals({"stage": "Nowhere"}, ["stage"], "amount") == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["a", "b", "c"]),
                               st.one_of(st.none(), st.decimals(min_value=-10**12, max_value=10**12, places=2))),
                     max_size=30))
def test_the_adapter_agrees_with_the_fallback(store: Store, rows: list[tuple[str, Decimal | None]]) -> None:
    deals = store.collection(f"deals_{next(COUNTER)}")  # a fresh collection per example (the store is shared)
    if rows:
        deals.insert_many([{"g": g, "amount": a} for g, a in rows])
    adapter = deals.group_totals({}, ["g"], "amount")
    fallback = Collection.group_totals(deals, {}, ["g"], "amount")
    assert [(g.key, g.count, g.total) for g in adapter] == [(g.key, g.count, g.total) for g in fallback]
