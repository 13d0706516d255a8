"""Contract: the filter subset gives the same answers on every backend, and everything else is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from fidus_desktop.store.errors import InvalidFilter
from fidus_desktop.store.filters import parse_filter
from fidus_desktop.store.port import Collection, Store

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ROWS = [
    {"_id": "a", "n": 1, "name": "Ärzte Fonds", "when": T0, "day": date(2024, 5, 1), "addr": {"city": "Zürich"}},
    {"_id": "b", "n": Decimal("2.50"), "name": "alpha", "when": T0 + timedelta(microseconds=1), "flag": True},
    {"_id": "c", "n": 10, "name": "Beta_100%", "when": T0 - timedelta(days=1), "addr": {"city": "Genève"}},
    {"_id": "d", "n": "10", "name": "gamma", "day": date(2024, 4, 30), "flag": False},
    {"_id": "e", "n": None, "name": None, "when": "2024-05-01", "addr": {"city": None}},
    {"_id": "f", "n": True, "name": "ÄRZTE", "addr": "flat"},
]


@pytest.fixture
def rows(store: Store) -> Collection:
    coll = store.collection("funds")
    coll.insert_many([dict(r) for r in ROWS])
    return coll


def ids(coll: Collection, flt: dict) -> list[str]:
    found = [d["_id"] for d in coll.find(flt, sort=[("_id", 1)])]
    assert coll.count(flt) == len(found)
    return found


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({}, ["a", "b", "c", "d", "e", "f"]),
        ({"n": 1}, ["a"]),  # not True: booleans are their own bracket
        ({"n": Decimal("2.5")}, ["b"]),  # numeric equality ignores the exponent
        ({"n": 10}, ["c"]),  # not the text "10"
        ({"n": "10"}, ["d"]),
        ({"n": True}, ["f"]),
        ({"flag": False}, ["d"]),
        ({"n": None}, ["e"]),
        ({"flag": None}, ["a", "c", "e", "f"]),  # null matches missing, as in MongoDB
        ({"n": {"$eq": 10}}, ["c"]),
        ({"n": {"$ne": 10}}, ["a", "b", "d", "e", "f"]),
        ({"flag": {"$ne": True}}, ["a", "c", "d", "e", "f"]),  # missing fields are "not equal"
        ({"flag": {"$ne": None}}, ["b", "d"]),
        ({"n": {"$gt": 1}}, ["b", "c"]),  # numbers only: not "10", not True
        ({"n": {"$gte": 1, "$lt": 10}}, ["a", "b"]),
        ({"n": {"$lte": Decimal("2.50")}}, ["a", "b"]),
        ({"n": {"$gt": ""}}, ["d"]),  # text only
        ({"name": {"$gt": "B"}}, ["a", "b", "c", "d", "f"]),  # binary (UTF-8) order: 'B' < 'Beta' < 'a' < 'Ä'
        ({"name": {"$lt": "b"}}, ["b", "c"]),
        ({"when": {"$gte": T0}}, ["a", "b"]),  # date-times only, not the text "2024-05-01"
        ({"when": {"$gt": T0}}, ["b"]),  # microseconds count
        ({"when": {"$lt": T0}}, ["c"]),
        ({"when": T0.astimezone(timezone(timedelta(hours=-5)))}, ["a"]),  # same instant, other offset
        ({"when": {"$lt": "2025"}}, ["e"]),  # text ranges never match stored date-times
        ({"day": {"$lte": date(2024, 5, 1)}}, ["a", "d"]),
        ({"day": {"$gt": date(2024, 4, 30)}}, ["a"]),
        ({"addr.city": "Zürich"}, ["a"]),
        ({"addr.city": None}, ["b", "d", "e", "f"]),  # missing levels and paths through non-documents count as null
        ({"addr.city": {"$exists": True}}, ["a", "c", "e"]),
        ({"flag": {"$exists": False}}, ["a", "c", "e", "f"]),
        ({"n": {"$exists": True}}, ["a", "b", "c", "d", "e", "f"]),  # null values exist
        ({"n": {"$in": [1, "10", None]}}, ["a", "d", "e"]),
        ({"n": {"$in": []}}, []),
        ({"n": {"$nin": [1, 10]}}, ["b", "d", "e", "f"]),
        ({"flag": {"$nin": [True]}}, ["a", "c", "d", "e", "f"]),  # missing fields are "not in"
        ({"flag": {"$nin": [True, None]}}, ["d"]),
        ({"$or": [{"n": 1}, {"name": "gamma"}]}, ["a", "d"]),
        ({"$and": [{"n": {"$gte": 1}}, {"n": {"$lt": 3}}]}, ["a", "b"]),
        ({"$or": [{}]}, ["a", "b", "c", "d", "e", "f"]),
        ({"$or": [{}, {"n": 1}]}, ["a", "b", "c", "d", "e", "f"]),  # an empty alternative matches everything
        ({"$and": [{}, {"n": 1}]}, ["a"]),
        ({"n": {"$gte": 1}, "name": {"$istartswith": "a"}}, ["b"]),
        ({"_id": {"$in": ["a", "c", "zz"]}}, ["a", "c"]),
        ({"_id": {"$gt": "d"}}, ["e", "f"]),
        ({"version": 1}, ["a", "b", "c", "d", "e", "f"]),
    ],
)
def test_operators(rows: Collection, flt: dict, expected: list[str]) -> None:
    assert ids(rows, flt) == expected


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"name": {"$istartswith": "ärz"}}, ["a", "f"]),  # non-ASCII, any case
        ({"name": {"$istartswith": "ÄRZTE F"}}, ["a"]),
        ({"name": {"$icontains": "FONDS"}}, ["a"]),
        ({"name": {"$icontains": "_100%"}}, ["c"]),  # LIKE / regex characters are literal
        ({"name": {"$icontains": "a_"}}, ["c"]),
        ({"name": {"$istartswith": "."}}, []),
        ({"name": {"$icontains": "a"}}, ["b", "c", "d"]),  # 'ä' is another letter
        ({"addr.city": {"$icontains": "ZÜR"}}, ["a"]),
        ({"when": {"$icontains": "2024"}}, ["e"]),  # stored date-times are not text
        ({"name": {"$istartswith": ""}}, ["a", "b", "c", "d", "f"]),  # every text, nothing else
    ],
)
def test_case_insensitive_text(rows: Collection, flt: dict, expected: list[str]) -> None:
    assert ids(rows, flt) == expected


def test_operator_injection_is_a_valid_range_so_services_must_check_types(rows: Collection) -> None:
    # A login form passing user input straight through: {"$gt": ""} is a legal text range in the subset and
    # matches every text name. This is documented (docs/STORAGE.md): services validate that inputs are str.
    typed_by_attacker = {"$gt": ""}
    assert ids(rows, {"name": typed_by_attacker}) == ["a", "b", "c", "d", "f"]


@pytest.mark.parametrize(
    ("flt", "message"),
    [
        ({"$where": "this.n > 1"}, r"\$where.*\$and or \$or"),
        ({"n": {"$regex": ".*"}}, r"\$regex.*not a supported operator"),
        ({"n": {"$elemMatch": {"x": 1}}}, r"not a supported operator"),
        ({"n": {"$where": "1"}}, r"not a supported operator"),
        ({"n": {"$gt": 1.5}}, r"float"),
        ({"n": 1.5}, r"float"),
        ({"n": {"a": 1}}, r"not a supported operator"),
        ({"n": [1, 2]}, r"compares with a list"),
        ({"n": {"$gt": None}}, r"needs a number, text"),
        ({"n": {"$lt": True}}, r"needs a number, text"),
        ({"n": {"$in": 1}}, r"needs a list"),
        ({"n": {"$exists": 1}}, r"true or false"),
        ({"n": {}}, r"empty"),
        ({"n": datetime(2024, 1, 1)}, r"no time zone"),
        ({"n": "a\x00"}, r"control character"),
        ({"n": {"$icontains": 5}}, r"plain text"),
        ({"a b": 1}, r"not a field name"),
        ({"a..b": 1}, r"not a field name"),
        ({"$or": []}, r"non-empty list"),
        ({"$or": {"n": 1}}, r"non-empty list"),
    ],
)
def test_outside_the_subset_is_refused(rows: Collection, flt: dict, message: str) -> None:
    with pytest.raises(InvalidFilter, match=message):
        rows.find(flt)
    with pytest.raises(InvalidFilter, match=message):
        rows.count(flt)


def test_parse_filter_refuses_non_mappings() -> None:
    with pytest.raises(InvalidFilter, match="mapping"):
        parse_filter([("n", 1)])  # type: ignore[arg-type]
    assert parse_filter(None) is None
    assert parse_filter({}) is None


def test_sort_skip_limit_projection(rows: Collection) -> None:
    numbers = {"n": {"$gte": 0}}
    assert [d["_id"] for d in rows.find(numbers, sort=[("n", -1)])] == ["c", "b", "a"]
    assert [d["_id"] for d in rows.find(numbers, sort=[("n", 1)], skip=1)] == ["b", "c"]
    assert [d["_id"] for d in rows.find(numbers, sort=[("n", 1)], skip=1, limit=1)] == ["b"]
    assert rows.find(numbers, limit=0) == []
    # Missing first, then date-times (stored as tagged text, they sort before plain text on both backends).
    assert [d["_id"] for d in rows.find(sort=[("when", 1), ("_id", -1)], limit=3)] == ["f", "d", "c"]
    assert [d["_id"] for d in rows.find({"when": {"$gte": T0 - timedelta(days=9)}}, sort=[("when", -1)])] == [
        "b",
        "a",
        "c",
    ]
    assert rows.find({"_id": "a"}, projection=["name"]) == [{"_id": "a", "version": 1, "name": "Ärzte Fonds"}]
    assert rows.find({"_id": "e"}, projection=["addr", "missing"]) == [
        {"_id": "e", "version": 1, "addr": {"city": None}}
    ]
    assert rows.find_one({"n": {"$gt": 0}}, sort=[("n", -1)])["_id"] == "c"  # type: ignore[index]
    assert rows.find_one({"n": 99}) is None


def test_bad_sort_and_projection(rows: Collection) -> None:
    with pytest.raises(InvalidFilter, match="Sort entries"):
        rows.find(sort=[("n", 0)])
    with pytest.raises(InvalidFilter, match="not a field name"):
        rows.find(sort=[("$n", 1)])
    with pytest.raises(InvalidFilter, match="top-level"):
        rows.find(projection=["addr.city"])
    with pytest.raises(InvalidFilter, match="list of field names"):
        rows.find(projection="name")  # type: ignore[arg-type]


LISTS = [
    {"_id": "1", "a": ["x", 5]},
    {"_id": "2", "c": [{"x": 1}]},
    {"_id": "3", "a": "x", "c": {"x": 1}},
    {"_id": "4"},
]


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"a": "x"}, ["3"]),
        ({"a": 5}, []),
        ({"a": {"$gt": 1}}, []),
        ({"a": {"$in": ["x", 5]}}, ["3"]),
        ({"a": {"$ne": "x"}}, ["1", "2", "4"]),
        ({"a": {"$nin": ["x"]}}, ["1", "2", "4"]),
        ({"a": {"$exists": True}}, ["1", "3"]),
        ({"a": None}, ["2", "4"]),
        ({"c.x": 1}, ["3"]),
        ({"c.x": None}, ["1", "2", "4"]),
        ({"c.x": {"$ne": 1}}, ["1", "2", "4"]),
        ({"c.x": {"$exists": True}}, ["3"]),
        ({"c.x": {"$exists": False}}, ["1", "2", "4"]),
        ({"c.x": {"$in": [None, 1]}}, ["1", "2", "3", "4"]),
        ({"a": {"$istartswith": "x"}}, ["3"]),
    ],
)
def test_stored_lists_are_opaque_to_filters(store: Store, flt: dict, expected: list[str]) -> None:
    """A condition never looks inside a stored list, and a dotted path through a list is missing, on every
    backend (MongoDB alone would match elements: docs/STORAGE.md)."""
    coll = store.collection("lists")
    coll.insert_many(LISTS)
    assert sorted(d["_id"] for d in coll.find(flt)) == expected
    assert coll.count(flt) == len(expected)


MEMBERS = [
    {"_id": "1", "ids": ["inv-a", "inv-b"], "n": [1, Decimal("2.5"), True], "days": [date(2024, 5, 1)]},
    {"_id": "2", "ids": ["inv-b"], "n": ["1"], "days": [T0]},
    {"_id": "3", "ids": "inv-a", "n": 1, "in": {"ids": ["inv-a"]}, "rows": [{"ids": ["inv-a"]}]},
    {"_id": "4", "ids": [], "in": {"ids": "inv-a"}},
    {"_id": "5", "ids": {"inv-a": 1}},
    {"_id": "6"},
]


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"ids": {"$contains": "inv-a"}}, ["1"]),  # not the plain value, not a document's key
        ({"ids": {"$contains": "inv-b"}}, ["1", "2"]),
        ({"ids": {"$contains": "inv"}}, []),  # whole elements only
        ({"n": {"$contains": 1}}, ["1"]),  # not True, not "1", not the scalar 1
        ({"n": {"$contains": Decimal("2.50")}}, ["1"]),
        ({"n": {"$contains": True}}, ["1"]),
        ({"n": {"$contains": "1"}}, ["2"]),
        ({"days": {"$contains": date(2024, 5, 1)}}, ["1"]),
        ({"days": {"$contains": T0}}, ["2"]),
        ({"in.ids": {"$contains": "inv-a"}}, ["3"]),  # dotted paths into documents
        ({"rows.ids": {"$contains": "inv-a"}}, []),  # but not through a list
        ({"_id": {"$contains": "1"}}, []),
        ({"$or": [{"ids": {"$contains": "inv-a"}}, {"ids": "inv-a"}]}, ["1", "3"]),
        ({"ids": {"$contains": "inv-b", "$ne": "inv-a"}}, ["1", "2"]),  # $ne never looks inside the list
    ],
)
def test_contains_finds_lists_holding_an_element(store: Store, flt: dict, expected: list[str]) -> None:
    """``$contains``: the one condition that looks inside a stored list (an investigation's investors), with the
    same type brackets as equality, on every backend."""
    coll = store.collection("members")
    coll.insert_many([dict(d) for d in MEMBERS])
    assert sorted(d["_id"] for d in coll.find(flt)) == expected
    assert coll.count(flt) == len(expected)


def test_contains_needs_an_element(store: Store) -> None:
    with pytest.raises(InvalidFilter, match="needs the element"):
        store.collection("members").find({"ids": {"$contains": None}})
    with pytest.raises(InvalidFilter, match="compares with a list"):
        store.collection("members").find({"ids": {"$contains": ["inv-a"]}})
