"""Contract: what goes in comes back exactly, and what may not be stored is refused the same way everywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import IntEnum

import pytest

from fidus_desktop.store.errors import DuplicateKey, InvalidDocument, NotFound
from fidus_desktop.store.port import Store
from fidus_desktop.store.values import MAX_STRING_CHARS

EVERY_TYPE = {
    "none": None,
    "yes": True,
    "no": False,
    "int": 42,
    "big": 2**63 - 1,
    "small": -(2**63),
    "money": Decimal("1234.50"),
    "integral": Decimal("100"),
    "scaled": Decimal("1E+3"),
    "tiny": Decimal("0.000000001"),
    "negative_zero": Decimal("-0.00"),
    "widest": Decimal("1234567890123456789012345678901234"),
    "text": "Zürich – 東京 – 🙂",
    "empty": "",
    "day": date(2024, 2, 29),
    "blob": bytes(range(256)),
    "nested": {"a": {"b": [1, "two", Decimal("3.0"), {"c": None}]}},
    "list": [],
}


def test_every_value_type_round_trips(store: Store) -> None:
    deals = store.collection("deals")
    inserted = deals.insert(dict(EVERY_TYPE))
    assert set(inserted) == {*EVERY_TYPE, "_id", "version"}
    assert inserted["version"] == 1
    loaded = deals.get(inserted["_id"])
    assert loaded == inserted
    for key, value in EVERY_TYPE.items():
        assert loaded[key] == value
        assert type(loaded[key]) is type(value)
        if isinstance(value, Decimal):
            assert loaded[key].as_tuple() == value.as_tuple(), key  # exponent and sign kept, not just the value


def test_datetimes_come_back_as_the_same_instant_in_utc_to_the_microsecond(store: Store) -> None:
    tokyo = timezone(timedelta(hours=9))
    when = datetime(2024, 3, 31, 1, 30, 15, 123456, tzinfo=tokyo)
    doc = store.collection("deals").insert({"when": when, "list": [when]})
    loaded = store.collection("deals").require(doc["_id"])
    assert loaded["when"] == when
    assert loaded["when"].tzinfo == UTC
    assert loaded["when"] == datetime(2024, 3, 30, 16, 30, 15, 123456, tzinfo=UTC)
    assert loaded["list"] == [when]


def test_tuples_are_stored_as_lists_and_given_ids_are_kept(store: Store) -> None:
    doc = store.collection("deals").insert({"_id": "deal-1", "pair": (1, 2)})
    assert doc["_id"] == "deal-1"
    assert store.collection("deals").require("deal-1")["pair"] == [1, 2]


def test_inserting_an_existing_id_is_a_duplicate(store: Store) -> None:
    store.collection("deals").insert({"_id": "deal-1"})
    with pytest.raises(DuplicateKey):
        store.collection("deals").insert({"_id": "deal-1"})


def test_missing_documents(store: Store) -> None:
    deals = store.collection("deals")
    assert deals.get("nope") is None
    with pytest.raises(NotFound, match="nope"):
        deals.require("nope")


class Side(IntEnum):
    BUY = 0


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"profit": 1.5}, r"profit.*float.*Decimal"),
        ({"deal": {"profit": 1.5}}, r"deal\.profit.*float"),
        ({"rows": [1, 2.0]}, r"rows\.1.*float"),
        ({"time": datetime(2024, 1, 1)}, r"time.*no time zone"),
        ({"$where": "1"}, r"'\$where'.*not allowed"),
        ({"a": {"$gt": ""}}, r"'\$gt'.*at a.*not allowed"),
        ({"a.b": 1}, r"'a\.b'.*not allowed"),
        ({"a\x00": 1}, r"not allowed"),
        ({"note": "a\x00b"}, r"note.*NUL"),
        ({"note": "\x01Dfake"}, r"note.*control character"),
        ({"note": "x" * (MAX_STRING_CHARS + 1)}, r"note.*characters; the limit"),
        ({"amount": Decimal("1." + "1" * 34)}, r"amount.*34 significant digits"),
        ({"amount": Decimal("1E+7000")}, r"amount.*too large or too small"),
        ({"amount": Decimal("NaN")}, r"amount.*finite"),
        ({"count": 2**63}, r"count.*64 bits"),
        ({"count": -(2**63) - 1}, r"count.*64 bits"),
        ({1: "x"}, r"must be text.*1"),
        ({"nested": {2: "x"}}, r"nested has the key 2"),
        ({"side": Side.BUY}, r"side.*Side.*plain int"),
        ({"tags": {"a", "b"}}, r"tags.*set"),
        ({"": 1}, r"not allowed"),
    ],
)
def test_refused_values_name_the_field_and_write_nothing(store: Store, doc: dict, message: str) -> None:
    deals = store.collection("deals")
    with pytest.raises(InvalidDocument, match=message):
        deals.insert({"ok": 1, **doc})
    with pytest.raises(InvalidDocument, match=message):
        deals.insert_many([{"ok": 1}, {"ok": 2, **doc}])
    assert deals.count() == 0


def test_refused_ids_and_non_dicts(store: Store) -> None:
    deals = store.collection("deals")
    for bad in ("$x", "a\x00", 5):
        with pytest.raises(InvalidDocument):
            deals.insert({"_id": bad})
    with pytest.raises(InvalidDocument, match="dict"):
        deals.insert_many([["not", "a", "dict"]])  # type: ignore[list-item]
    with pytest.raises(InvalidDocument, match="collection name"):
        store.collection("Bad-Name")
    assert deals.count() == 0


def test_deeply_nested_documents_are_refused(store: Store) -> None:
    doc: dict = {}
    inner = doc
    for _ in range(40):
        inner["x"] = {}
        inner = inner["x"]
    with pytest.raises(InvalidDocument, match="nests deeper"):
        store.collection("deals").insert(doc)


def test_insert_many_is_all_or_none_on_a_duplicate(store: Store) -> None:
    deals = store.collection("deals")
    deals.insert({"_id": "b"})
    with pytest.raises(DuplicateKey):
        deals.insert_many([{"_id": "a"}, {"_id": "b"}, {"_id": "c"}])
    assert [d["_id"] for d in deals.find(sort=[("_id", 1)])] == ["b"]


def test_insert_many_returns_ids_in_order(store: Store) -> None:
    ids = store.collection("deals").insert_many([{"n": i} for i in range(5)] + [{"_id": "given", "n": 5}])
    assert ids[-1] == "given"
    assert [store.collection("deals").require(i)["n"] for i in ids] == list(range(6))
    assert store.collection("deals").insert_many([]) == []
