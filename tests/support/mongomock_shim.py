"""Make mongomock compare values the way a MongoDB server does, for the contract suite only.

mongomock stands in for the MongoDB adapter's query shapes; it is not a server. Out of the box it cannot
compare or sort ``Decimal128`` (real servers compare it numerically with ints, so ``2.50 == 2.5``), it
treats ``true`` as equal to ``1`` (Python's ``True == 1``; servers keep booleans in their own type
bracket), and its bulk builder rejects the ``sort`` argument that current pymongo passes. These patches
fix exactly that and nothing else, so a test failing on "mongomock" points at the adapter, not the double.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from bson.decimal128 import Decimal128
from mongomock import collection as mm_collection
from mongomock import filtering


class ServerBool:
    """A stored boolean as a server compares it: equal only to the same boolean."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ServerBool) and other.value is self.value

    def __hash__(self) -> int:
        return hash(("bool", self.value))


def server_value(value: Any) -> Any:
    """``value`` with Decimal128 as Decimal and booleans as ``ServerBool`` (containers walked)."""
    kind = type(value)
    if kind is dict:
        return {k: v if k == "$exists" else server_value(v) for k, v in value.items()}
    if kind is list:
        return [server_value(v) for v in value]
    if kind is Decimal128:
        return value.to_decimal()
    if kind is bool:
        return ServerBool(value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, ServerBool):
        return value.value
    return value.to_decimal() if isinstance(value, Decimal128) else value


@contextmanager
def server_comparisons() -> Iterator[None]:
    """Apply the patches for the duration of the block."""
    apply, compare_type, bson_compare = filtering._Filterer.apply, filtering._get_compare_type, filtering.bson_compare
    candidates = filtering.iter_key_candidates

    def patched_candidates(key: str, doc: Any) -> Any:
        if key and not isinstance(doc, (dict, list)):
            return [filtering.NOTHING]  # the path runs through a scalar: the field is missing
        return candidates(key, doc)

    builder = mm_collection.BulkOperationBuilder
    add_replace, add_update = builder.add_replace, builder.add_update

    def patched_apply(self: Any, search_filter: Any, document: Any) -> bool:
        return apply(self, server_value(search_filter), server_value(document))

    def patched_compare(op: Any, a: Any, b: Any, can_compare_types: bool = True) -> bool:
        return bson_compare(op, _plain(a), _plain(b), can_compare_types)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(filtering._Filterer, "apply", patched_apply)
        mp.setattr(filtering, "_get_compare_type", lambda v: compare_type(_plain(v)))
        mp.setattr(filtering, "bson_compare", patched_compare)
        mp.setattr(filtering, "iter_key_candidates", patched_candidates)
        mp.setattr(builder, "add_replace", lambda self, *a, sort=None, **kw: add_replace(self, *a, **kw))
        mp.setattr(builder, "add_update", lambda self, *a, sort=None, **kw: add_update(self, *a, **kw))
        yield
