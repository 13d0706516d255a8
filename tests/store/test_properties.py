"""Property tests: random documents round-trip exactly, and random filters agree with a reference matcher."""

from __future__ import annotations

import operator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fidus_desktop.store.filters import bracket
from fidus_desktop.store.port import Store

MISSING = object()
# Letters whose case folding is one-to-one, so "case-insensitive" means the same to SQLite's casefold and to
# MongoDB's regex option "i" (docs/STORAGE.md explains the ß-like exceptions).
ALPHABET = "abcAB _%.äÄé"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

texts = st.text(ALPHABET, max_size=6)
decimals = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
offsets = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-7, minutes=-30))])
datetimes = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1), timezones=offsets)
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 1, 1))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), decimals, texts, datetimes, dates)
any_scalar = st.one_of(
    scalars,
    st.integers(-(2**63), 2**63 - 1),
    st.decimals(allow_nan=False, allow_infinity=False).filter(
        lambda d: len(d.as_tuple().digits) <= 34 and -6176 <= d.as_tuple().exponent <= 6111  # type: ignore[operator]
    ),
    st.text(st.characters(exclude_characters="\x00\x01", exclude_categories=("Cs",)), max_size=20),
    st.binary(max_size=20),
)
keys = st.text(st.characters(exclude_characters="\x00.$", exclude_categories=("Cs",)), min_size=1, max_size=8).filter(
    lambda k: k not in ("_id", "version") and not k.startswith("$")
)
values = st.recursive(
    any_scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3), max_leaves=12
)
documents = st.dictionaries(keys, values, max_size=6)


@SETTINGS
@given(doc=documents)
def test_random_documents_round_trip_exactly(store: Store, doc: dict[str, Any]) -> None:
    coll = store.collection("props")
    stored = coll.insert(doc)
    loaded = coll.require(stored["_id"])
    assert loaded == stored
    assert {k: v for k, v in loaded.items() if k not in ("_id", "version")} == doc
    assert _shape(loaded) == _shape({**doc, "_id": stored["_id"], "version": 1})


def _shape(value: Any) -> Any:
    """Types and Decimal exponents, which == would ignore."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, Decimal):
        return ("Decimal", value.as_tuple())
    return type(value).__name__


# -- a reference matcher for the filter subset ------------------------------------------------------------
def lookup(doc: dict[str, Any], path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def same_bracket(value: Any, target: Any) -> bool:
    return value is not MISSING and bracket(value) == bracket(target) and not isinstance(value, (list, dict))


def equal(value: Any, target: Any) -> bool:
    if target is None:
        return value is MISSING or value is None
    return same_bracket(value, target) and value == target


def matches(doc: dict[str, Any], flt: dict[str, Any]) -> bool:
    for key, cond in flt.items():
        if key == "$and":
            ok = all(matches(doc, c) for c in cond)
        elif key == "$or":
            ok = any(matches(doc, c) for c in cond)
        else:
            ok = field_matches(lookup(doc, key), cond if isinstance(cond, dict) else {"$eq": cond})
        if not ok:
            return False
    return True


def field_matches(value: Any, cond: dict[str, Any]) -> bool:
    for op, arg in cond.items():
        if op == "$eq":
            ok = equal(value, arg)
        elif op == "$ne":
            ok = not equal(value, arg)
        elif op == "$in":
            ok = any(equal(value, a) for a in arg)
        elif op == "$nin":
            ok = not any(equal(value, a) for a in arg)
        elif op == "$exists":
            ok = (value is not MISSING) == arg
        elif op in ("$istartswith", "$icontains"):
            folded = value.casefold() if isinstance(value, str) else None
            needle = arg.casefold()
            ok = folded is not None and (folded.startswith(needle) if op == "$istartswith" else needle in folded)
        else:
            compare = {"$gt": operator.gt, "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le}[op]
            ok = same_bracket(value, arg) and compare(value, arg)  # not value.__gt__: int vs Decimal is NotImplemented
        if not ok:
            return False
    return True


paths = st.sampled_from(["a", "b", "c", "c.x"])
rangeable = st.one_of(st.integers(-1000, 1000), decimals, texts, datetimes, dates)


def conditions() -> st.SearchStrategy[Any]:
    return st.one_of(
        scalars,
        st.builds(lambda op, v: {op: v}, st.sampled_from(["$eq", "$ne"]), scalars),
        st.builds(lambda op, v: {op: v}, st.sampled_from(["$gt", "$gte", "$lt", "$lte"]), rangeable),
        st.builds(lambda op, v: {op: v}, st.sampled_from(["$in", "$nin"]), st.lists(scalars, max_size=3)),
        st.builds(lambda v: {"$exists": v}, st.booleans()),
        st.builds(lambda op, v: {op: v}, st.sampled_from(["$istartswith", "$icontains"]), texts),
    )


simple_filters = st.dictionaries(paths, conditions(), max_size=2)
filters = st.one_of(
    simple_filters,
    st.builds(
        lambda op, fs: {op: fs}, st.sampled_from(["$and", "$or"]), st.lists(simple_filters, min_size=1, max_size=3)
    ),
)
# Stored lists are opaque to filters on both backends (docs/STORAGE.md): the reference matcher never looks
# inside one, and a dotted path through a list is missing.
scalar_lists = st.lists(scalars, max_size=3)
rows = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "a": st.one_of(scalars, scalar_lists),
            "b": scalars,
            "c": st.one_of(
                scalars,
                st.fixed_dictionaries({}, optional={"x": st.one_of(scalars, scalar_lists)}),
                st.lists(st.fixed_dictionaries({}, optional={"x": scalars}), max_size=2),
            ),
        },
    ),
    max_size=8,
)


@SETTINGS
@given(docs=rows, flt=filters)
def test_random_filters_agree_with_the_reference_matcher(store: Store, docs: list[dict], flt: dict) -> None:
    store.drop_collection("props")
    coll = store.collection("props")
    ids = coll.insert_many(docs)
    expected = sorted(i for i, d in zip(ids, docs, strict=True) if matches(d, flt))
    assert sorted(d["_id"] for d in coll.find(flt)) == expected
    assert coll.count(flt) == len(expected)


# Integers at the edges of BSON's int32 and int64: a server hands back every integer beyond ±2**31 as Int64.
edge_integers = st.one_of(
    st.sampled_from([0, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**32, 2**53 + 1, 2**63 - 1, -(2**63)]),
    st.integers(-(2**63), 2**63 - 1),
)


@SETTINGS
@given(values=st.lists(edge_integers, min_size=1, max_size=4))
def test_integers_at_the_32_and_64_bit_edges_survive_every_write_and_filter(store: Store, values: list[int]) -> None:
    store.drop_collection("tickets")
    coll = store.collection("tickets")
    first, last = values[0], values[-1]
    doc = coll.insert({"ticket": first, "all": values, "position": {"id": last}})
    loaded = coll.require(doc["_id"])
    assert _shape(loaded) == _shape(doc)
    assert loaded == doc
    # Writing back what was read (an edit, a replace, an audit image) must not trip the store's own checks.
    updated = coll.update(doc["_id"], {"position": loaded["position"], "seen": loaded["all"]}, expected_version=1)
    replaced = coll.replace({**coll.require(doc["_id"]), "ticket": loaded["ticket"]})
    assert replaced["version"] == updated["version"] + 1
    assert [d["_id"] for d in coll.find({"ticket": first})] == [doc["_id"]]
    assert coll.find({"ticket": {"$gte": first}}, sort=[("ticket", 1)], skip=0, limit=1)[0]["ticket"] == first
    keys = sorted(set(values))
    batch = [{"ticket": v, "n": 1} for v in keys]
    store.drop_collection("deals")
    assert store.collection("deals").upsert_many(batch, ["ticket"]).inserted == len(keys)
    again = store.collection("deals").upsert_many(batch, ["ticket"])
    assert again.unchanged == len(keys)
    assert sorted(d["ticket"] for d in store.collection("deals").find()) == keys
