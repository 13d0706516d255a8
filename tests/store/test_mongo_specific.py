"""What only the MongoDB adapter has: query shapes, driver errors, sessions and the standalone fallback."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import mongomock
import pytest
from bson.decimal128 import Decimal128
from pymongo.errors import AutoReconnect, BulkWriteError, DuplicateKeyError, OperationFailure

from fidus_desktop.store.codec import encode_datetime
from fidus_desktop.store.errors import DatabaseUnreachable, DuplicateKey, StorageError
from fidus_desktop.store.filters import parse_filter
from fidus_desktop.store.mongo import MongoStore, translate_error
from fidus_desktop.store.mongo_query import compile_query

T = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("flt", "query"),
    [
        ({"n": Decimal("1.50")}, {"n": Decimal128("1.50")}),
        ({"t": {"$gte": T}}, {"t": {"$gte": encode_datetime(T), "$lt": "\x01E"}}),
        ({"t": {"$lt": T}}, {"t": {"$lt": encode_datetime(T), "$gte": "\x01D"}}),
        ({"s": {"$lt": "b"}}, {"s": {"$lt": "b", "$not": {"$gte": "\x01", "$lt": "\x02"}}}),
        ({"_id": {"$lt": "b"}}, {"_id": {"$lt": "b"}}),
        ({"s": {"$istartswith": "A.b"}}, {"s": {"$regex": "^(?!\\x01)a\\.b", "$options": "i"}}),
        ({"s": {"$icontains": "x"}}, {"s": {"$regex": "^(?!\\x01)[\\s\\S]*x", "$options": "i"}}),
        ({"a": 1, "b": {"$nin": [None]}}, {"$and": [{"a": 1}, {"b": {"$nin": [None]}}]}),
        ({"$or": [{"a": 1}, {}]}, {}),
    ],
)
def test_query_shapes(flt: dict, query: dict) -> None:
    assert compile_query(parse_filter(flt)) == query


def test_driver_errors_become_storage_errors() -> None:
    assert isinstance(translate_error(DuplicateKeyError("E11000 dup"), "MongoDB db:27017/fidus"), DuplicateKey)
    bulk = BulkWriteError({"writeErrors": [{"code": 11000, "errmsg": "dup"}], "nInserted": 1})
    assert isinstance(translate_error(bulk, "x"), DuplicateKey)
    down = translate_error(AutoReconnect("connection reset"), "MongoDB db:27017/fidus")
    assert isinstance(down, DatabaseUnreachable)
    assert "MongoDB db:27017/fidus cannot be reached" in str(down)
    auth = translate_error(OperationFailure("Authentication failed.", code=18), "MongoDB db:27017/fidus")
    assert isinstance(auth, DatabaseUnreachable)
    assert "authentication failed" in str(auth)
    assert "fidus config set-db-password" in str(auth)
    other = translate_error(OperationFailure("weird", code=2), "x")
    assert type(other) is StorageError


class FakeSession:
    """Records what the adapter asks of a session (mongomock's collections refuse sessions, so no writes)."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.in_transaction = False

    def start_transaction(self) -> None:
        self.in_transaction = True
        self.log.append("start")

    def commit_transaction(self) -> None:
        self.in_transaction = False
        self.log.append("commit")

    def abort_transaction(self) -> None:
        self.in_transaction = False
        self.log.append("abort")

    def end_session(self) -> None:
        self.log.append("end")


class SessionClient(mongomock.MongoClient):
    """mongomock with sessions that only record their calls (mongomock has none)."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[str] = []

    def start_session(self, **kwargs: Any) -> FakeSession:
        return FakeSession(self.log)


@pytest.fixture
def replica() -> MongoStore:
    return MongoStore(SessionClient(), "tx", supports_transactions=True)


def test_a_transaction_commits_once_and_nested_blocks_join_it(replica: MongoStore) -> None:
    with replica.transaction():
        outer = replica.session()
        assert isinstance(outer, FakeSession)
        with replica.transaction():
            assert replica.session() is outer
    assert replica.client.log == ["start", "commit", "end"]
    assert replica.session() is None
    assert replica.warnings() == []


def test_an_exception_aborts(replica: MongoStore) -> None:
    def fail() -> None:
        with replica.transaction():
            raise KeyError("x")

    with pytest.raises(KeyError):
        fail()
    assert replica.client.log == ["start", "abort", "end"]


def test_a_swallowed_inner_failure_aborts_the_outer_transaction(replica: MongoStore) -> None:
    def inner() -> None:
        with replica.transaction():
            raise ValueError("inner")

    def outer() -> None:
        with replica.transaction():
            with pytest.raises(ValueError, match="inner"):
                inner()

    with pytest.raises(StorageError, match="nothing was saved"):
        outer()
    assert replica.client.log == ["start", "abort", "end"]


def test_standalone_detection_and_warning() -> None:
    store = MongoStore(mongomock.MongoClient(), "x")  # no hello command: treated as standalone
    assert not store.supports_transactions
    assert store.warnings() == ["standalone server: multi-document changes are not atomic"]
    with store.transaction():
        assert store.session() is None
