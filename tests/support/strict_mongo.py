"""A strict stand-in for a MongoDB replica set: mongomock behind the rules a server enforces.

mongomock has no sessions and no transactions, and never conflicts. This double adds what the adapter must
cope with on a real replica set, so tests fail where a server would fail:

* sessions and transactions, with rollback (the data as it was when the transaction started comes back);
  one transaction runs at a time, so two threads never interleave inside one;
* every call made while this thread's transaction is open must pass that session (without it a server runs
  the call outside the transaction: a silent bug), and ``listCollections``, ``drop``, ``count`` and index
  creation are refused inside a transaction with the server's error 263, as are writes in a snapshot session;
* injected faults, as the server labels them: a ``WriteConflict`` (112) or an election (``NotWritablePrimary``)
  with ``TransientTransactionError`` on the next write, and ``UnknownTransactionCommitResult`` or
  ``TransientTransactionError`` on the next commit;
* ``hello``/``buildInfo`` of a replica set of the chosen version, and a count of driver calls by name;
* access control, when a ``user`` and its built-in ``roles`` are given: ``connectionStatus`` answers with the
  user, roles and privileges as a server does (``showPrivileges``), and a write the roles do not allow is
  refused with the server's error 13 (Unauthorized). Without a user the server has no access control.

Use it with ``mongomock_shim.server_comparisons()`` and ``bson_storage()`` (``strict_store`` does). What it
does not model: snapshot isolation (a snapshot session reads the live data) and conflicts between two open
transactions (they are serialised; conflicts are injected instead).
"""

from __future__ import annotations

import copy
import random
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import bson
import mongomock
from bson.timestamp import Timestamp
from pymongo import InsertOne, ReplaceOne
from pymongo.errors import AutoReconnect, DocumentTooLarge, InvalidOperation, OperationFailure

from fidus_desktop.store.mongo import MongoStore
from fidus_desktop.store.mongo_errors import TRANSIENT, UNKNOWN_COMMIT
from tests.support.mongomock_shim import SERVER_CODEC, bson_storage, server_comparisons

# Driver methods and the server command each sends where the server refuses it inside a transaction.
REFUSED_IN_TRANSACTION = {
    "list_collection_names": "listCollections",
    "drop_collection": "drop",
    "drop": "drop",
    "estimated_document_count": "count",
    "create_index": "createIndexes",
    "create_indexes": "createIndexes",
    "index_information": "listIndexes",
    "list_indexes": "listIndexes",
    "rename": "renameCollection",
}
MAX_BSON_SIZE = 16 * 1024 * 1024
# The privileges of MongoDB's built-in database roles on their database's collections (the manual's "Built-In
# Roles"); readWrite holds read's actions too.
READ_ACTIONS = ("changeStream", "collStats", "dbHash", "dbStats", "find", "killCursors", "listCollections",
                "listIndexes", "listSearchIndexes", "planCacheRead")
ROLE_ACTIONS = {
    "read": READ_ACTIONS,
    "readWrite": (*READ_ACTIONS, "convertToCapped", "createCollection", "createIndex", "createSearchIndexes",
                  "dropCollection", "dropIndex", "dropSearchIndex", "insert", "remove", "renameCollectionSameDB",
                  "update", "updateSearchIndex"),
}
# The action each driver call needs on its collection.
NEEDS = {
    **dict.fromkeys(("insert_one", "insert_many"), "insert"),
    **dict.fromkeys(("update_one", "update_many", "replace_one", "find_one_and_update", "find_one_and_replace"),
                    "update"),
    **dict.fromkeys(("delete_one", "delete_many", "find_one_and_delete"), "remove"),
    "bulk_write": "update", "create_index": "createIndex", "create_indexes": "createIndex",
    "drop": "dropCollection", "drop_collection": "dropCollection", "rename": "renameCollectionSameDB",
}
SNAPSHOT_READS = {"find", "find_one", "count_documents", "aggregate", "distinct"}
WRITES = {
    "insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one", "delete_many",
    "find_one_and_update", "find_one_and_replace", "find_one_and_delete", "bulk_write",
}


def server_error(kind: str) -> Exception:
    """The error a replica set gives for ``kind``, with its error labels."""
    if kind == "WriteConflict":
        message = "WriteConflict error: this operation conflicted with another operation. Please retry."
        return OperationFailure(message, 112, {"code": 112, "errmsg": message, "errorLabels": [TRANSIENT]})
    if kind == "Election":
        message = "not primary"
        return OperationFailure(message, 10107, {"code": 10107, "errmsg": message, "errorLabels": [TRANSIENT]})
    if kind == "Expired":  # the transaction outlived transactionLifetimeLimitSeconds and the server aborted it
        message = "Transaction with txnNumber 1 has been aborted."
        return OperationFailure(message, 251, {"code": 251, "errmsg": message, "errorLabels": [TRANSIENT]})
    if kind == "UnknownCommit":
        error = AutoReconnect("connection closed during commitTransaction")
        error._add_error_label(UNKNOWN_COMMIT)
        return error
    raise ValueError(kind)


class Faults:
    """Faults to inject, in order: ``write`` on the next writes inside a transaction, ``commit`` on the next
    commits ("UnknownCommit" keeps the transaction open so a retried commit succeeds; "WriteConflict" or
    "Election" at commit aborts it). ``at_random`` adds faults at random writes and commits instead."""

    def __init__(self) -> None:
        self.write: list[str] = []
        self.commit: list[str] = []
        self.read: list[str] = []  # on the next reads inside a transaction ("Expired": the 60 s limit)
        self.injected: Counter[str] = Counter()
        self._random: random.Random | None = None
        self._rate, self._budget = 0.0, 0

    def at_random(self, seed: int, rate: float, budget: int) -> None:
        """From now on each write in a transaction and each commit fails with probability ``rate`` (a write
        conflict, an election or, at commit, an unknown result), until ``budget`` faults were injected."""
        self._random, self._rate, self._budget = random.Random(seed), rate, budget

    def next(self, at: str) -> str | None:
        """The fault for this write or commit, if any (``at``: "write" or "commit")."""
        queued = self.write if at == "write" else self.commit
        if queued:
            kind = queued.pop(0)
        elif self._random is not None and self._budget > 0 and self._random.random() < self._rate:
            kinds = ["WriteConflict", "Election"] + (["UnknownCommit"] if at == "commit" else [])
            kind = self._random.choice(kinds)
            self._budget -= 1
        else:
            return None
        self.injected[f"{at}:{kind}"] += 1
        return kind


class StrictSession:
    def __init__(self, client: StrictClient, snapshot: bool) -> None:
        self.client = client
        self.snapshot = snapshot
        self.in_transaction = False
        self.ended = False
        self.transaction_options: dict[str, Any] = {}
        self._saved: Any = None
        self._snapshot_time: Timestamp | None = None
        self.operation_time: Timestamp | None = None

    def start_transaction(self, **options: Any) -> None:
        if self.in_transaction or self.ended or self.snapshot:
            raise InvalidOperation("Transaction already in progress, session ended or snapshot session")
        self.client._tx_lock.acquire()
        self.client._local.session = self
        self._saved = self.client.save()
        self.in_transaction = True
        self.transaction_options = options
        self.client.log.append("start")

    def commit_transaction(self) -> None:
        self.client.calls["commitTransaction"] += 1
        kind = self.client.faults.next("commit")
        if kind is not None:
            if kind != "UnknownCommit":
                self._rollback()
            raise server_error(kind)
        self._finish("commit")

    def abort_transaction(self) -> None:
        if self.in_transaction:
            self._rollback()

    def _rollback(self) -> None:
        self.client.restore(self._saved)
        self._finish("abort")

    def _finish(self, what: str) -> None:
        self.in_transaction = False
        self._saved = None
        self.client._local.session = None
        self.client.log.append(what)
        self.client._tx_lock.release()

    def end_session(self) -> None:
        if self.ended:
            return
        self.abort_transaction()
        self.ended = True
        self.client.log.append("end")
        with self.client._count_lock:
            self.client.open_sessions -= 1

    def first_read(self) -> None:
        """A server's reply carries the operation's cluster time; a snapshot session keeps its first one."""
        if self.operation_time is None:
            self.operation_time = Timestamp(int(time.time()), 1)
            if self.snapshot:
                self._snapshot_time = self.operation_time


class StrictClient:
    """``mongomock.MongoClient`` behind a replica set's rules (see the module docstring)."""

    def __init__(self, *, wire_version: int = 21, version: str = "7.0.14", user: str | None = None,
                 roles: tuple[tuple[str, str], ...] = ()) -> None:
        """``user`` signed in with built-in ``roles`` as (role, database) pairs; None: no access control."""
        self.mock = mongomock.MongoClient()
        self.user, self.roles = user, roles
        self.faults = Faults()
        self.calls: Counter[str] = Counter()
        self.log: list[str] = []
        self.open_sessions = 0
        self.wire_version, self.version = wire_version, version
        self.address = ("strict-replica", 27017)
        self.admin = _Admin(self)
        self._tx_lock = threading.RLock()
        self._count_lock = threading.Lock()
        self._local = threading.local()

    def __getitem__(self, name: str) -> StrictDatabase:
        return StrictDatabase(self, name)

    def start_session(self, *, snapshot: bool = False, causal_consistency: bool | None = None) -> StrictSession:
        if snapshot and causal_consistency:
            raise InvalidOperation("snapshot reads do not support causal_consistency=True")
        with self._count_lock:
            self.open_sessions += 1
        return StrictSession(self, snapshot)

    def drop_database(self, name: str) -> None:
        self.mock.drop_database(name)

    def close(self) -> None:
        """Nothing to release."""

    # -- the rules -------------------------------------------------------------------------------------
    def check(self, op: str, session: StrictSession | None) -> None:
        """Count the call and apply the server's rules (see the module docstring)."""
        self.calls[op] += 1
        active: StrictSession | None = getattr(self._local, "session", None)
        if active is not None and active.in_transaction:
            if session is not active:
                raise AssertionError(
                    f"{op} ran without the open transaction's session: a server would run it outside the transaction"
                )
            if op in REFUSED_IN_TRANSACTION:
                name = REFUSED_IN_TRANSACTION[op]
                message = f"Cannot run '{name}' in a multi-document transaction."
                raise OperationFailure(message, 263, {"code": 263, "errmsg": message})
            kind = self.faults.next("write") if op in WRITES else None
            if op in SNAPSHOT_READS and self.faults.read:
                kind = self.faults.read.pop(0)
            if kind is not None:
                raise server_error(kind)
        if session is not None:
            if session.ended:
                raise InvalidOperation("Cannot use ended session")
            if session.snapshot and op not in SNAPSHOT_READS:
                raise OperationFailure(f"{op} is not supported in a snapshot session", 72)
            if op in SNAPSHOT_READS:
                session.first_read()

    # -- access control ----------------------------------------------------------------------------------
    def privileges(self) -> list[dict[str, Any]]:
        return [{"resource": {"db": db, "collection": ""}, "actions": sorted(ROLE_ACTIONS[role])}
                for role, db in self.roles]

    def connection_status(self, show_privileges: bool) -> dict[str, Any]:
        """``connectionStatus`` as a server answers it (the users database is "admin")."""
        users = [{"user": self.user, "db": "admin"}] if self.user else []
        info: dict[str, Any] = {"authenticatedUsers": users,
                                "authenticatedUserRoles": [{"role": r, "db": d} for r, d in self.roles]}
        if show_privileges:
            info["authenticatedUserPrivileges"] = self.privileges()
        return {"authInfo": info, "ok": 1}

    def authorise(self, op: str, database: str, collection: str) -> None:
        """Refuse a call the signed-in user's roles do not allow, with the server's error 13."""
        action = NEEDS.get(op)
        if self.user is None or action is None:
            return
        if any(action in ROLE_ACTIONS[role] for role, db in self.roles if db == database):
            return
        message = f"not authorized on {database} to execute command {{ {action}: \"{collection}\" }}"
        raise OperationFailure(message, 13, {"code": 13, "codeName": "Unauthorized", "errmsg": message})

    # -- rollback --------------------------------------------------------------------------------------
    def save(self) -> dict[tuple[str, str], Any]:
        """A copy of every collection's documents (as BSON, which ``bson_storage`` guarantees they are) and
        indexes."""
        saved = {}
        for db_name, database in self.mock._store._databases.items():
            for name, coll in database._collections.items():
                docs = [(key, bson.encode(doc)) for key, doc in coll._documents.items()]
                saved[db_name, name] = (docs, copy.deepcopy(coll.indexes), coll._is_force_created)
        return saved

    def restore(self, saved: dict[tuple[str, str], Any]) -> None:
        for db_name, database in self.mock._store._databases.items():
            for name, coll in list(database._collections.items()):
                if (db_name, name) not in saved:
                    coll.drop()
                    continue
                docs, indexes, forced = saved[db_name, name]
                coll._documents = OrderedDict((key, bson.decode(raw, SERVER_CODEC)) for key, raw in docs)
                coll.indexes, coll._is_force_created = indexes, forced


class _Admin:
    def __init__(self, client: StrictClient) -> None:
        self.client = client

    def command(self, command: str | dict[str, Any]) -> dict[str, Any]:
        name = command if isinstance(command, str) else next(iter(command))
        self.client.calls[name] += 1
        if name == "ping":
            return {"ok": 1}
        if name == "hello":
            return {"setName": "rs0", "hosts": ["strict-replica:27017"], "isWritablePrimary": True,
                    "maxWireVersion": self.client.wire_version, "ok": 1}
        if name == "buildInfo":
            return {"version": self.client.version, "ok": 1}
        if name == "getDefaultRWConcern":
            return {"defaultWriteConcern": {"w": "majority"}, "ok": 1}
        raise OperationFailure(f"no such command: '{name}'", 59)


class StrictDatabase:
    def __init__(self, client: StrictClient, name: str) -> None:
        self.client, self.name = client, name
        self.raw = client.mock[name]

    def __getitem__(self, name: str) -> StrictCollection:
        return StrictCollection(self.client, self.raw[name])

    def command(self, command: str | dict[str, Any]) -> dict[str, Any]:
        """The database commands the adapter sends: ``connectionStatus``."""
        spec = {command: 1} if isinstance(command, str) else command
        name = next(iter(spec))
        self.client.calls[name] += 1
        if name == "connectionStatus":
            return self.client.connection_status(bool(spec.get("showPrivileges")))
        raise OperationFailure(f"no such command: '{name}'", 59)

    def list_collection_names(self, *, session: StrictSession | None = None) -> list[str]:
        self.client.check("list_collection_names", session)
        return self.raw.list_collection_names()

    def drop_collection(self, name: str, *, session: StrictSession | None = None) -> None:
        self.client.check("drop_collection", session)
        self.client.authorise("drop_collection", self.name, name)
        self.raw.drop_collection(name)


class StrictCollection:
    """A mongomock collection whose every method goes through ``StrictClient.check`` first, and which refuses
    records beyond 16 MiB as the driver (inserts, replacements) and the server (results of updates) do."""

    def __init__(self, client: StrictClient, raw: Any) -> None:
        self.client, self.raw = client, raw

    def __getattr__(self, op: str) -> Callable[..., Any]:
        method = getattr(self.raw, op)

        def call(*args: Any, session: StrictSession | None = None, **kwargs: Any) -> Any:
            self.client.check(op, session)
            self.client.authorise(op, self.raw.database.name, self.raw.name)
            for doc in _sent_records(op, args):
                if len(bson.encode(doc)) > MAX_BSON_SIZE:
                    raise DocumentTooLarge(f"BSON document too large ({len(bson.encode(doc))} bytes)")
            if op not in ("find_one_and_update", "update_one"):
                return method(*args, **kwargs)
            before = self.raw.find_one(args[0])
            result = method(*args, **kwargs)
            after = None if before is None else self.raw.find_one({"_id": before["_id"]})
            if after is not None and len(bson.encode(after)) > MAX_BSON_SIZE:
                self.raw.replace_one({"_id": before["_id"]}, before)
                message = f"Resulting document after update is larger than {MAX_BSON_SIZE}"
                raise OperationFailure(message, 17419, {"code": 17419, "errmsg": message})
            return result

        return call


def _sent_records(op: str, args: tuple[Any, ...]) -> list[Any]:
    """The whole records a driver call sends (what pymongo measures before sending)."""
    if op == "insert_one":
        return [args[0]]
    if op == "insert_many":
        return list(args[0])
    if op in ("replace_one", "find_one_and_replace"):
        return [args[1]]
    if op == "bulk_write":
        return [request._doc for request in args[0] if isinstance(request, (InsertOne, ReplaceOne))]
    return []


@contextmanager
def strict_store(database: str = "strict", **client_options: Any) -> Iterator[MongoStore]:
    """A MongoStore over a fresh ``StrictClient`` (transactions detected from ``hello``)."""
    with server_comparisons(), bson_storage():
        yield MongoStore(StrictClient(**client_options), database)
