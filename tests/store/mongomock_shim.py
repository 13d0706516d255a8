"""Make mongomock compare values the way a MongoDB server does, for the contract suite only.

mongomock stands in for the MongoDB adapter's query shapes; it is not a server. Out of the box it cannot
compare or sort ``Decimal128`` (real servers compare it numerically with ints, so ``2.50 == 2.5``), it
treats ``true`` as equal to ``1`` (Python's ``True == 1``; servers keep booleans in their own type
bracket), and its bulk builder rejects the ``sort`` argument that current pymongo passes. These patches
fix exactly that and nothing else, so a test failing on "mongomock" points at the adapter, not the double.

A server also stores BSON, not Python objects: ``bson_storage`` makes every document mongomock keeps or hands
back pass through ``bson.encode``/``bson.decode`` first (``Int64`` for integers beyond 32 bits, ``bytes`` for
binary, aware date-times), so the adapter reads what a driver would read from a server.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import bson
import pytest
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions
from bson.decimal128 import Decimal128
from mongomock import collection as mm_collection
from mongomock import filtering
from mongomock import store as mm_store

# What the adapter's MongoClient uses (store/mongo.py CLIENT_OPTIONS): aware date-times, standard UUIDs.
SERVER_CODEC = CodecOptions(tz_aware=True, uuid_representation=UuidRepresentation.STANDARD)


def bson_round_trip(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` as a server stores it and a driver decodes it."""
    return bson.decode(bson.encode(doc, codec_options=SERVER_CODEC), codec_options=SERVER_CODEC)


class ServerBool:
    """A stored boolean as a server compares it: equal only to the same boolean."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ServerBool) and other.value is self.value

    def __hash__(self) -> int:
        return hash(("bool", self.value))


def _decimal(value: Decimal128) -> Decimal:
    """``Decimal128.to_decimal``, remembered by the value's 16 bytes: mongomock compares every stored value
    on every query."""
    return _decimal_of(value.bid)


@functools.lru_cache(maxsize=65536)
def _decimal_of(bid: bytes) -> Decimal:
    return Decimal128.from_bid(bid).to_decimal()


def server_value(value: Any) -> Any:
    """``value`` with Decimal128 as Decimal and booleans as ``ServerBool`` (containers walked)."""
    kind = type(value)
    if kind is dict:
        return {k: v if k == "$exists" else server_value(v) for k, v in value.items()}
    if kind is list:
        return [server_value(v) for v in value]
    if kind is Decimal128:
        return _decimal(value)
    if kind is bool:
        return ServerBool(value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, ServerBool):
        return value.value
    return _decimal(value) if isinstance(value, Decimal128) else value


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


@contextmanager
def bson_storage() -> Iterator[None]:
    """mongomock keeps only what survives a BSON round trip, like a server, so reads return what a driver would.

    Documents are re-encoded when stored and after every in-place update (mongomock applies ``$inc`` or a
    replacement on the stored dict, which would otherwise leave a Python int where a server holds an int64).
    """
    store_class = mm_store.CollectionStore
    setitem = store_class.__setitem__
    apply_update = mm_collection.Collection._apply_update_document

    def patched_setitem(self: Any, key: Any, value: Any) -> None:
        setitem(self, key, bson_round_trip(value))

    def patched_apply_update(self: Any, existing: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        result = apply_update(self, existing, *args, **kwargs)
        stored = bson_round_trip(existing)
        existing.clear()
        existing.update(stored)  # in place: this dict is the stored document
        return result

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(store_class, "__setitem__", patched_setitem)
        mp.setattr(mm_collection.Collection, "_apply_update_document", patched_apply_update)
        yield
