"""The flat-document encoder (``codec._flat_json``) writes exactly what the general path writes.

Every MT5 deal goes through the flat path, every nested document through ``_walked_json``; stored text must
not depend on which one ran (re-polls compare stored text to decide "unchanged").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidus_desktop.store import codec
from fidus_desktop.store.errors import InvalidDocument

from .test_properties import any_scalar, keys

flat_documents = st.dictionaries(keys, any_scalar, max_size=12)


@settings(max_examples=300, deadline=None)
@given(doc=flat_documents)
def test_flat_path_is_taken_and_byte_identical_to_the_general_path(doc: dict[str, Any]) -> None:
    fast = codec._flat_json(doc)
    assert fast is not None
    assert fast == codec._walked_json(doc)
    assert codec.document_from_json(fast, "x", 1) == {**doc, "_id": "x", "version": 1}


@settings(max_examples=100, deadline=None)
@given(doc=st.dictionaries(keys, st.one_of(any_scalar, st.lists(any_scalar, max_size=2)), max_size=6))
def test_documents_with_containers_go_the_general_way(doc: dict[str, Any]) -> None:
    fast = codec._flat_json(doc)
    if any(isinstance(v, list) for v in doc.values()):
        assert fast is None
    assert codec.document_to_json(doc) == codec._walked_json(doc)


def test_edge_values_match() -> None:
    doc = {
        "zero": Decimal("0"), "big": Decimal("1E+30"), "neg": Decimal("-0.00"), "exp": Decimal("1.5E-20"),
        "int_max": 2**63 - 1, "int_min": -(2**63), "quote": 'a"b\\c\n\t\x1f é 😀', "none": None, "yes": True,
        "no": False, "when": datetime(2024, 5, 1, 14, 30, tzinfo=timezone(timedelta(hours=2))),
        "day": date(2024, 5, 1), "blob": b"\x00\xff", "pct%s": 1,
    }
    assert codec._flat_json(doc) == codec._walked_json(doc)


class Label(str):
    """A str subclass: refused so that what comes back equals what went in."""


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0.5, "float"),
        (2**63, "64 bits"),
        ("a\x00b", "NUL"),
        ("a\x01b", "NUL"),
        (Decimal("NaN"), "finite"),
        (Decimal("1" * 35), "significant digits"),
        (datetime(2024, 1, 1), "time zone"),  # naive on purpose
        (Label("x"), "plain str"),
        (object(), "cannot be stored"),
    ],
)
def test_refused_values_raise_the_general_paths_message(value: Any, message: str) -> None:
    doc = {"login": 1, "when": datetime(2024, 1, 1, tzinfo=UTC), "bad": value}
    assert codec._flat_json(doc) is None
    with pytest.raises(InvalidDocument, match=message) as raised:
        codec.document_to_json(doc)
    assert "bad" in str(raised.value)


@pytest.mark.parametrize("key", ["", "$where", "a.b", "a\x00"])
def test_refused_field_names(key: str) -> None:
    with pytest.raises(InvalidDocument, match="not allowed"):
        codec.document_to_json({"ok": 1, key: 2})


OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=-3, minutes=-30)), timezone(timedelta(hours=14))])


@settings(max_examples=300, deadline=None)
@given(when=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=OFFSETS))
def test_date_times_are_written_as_fixed_width_utc_iso_text(when: datetime) -> None:
    utc = when.astimezone(UTC)
    assert codec.encode_datetime(when) == "\x01D" + utc.isoformat(timespec="microseconds")[:26] + "Z"


def test_the_first_problem_in_field_order_is_reported() -> None:
    with pytest.raises(InvalidDocument, match="float"):
        codec.document_to_json({"bad": 0.5, "$x": 1})
    with pytest.raises(InvalidDocument, match="not allowed"):
        codec.document_to_json({"$x": 1, "bad": 0.5})


def test_field_names_beyond_the_template_cache_still_encode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codec, "_MAX_FLAT_TEMPLATES", 0)
    doc = {"never_cached_before": Decimal("1.50"), "n": 3}
    assert codec._flat_json(doc) == codec._walked_json(doc) == '{"never_cached_before":1.50,"n":3}'
    assert ("never_cached_before", "n") not in codec._FLAT_TEMPLATES
