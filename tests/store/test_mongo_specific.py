"""What only the MongoDB adapter has: query shapes, driver errors, sessions, retries, durability settings and the
standalone fallback (over the strict replica-set double, ``tests/store/strict_mongo.py``)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import mongomock
import pytest
from bson.decimal128 import Decimal128
from pymongo.errors import AutoReconnect, BulkWriteError, DuplicateKeyError, OperationFailure
from pymongo.read_concern import ReadConcern
from pymongo.read_preferences import ReadPreference
from pymongo.write_concern import WriteConcern

from fidus_desktop.services.actor import Actor
from fidus_desktop.services.audit import AuditLog
from fidus_desktop.store import mongo
from fidus_desktop.store.codec import encode_datetime
from fidus_desktop.store.errors import (
    ConcurrencyError,
    DatabaseUnreachable,
    DuplicateKey,
    InvalidDocument,
    OutcomeUnknown,
    StorageError,
    TransactionConflict,
)
from fidus_desktop.store.filters import parse_filter
from fidus_desktop.store.mongo import MongoStore
from fidus_desktop.store.mongo_errors import translate_error
from fidus_desktop.store.mongo_query import compile_query
from fidus_desktop.store.mongo_settings import pinned_options
from tests.support.strict_mongo import StrictSession, strict_store

T = datetime(2024, 1, 1, tzinfo=UTC)


NOT_ARRAY = {"$not": {"$type": "array"}}


def scalar(path: str, query: dict) -> dict:
    """``query`` guarded so that it never matches inside a stored list (mongo_query's docstring)."""
    return {"$and": [query, {path: NOT_ARRAY}]}


@pytest.mark.parametrize(
    ("flt", "query"),
    [
        ({"n": Decimal("1.50")}, scalar("n", {"n": Decimal128("1.50")})),
        ({"t": {"$gte": T}}, scalar("t", {"t": {"$gte": encode_datetime(T), "$lt": "\x01E"}})),
        ({"t": {"$lt": T}}, scalar("t", {"t": {"$lt": encode_datetime(T), "$gte": "\x01D"}})),
        ({"s": {"$lt": "b"}}, scalar("s", {"s": {"$lt": "b", "$not": {"$gte": "\x01", "$lt": "\x02"}}})),
        ({"_id": {"$lt": "b"}}, {"_id": {"$lt": "b"}}),
        ({"s": {"$istartswith": "A.b"}}, scalar("s", {"s": {"$regex": "^(?!\\x01)a\\.b", "$options": "i"}})),
        ({"s": {"$icontains": "x"}}, scalar("s", {"s": {"$regex": "^(?!\\x01)[\\s\\S]*x", "$options": "i"}})),
        (
            {"a": 1, "b": {"$nin": [None]}},
            {"$and": [
                scalar("a", {"a": 1}),
                {"$or": [scalar("b", {"b": {"$nin": [None]}}), {"b": {"$type": "array"}}]},
            ]},
        ),
        (
            {"c.x": None},
            {"$or": [{"$and": [{"c.x": None}, {"c.x": NOT_ARRAY}, {"c": NOT_ARRAY}]}, {"c": {"$type": "array"}}]},
        ),
        ({"$or": [{"a": 1}, {}]}, {}),
        ({"ids": {"$contains": "x"}}, {"ids": {"$elemMatch": {"$eq": "x"}}}),  # lists only, natively
        ({"c.ids": {"$contains": T}},
         {"$and": [{"c.ids": {"$elemMatch": {"$eq": encode_datetime(T)}}}, {"c": NOT_ARRAY}]}),
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
    assert "check whether it is there" in str(down)  # a write may have reached the server: never "nothing changed"
    assert "check whether" not in str(translate_error(AutoReconnect("refused"), "x", opening=True))
    auth = translate_error(OperationFailure("Authentication failed.", code=18), "MongoDB db:27017/fidus")
    assert isinstance(auth, DatabaseUnreachable)
    assert "authentication failed" in str(auth)
    assert "fidus config set-db-password" in str(auth)
    refused = translate_error(OperationFailure("not authorized on fidus to execute command", code=13), "x")
    assert type(refused) is StorageError  # signed in, but the role does not allow it: not a failed sign-in
    assert "roles do not allow it" in str(refused)
    other = translate_error(OperationFailure("weird", code=2), "x")
    assert type(other) is StorageError


@pytest.fixture
def replica() -> Iterator[MongoStore]:
    with strict_store("tx") as store:
        yield store


def test_a_transaction_commits_once_and_nested_blocks_join_it(replica: MongoStore) -> None:
    with replica.transaction():
        outer = replica.session()
        assert isinstance(outer, StrictSession)
        with replica.transaction():
            assert replica.session() is outer
    assert replica.client.log == ["start", "commit", "end"]
    assert replica.session() is None
    assert replica.warnings() == []


def test_transactions_pin_majority_writes_snapshot_reads_and_the_primary(replica: MongoStore) -> None:
    sessions: list[StrictSession] = []
    with replica.transaction():
        sessions.append(replica.session())
    options = sessions[0].transaction_options
    assert options["write_concern"] == WriteConcern("majority")
    assert options["read_concern"] == ReadConcern("snapshot")
    assert options["read_preference"] == ReadPreference.PRIMARY


def test_an_exception_aborts_and_rolls_back(replica: MongoStore) -> None:
    funds = replica.collection("funds")

    def fail() -> None:
        with replica.transaction():
            funds.insert({"name": "Core"})
            raise KeyError("x")

    with pytest.raises(KeyError):
        fail()
    assert replica.client.log == ["start", "abort", "end"]
    assert funds.count() == 0


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


def test_a_rollback_a_nested_block_swallowed_still_runs_the_whole_change_again(replica: MongoStore) -> None:
    """A follow-up that logs its own failures (the KYC case of a new investor) cannot hide a rollback: the
    server aborted the whole transaction, so ``atomic`` runs the outer change again."""
    notes, attempts = replica.collection("notes"), []

    def change() -> None:
        attempts.append(1)
        with contextlib.suppress(TransactionConflict), replica.transaction():
            if len(attempts) == 1:
                replica.client.faults.write.append("WriteConflict")
            notes.insert({"text": "follow-up"})
        notes.insert({"text": "main"})

    replica.atomic(change)
    assert len(attempts) == 2
    assert sorted(d["text"] for d in notes.find()) == ["follow-up", "main"]


@pytest.mark.parametrize("fault", ["WriteConflict", "Election"])
def test_a_transaction_the_server_rolled_back_is_a_concurrency_error(replica: MongoStore, fault: str) -> None:
    funds = replica.collection("funds")
    fund = funds.insert({"name": "Core"})
    replica.client.faults.write.append(fault)

    def change() -> None:
        with replica.transaction():
            funds.insert({"name": "Other"})
            funds.update(fund["_id"], {"name": "Core II"}, expected_version=1)

    with pytest.raises(TransactionConflict, match="nothing of it was saved") as caught:
        change()
    assert isinstance(caught.value, ConcurrencyError)
    assert [d["name"] for d in funds.find()] == ["Core"]


@pytest.mark.parametrize(("where", "fault"), [("write", "WriteConflict"), ("write", "Election"),
                                              ("commit", "WriteConflict")])
def test_atomic_runs_a_rolled_back_transaction_again(replica: MongoStore, where: str, fault: str) -> None:
    funds = replica.collection("funds")
    getattr(replica.client.faults, where).extend([fault, fault])
    runs: list[int] = []

    def change() -> str:
        runs.append(1)
        return funds.insert({"name": "Core"})["_id"]

    fund_id = replica.atomic(change)
    assert len(runs) == 3
    assert [d["_id"] for d in funds.find()] == [fund_id]
    assert replica.client.log.count("commit") == 1


def test_an_unknown_commit_result_is_retried_and_commits_once(replica: MongoStore) -> None:
    funds = replica.collection("funds")
    replica.client.faults.commit.extend(["UnknownCommit", "UnknownCommit"])
    with replica.transaction():
        funds.insert({"name": "Core"})
    assert funds.count() == 1
    assert replica.client.calls["commitTransaction"] == 3
    assert replica.client.log == ["start", "commit", "end"]


def test_a_commit_whose_outcome_stays_unknown_never_claims_nothing_changed(
    replica: MongoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mongo, "RETRY_SECONDS", 0)
    replica.client.faults.commit.append("UnknownCommit")

    def change() -> None:
        with replica.transaction():
            replica.collection("funds").insert({"name": "Core"})

    with pytest.raises(OutcomeUnknown, match="check whether it is there") as caught:
        change()
    assert "nothing" not in str(caught.value).lower()


def test_collections_are_listed_dropped_and_indexed_outside_transactions(replica: MongoStore) -> None:
    funds = replica.collection("funds")
    funds.insert({"name": "Core"})
    with replica.transaction():
        funds.insert({"name": "Other"})
        with pytest.raises(StorageError, match="outside a change"):
            funds.ensure_index(["name"])
        with pytest.raises(StorageError, match="inside a change"):
            replica.drop_collection("funds")
    assert replica.collection_names() == ["funds"]
    funds.ensure_index(["name"])
    replica.drop_collection("funds")
    assert replica.collection_names() == []


def test_existing_indexes_are_listed_once_not_rebuilt(replica: MongoStore) -> None:
    deals = replica.collection("deals")
    deals.ensure_index(["login", "time"])
    deals.ensure_index(["ticket"], unique=True)
    again = MongoStore(replica.client, "tx")  # the next start of the application
    calls = replica.client.calls.copy()
    again.collection("deals").ensure_index(["login", "time"])
    again.collection("deals").ensure_index(["ticket"], unique=True)
    assert replica.client.calls["create_index"] == calls["create_index"]
    assert replica.client.calls["index_information"] == calls["index_information"] + 1


def test_servers_older_than_4_4_are_refused() -> None:
    with pytest.raises(DatabaseUnreachable, match=r"4\.4 or newer"), strict_store(wire_version=8):
        pass


def test_before_5_0_a_consistent_read_is_a_read_only_transaction() -> None:
    with strict_store(wire_version=9) as store:
        store.collection("meta").insert({"_id": "schema"})
        store.collection("funds").insert({"name": "Core"})
        with store.snapshot() as at:
            assert at is not None
            assert store.session().in_transaction
            assert [d["name"] for d in store.collection("funds").iter_all()] == ["Core"]
            with pytest.raises(StorageError, match="cannot also write"), store.transaction():
                pass
        assert store.client.log[-3:] == ["start", "abort", "end"]  # read only: nothing to commit
        assert "within 60 seconds" in " ".join(store.warnings())


def test_before_5_0_a_read_the_server_cut_off_after_60_s_is_refused_not_kept() -> None:
    with strict_store(wire_version=9) as store:
        store.collection("meta").insert({"_id": "schema"})
        store.collection("funds").insert({"name": "Core"})

        def back_up() -> None:
            with store.snapshot():
                store.client.faults.read.append("Expired")  # the server ended the transaction meanwhile
                list(store.collection("funds").iter_all())

        with pytest.raises(StorageError, match=r"ended the consistent read.*60 seconds.*5\.0 or newer"):
            back_up()
        assert store.session() is None
        assert store.client.open_sessions == 0


def test_a_snapshot_reads_through_one_session_and_says_when(replica: MongoStore) -> None:
    replica.collection("meta").insert({"_id": "schema"})
    funds = replica.collection("funds")
    funds.insert({"name": "Core"})
    with replica.snapshot() as at:
        assert at is not None
        assert at.tzinfo is not None
        session = replica.session()
        assert session.snapshot
        assert [d["name"] for d in funds.iter_all()] == ["Core"]
        with pytest.raises(StorageError, match="cannot also write"), replica.transaction():
            pass
    assert replica.session() is None
    assert session.ended


def test_no_session_or_thread_state_outlives_its_thread(replica: MongoStore) -> None:
    """Issue 17's pattern: per-thread sessions end with their block, and nothing is kept per thread."""
    funds = replica.collection("funds")

    def work(n: int) -> None:
        with replica.transaction():
            funds.insert({"n": n})

    for batch in range(5):
        threads = [threading.Thread(target=work, args=(batch * 10 + i,)) for i in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert funds.count() == 50
    assert replica.client.open_sessions == 0
    assert not vars(replica._local)  # this thread never used one, and the others' entries died with them


def test_uri_options_that_weaken_durability_are_overridden_and_reported() -> None:
    pinned, warnings = pinned_options("replicaSet=rs0&w=1&readPreference=secondaryPreferred&journal=false")
    assert pinned == {"w": "majority", "readPreference": "primary", "readConcernLevel": "majority", "journal": True}
    assert warnings == [
        "w=1 in the database URI was overridden to w=majority",
        "readPreference=secondaryPreferred in the database URI was overridden to readPreference=primary",
        "journal=false in the database URI was overridden (majority writes are journaled)",
    ]
    assert pinned_options("replicaSet=rs0&w=majority") == (pinned, [])


def test_doctor_details_name_version_topology_and_concerns(replica: MongoStore) -> None:
    details = replica.details()
    assert details[:2] == ["MongoDB 7.0.14", "replica set rs0 (1 data-bearing members)"]
    assert "server default write concern {'w': 'majority'}" in details


def test_standalone_detection_and_warning() -> None:
    store = MongoStore(mongomock.MongoClient(), "x")  # no hello command: treated as standalone
    assert not store.supports_transactions
    assert store.warnings() == ["standalone server: multi-document changes are not atomic"]
    with store.transaction():
        assert store.session() is None


def test_an_audit_append_that_lost_the_race_for_its_seq_is_run_again(replica: MongoStore) -> None:
    """Another workstation committed seq n+1 after this one read seq n as the last entry."""
    audit = AuditLog(replica, lambda: T)
    audit.ensure_indexes()
    actor = Actor.system("test")
    first = audit.append(actor, "a", "thing", "1")
    audit.append(actor, "b", "thing", "2")
    stale = iter([first])
    real_last = audit.last
    audit.last = lambda: next(stale, None) or real_last()  # type: ignore[method-assign]
    entry = audit.append(actor, "c", "thing", "3")
    assert entry["seq"] == 3
    assert replica.client.log.count("abort") == 1
    assert audit.verify().ok


def parts(count: int, start: int = 0) -> dict[str, str]:
    """``count`` texts of a million 4-byte characters: each passes the value checks, together they are 4 MB each."""
    return {f"part{i}": "😀" * 1_000_000 for i in range(start, start + count)}


def test_a_record_beyond_16_mb_is_refused_by_name_and_nothing_is_written(replica: MongoStore) -> None:
    notes = replica.collection("notes")
    with pytest.raises(InvalidDocument, match=r"notes record big would take 19\.1 MB.*at most 16 MB"):
        notes.insert({"_id": "big", **parts(5)})
    with pytest.raises(InvalidDocument, match=r"notes record b2 would take"):
        notes.insert_many([{"_id": "b1", "k": 1}, {"_id": "b2", "k": 2, **parts(5)}])
    with pytest.raises(InvalidDocument, match=r"notes record u2 would take"):
        notes.upsert_many([{"_id": "u1", "k": 1}, {"_id": "u2", "k": 2, **parts(5)}], ["k"])
    assert notes.count() == 0
    grows = notes.insert({"_id": "grows", **parts(3)})
    with pytest.raises(InvalidDocument, match=r"make the notes record grows larger than the 16 MB"):
        notes.update("grows", parts(2, start=3), expected_version=1)
    with pytest.raises(InvalidDocument, match=r"notes record grows would take"):
        notes.replace({**grows, **parts(2, start=3)})
    assert notes.require("grows")["version"] == 1
    with replica.transaction():  # inside a change too, and the change can still be completed
        with pytest.raises(InvalidDocument, match="16 MB"):
            notes.update("grows", parts(2, start=3), expected_version=1)
    assert notes.require("grows")["version"] == 1
