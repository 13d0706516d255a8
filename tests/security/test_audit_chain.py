from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fidus_desktop.security.audit_chain import (
    GENESIS_HASH,
    AuditChainError,
    append_entry,
    canonical_bytes,
    chain_hash,
    verify_chain,
)


def build_chain(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    chain: list[dict[str, Any]] = []
    for body in bodies:
        chain.append(append_entry(chain[-1] if chain else None, body))
    return chain


def body(number: int) -> dict[str, Any]:
    return {
        "action": "investor.update",
        "actor": f"user{number % 3}",
        "at": datetime(2024, 1, 1, 9, tzinfo=UTC) + timedelta(minutes=number),
        "changes": {"amount": Decimal(number) / 4, "valid_from": date(2024, 1, 1 + number % 28)},
    }


def test_canonical_bytes_is_sorted_compact_utf8_without_own_hash() -> None:
    entry = {"seq": 1, "prev_hash": GENESIS_HASH, "b": "é", "a": [1, True, None], "hash": "ignored"}
    assert (
        canonical_bytes(entry)
        == ('{"a":[1,true,null],"b":"é","prev_hash":"' + GENESIS_HASH + '","seq":1}').encode()
    )


def test_canonical_bytes_is_stable_across_backend_round_trips() -> None:
    """SQLite gives back 12.50 / UTC; MongoDB Decimal128 may give 12.5 and another offset: same bytes."""
    written = {
        "seq": 7,
        "prev_hash": GENESIS_HASH,
        "amount": Decimal("12.50"),
        "units": Decimal("100"),
        "at": datetime(2024, 3, 1, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1))),
        "on": date(2024, 3, 1),
        "tags": ("a", "b"),
        "raw": b"\x00\xff",
    }
    read_back = {
        **written,
        "amount": Decimal("12.5"),
        "units": Decimal("1E+2"),
        "at": datetime(2024, 3, 1, 9, 0, 0, 123456, tzinfo=UTC),
        "tags": ["a", "b"],
    }
    assert canonical_bytes(written) == canonical_bytes(read_back)
    decoded = json.loads(canonical_bytes(written))
    assert decoded["amount"] == {"\x01decimal": "12.5"}
    assert decoded["units"] == {"\x01decimal": "100"}
    assert decoded["at"] == {"\x01datetime": "2024-03-01T09:00:00.123456Z"}
    assert decoded["on"] == {"\x01date": "2024-03-01"}


def test_types_are_not_confused() -> None:
    base = {"seq": 1, "prev_hash": GENESIS_HASH}
    values = ["1", 1, True, Decimal(1), date(2024, 1, 1), "2024-01-01", b"1", [1], {"v": 1}, None]
    encoded = {canonical_bytes({**base, "v": value}) for value in values}
    assert len(encoded) == len(values)


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ({"seq": 1, "prev_hash": GENESIS_HASH, "x": 1.5}, "floats are refused"),
        ({"seq": 1, "prev_hash": GENESIS_HASH, "at": datetime(2024, 1, 1)}, "naive"),
        ({"seq": 1, "prev_hash": GENESIS_HASH, "d": {1: "x"}}, "not a plain string"),
        ({"seq": 1, "prev_hash": GENESIS_HASH, "d": {"\x01decimal": "1"}}, "not a plain string"),
        ({"prev_hash": GENESIS_HASH}, "'seq'"),
        ({"seq": 1}, "'prev_hash'"),
    ],
)
def test_unhashable_entries_are_refused_with_the_field_named(entry: dict[str, Any], fragment: str) -> None:
    with pytest.raises(AuditChainError, match=fragment):
        canonical_bytes(entry)


def test_append_and_verify() -> None:
    chain = build_chain([body(n) for n in range(5)])
    assert [entry["seq"] for entry in chain] == [1, 2, 3, 4, 5]
    assert chain[0]["prev_hash"] == GENESIS_HASH
    assert chain[3]["prev_hash"] == chain[2]["hash"]
    assert chain[3]["hash"] == chain_hash(chain[2]["hash"], chain[3])
    verdict = verify_chain(chain)
    assert verdict.ok
    assert (verdict.checked, verdict.first_broken_seq) == (5, None)


def test_empty_chain_is_valid() -> None:
    assert verify_chain([]).ok


def test_edited_entry_is_named() -> None:
    chain = build_chain([body(n) for n in range(6)])
    chain[3]["changes"]["amount"] = Decimal("1000000")
    verdict = verify_chain(chain)
    assert not verdict.ok
    assert (verdict.first_broken_seq, verdict.checked) == (4, 3)
    assert "altered" in verdict.reason


def test_edit_with_recomputed_hash_breaks_the_next_link() -> None:
    chain = build_chain([body(n) for n in range(6)])
    chain[3]["actor"] = "mallory"
    chain[3]["hash"] = chain_hash(chain[3]["prev_hash"], chain[3])
    verdict = verify_chain(chain)
    assert verdict.first_broken_seq == 5
    assert "does not link" in verdict.reason


def test_deleted_entry_is_named() -> None:
    chain = build_chain([body(n) for n in range(6)])
    del chain[2]
    verdict = verify_chain(chain)
    assert verdict.first_broken_seq == 3
    assert "missing" in verdict.reason


def test_reordered_entries_are_detected() -> None:
    chain = build_chain([body(n) for n in range(6)])
    chain[2], chain[3] = chain[3], chain[2]
    assert verify_chain(chain).first_broken_seq == 3


def test_inserted_entry_is_detected() -> None:
    chain = build_chain([body(n) for n in range(6)])
    forged = append_entry(chain[1], {"action": "payout.approve", "actor": "mallory"})
    chain.insert(2, forged)
    verdict = verify_chain(chain)
    assert not verdict.ok
    assert verdict.first_broken_seq == 4


def test_anchors_catch_a_cut_or_rewritten_tail() -> None:
    chain = build_chain([body(n) for n in range(6)])
    anchors = {6: chain[5]["hash"]}
    assert verify_chain(chain, anchors=anchors).ok
    cut = verify_chain(chain[:4], anchors=anchors)
    assert cut.first_broken_seq == 6
    assert "ends at entry 4" in cut.reason
    rewritten = build_chain([*(body(n) for n in range(5)), {"action": "rewritten"}])
    assert verify_chain(rewritten, anchors=anchors).first_broken_seq == 6


def test_verifying_a_continuation_of_an_archived_part() -> None:
    chain = build_chain([body(n) for n in range(6)])
    tail = chain[3:]
    assert verify_chain(tail, start_seq=4, start_prev_hash=chain[2]["hash"]).ok
    assert verify_chain(tail).first_broken_seq == 1


def test_malformed_entries_give_a_verdict_not_an_exception() -> None:
    chain = build_chain([body(n) for n in range(3)])
    chain[1]["seq"] = "2"
    assert verify_chain(chain).first_broken_seq == 2
    chain = build_chain([body(n) for n in range(3)])
    chain[2]["amount"] = 1.5
    verdict = verify_chain(chain)
    assert verdict.first_broken_seq == 3
    assert "cannot be hashed" in verdict.reason


# --- property: any single mutation is detected ----------------------------------------------------

scalars = st.one_of(
    st.text(max_size=8),
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.none(),
    st.decimals(allow_nan=False, allow_infinity=False, places=4),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
)
bodies = st.lists(
    st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), scalars, max_size=4), min_size=1, max_size=8
)


def _different(value: Any) -> Any:
    """A value that is certainly logically different from ``value``."""
    if isinstance(value, bool) or value is None:
        return "changed"
    if isinstance(value, int | Decimal):
        return value + 1
    if isinstance(value, datetime | date):
        return value + timedelta(days=1) if value.year < 9999 else value - timedelta(days=1)
    return f"{value}x"


@settings(max_examples=200, deadline=None)
@given(bodies, st.data())
def test_any_single_mutation_is_detected(entry_bodies: list[dict[str, Any]], data: st.DataObject) -> None:
    chain = build_chain(entry_bodies)
    assert verify_chain(chain).ok
    anchors = {chain[-1]["seq"]: chain[-1]["hash"]}
    tampered = copy.deepcopy(chain)
    mutation = data.draw(st.sampled_from(["edit", "delete", "insert", "swap"]))
    if mutation == "edit":
        target = data.draw(st.sampled_from(tampered))
        field = data.draw(st.sampled_from(sorted(target)))
        target[field] = _different(target[field])
    elif mutation == "delete":
        del tampered[data.draw(st.integers(0, len(tampered) - 1))]
    elif mutation == "insert":
        position = data.draw(st.integers(0, len(tampered) - 1))
        previous = tampered[position - 1] if position else None
        tampered.insert(position, append_entry(previous, {"forged": data.draw(scalars)}))
    else:
        assume(len(tampered) >= 2)
        first, second = sorted(
            data.draw(st.lists(st.integers(0, len(tampered) - 1), min_size=2, max_size=2, unique=True))
        )
        tampered[first], tampered[second] = tampered[second], tampered[first]
    verdict = verify_chain(tampered, anchors=anchors)
    assert not verdict.ok, mutation
    assert verdict.first_broken_seq is not None


def test_an_edit_beyond_28_significant_digits_is_detected() -> None:
    """Found by the property test above: the default decimal context rounded a 32-digit amount to 28 digits
    before hashing, so an edit to that rounded value went unnoticed."""
    amount = Decimal("-8101857974779487636966214302.5000")
    chain = build_chain([{"a": amount}])
    chain[0]["a"] = Decimal("-8101857974779487636966214302")
    assert not verify_chain(chain).ok
    assert canonical_bytes({"a": Decimal("12.50"), "seq": 1, "prev_hash": "0"}) == canonical_bytes(
        {"a": Decimal("12.5"), "seq": 1, "prev_hash": "0"})
