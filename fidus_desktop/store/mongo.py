"""The MongoDB adapter: the same documents, filters, versions and errors as the SQLite adapter.

Documents are stored with a UUID-string ``_id`` and a ``version`` field. Values pass through the same
validation as in SQLite (``codec.walk``); Decimals become Decimal128 (exponent kept), date-times and dates
the same tagged UTC strings as in SQLite (BSON dates would drop microseconds and sort apart from SQLite),
bytes BSON binary; BSON int64 comes back as ``int``. Transactions need a replica set or mongos (majority
writes, snapshot reads on the primary: ``mongo_settings``); a transaction the server rolls back is a
``TransactionConflict`` that ``atomic`` runs again, an unknown commit is retried (``mongo_errors``). On a
standalone server ``transaction()`` runs the operations one by one without atomicity, and ``warnings()`` says
so (docs/STORAGE.md).
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

import bson
import pymongo
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from pymongo import InsertOne, MongoClient, ReplaceOne, ReturnDocument
from pymongo.errors import BulkWriteError, DocumentTooLarge, OperationFailure, PyMongoError

from fidus_desktop.store.codec import Encoder, check_decimal, encode_date, encode_datetime, untag, walk
from fidus_desktop.store.errors import (
    ConcurrencyError,
    DatabaseUnreachable,
    InvalidDocument,
    StorageError,
    TransactionConflict,
    read_only_refusal,
)
from fidus_desktop.store.filters import check_path, parse_filter, parse_sort
from fidus_desktop.store.mongo_errors import (
    MAX_TIME_EXPIRED,
    TOO_LARGE,
    UNKNOWN_COMMIT,
    codes,
    outcome_unknown,
    translate_error,
)
from fidus_desktop.store.mongo_privileges import read_only_reason
from fidus_desktop.store.mongo_query import compile_query, mongo_value
from fidus_desktop.store.mongo_settings import CLIENT_OPTIONS, TRANSACTION_OPTIONS, pinned_options
from fidus_desktop.store.port import (
    Collection,
    Document,
    Filter,
    GroupTotal,
    IndexSpec,
    Sort,
    Store,
    UpsertResult,
    check_collection_name,
    check_id,
    check_natural_key,
    check_update,
    check_version,
    encode_by_key,
    natural_keys,
    new_id,
    normalise_index_fields,
    projection_fields,
    sorted_groups,
    stale,
)
from fidus_desktop.store.uri import split_mongo_uri
from fidus_desktop.store.values import MAX_BYTES, without_reserved

T = TypeVar("T")
DEFAULT_DATABASE = "fidus"
UPSERT_CHUNK = 1000
STANDALONE_WARNING = "standalone server: multi-document changes are not atomic"
NO_SNAPSHOT_WARNING = (
    "MongoDB before 5.0: a backup is one consistent copy only if it reads the database within 60 seconds; "
    "larger databases need MongoDB 5.0 or newer to be backed up"
)
MIN_WIRE_VERSION, SNAPSHOT_WIRE_VERSION = 9, 13  # MongoDB 4.4 and 5.0
RETRY_SECONDS = 120  # as pymongo's with_transaction
BACKOFF_FIRST, BACKOFF_MAX = 0.005, 0.5
MAX_BSON_BYTES = 16 * 1024 * 1024  # the server's document limit
INDEX_BUILD_SECONDS = 3600  # building an index over a large collection is slow but not a dead server


# -- documents -------------------------------------------------------------------------------------------
def _decimal128(value: Decimal) -> Decimal128:
    return Decimal128(check_decimal(value))


def _binary(value: bytes) -> bytes:
    if len(value) > MAX_BYTES:
        raise ValueError(value)
    return value


_ENCODERS: dict[type, Encoder] = {
    Decimal: _decimal128,
    datetime: encode_datetime,
    date: encode_date,
    bytes: _binary,
}
# What a server hands back that the application does not store as such: BSON int64 (every integer beyond
# ±2**31: MT5 tickets, position ids, versions) decodes to ``Int64``, an int subclass the store's own validation
# refuses; Decimal128 is our Decimal. Binary of subtype 0 already decodes to ``bytes``. Types this adapter never
# writes (doubles, BSON dates, ObjectIds written by other tools) come back as the driver gives them and are
# refused with a readable message if written back.
_DECODERS: dict[type, Callable[[Any], Any]] = {Decimal128: Decimal128.to_decimal, Int64: int}


def encode_body(doc: Document) -> Document:
    """The validated stored form of ``doc`` without ``_id``/``version`` (refuses what SQLite refuses)."""
    if type(doc) is not dict:
        raise InvalidDocument(f"A document is a dict, not {type(doc).__name__}.")
    return walk(without_reserved(doc), "", 0, _ENCODERS)


def decode(raw: Mapping[str, Any]) -> Document:
    """A stored document as the application sees it (Decimal, datetime in UTC, date, bytes)."""
    doc: Document = untag(dict(raw), _DECODERS)
    return doc


def _server_version(hello: Mapping[str, Any]) -> int:
    return int(hello.get("maxWireVersion", 0))


# -- store -----------------------------------------------------------------------------------------------
class MongoStore(Store):
    """A FIDUS database in MongoDB (a replica set or Atlas for atomic multi-document changes)."""

    backend = "mongodb"

    def __init__(
        self,
        client_or_uri: Any,
        database: str | None = None,
        *,
        supports_transactions: bool | None = None,
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        """Connect (or wrap an injected client such as ``mongomock.MongoClient``) and ping the server.

        ``client_options`` are extra ``MongoClient`` keyword arguments (the password from the keyring).
        """
        self._local = threading.local()
        self._prefix = ""  # raw collection names are prefix + name (a restore's staged collections)
        self._borrowed = False  # the client belongs to another store (``staging``)
        self._collections: dict[str, MongoCollection] = {}
        self._indexes: dict[str, set[str]] = {}  # index names known to exist, by collection
        self._warnings: list[str] = []
        self._privileges_note = ""  # why the user's privileges could not be checked, if they could not
        if isinstance(client_or_uri, str):
            try:
                parts = split_mongo_uri(client_or_uri)
            except ValueError:
                raise StorageError("MongoStore needs a mongodb:// or mongodb+srv:// URI.") from None
            self._label = parts.label()
            database = database or parts.database
            pinned, self._warnings = pinned_options(parts.options)
            try:
                self.client: Any = MongoClient(
                    client_or_uri, **{**CLIENT_OPTIONS, **(client_options or {}), **pinned}
                )
            except PyMongoError as exc:
                raise translate_error(exc, self._label) from exc
        else:
            self.client = client_or_uri
            self._label = _client_label(client_or_uri)
        self.database_name = database or DEFAULT_DATABASE
        self.db = self.client[self.database_name]
        try:
            self.client.admin.command("ping")
        except PyMongoError as exc:
            raise translate_error(exc, self.describe(), opening=True) from exc
        self._hello = self._read_hello()
        self._check_version()
        self._transactions = self._detect_transactions() if supports_transactions is None else supports_transactions
        # Snapshot reads (backups) need a replica set or sharded cluster on 5.0 or newer.
        self._snapshots = self._transactions and _server_version(self._hello) >= SNAPSHOT_WIRE_VERSION
        self.read_only_reason = self._detect_read_only()

    def _read_hello(self) -> Mapping[str, Any]:
        try:
            return self.client.admin.command("hello")
        except NotImplementedError:  # test doubles without the command
            return {}
        except OperationFailure:
            return self.run(lambda: self.client.admin.command("ismaster"))
        except PyMongoError as exc:
            raise translate_error(exc, self.describe()) from exc

    def _check_version(self) -> None:
        """Refuse servers older than 4.4: transactions there cannot create collections (first use of one)."""
        version = _server_version(self._hello)
        if self._hello and version < MIN_WIRE_VERSION:
            raise DatabaseUnreachable(
                f"{self.describe()} runs a MongoDB version older than 4.4 (wire version {version}); FIDUS Desktop "
                "needs MongoDB 4.4 or newer (6.0 or newer recommended). Upgrade the server or use another one."
            )

    def _detect_read_only(self) -> str | None:
        """Why this user may not change the database (its roles only read), from ``connectionStatus``, or None.

        Checked on the collections FIDUS writes: every one the database holds, the schema and the audit trail.
        A server that does not answer the command (a proxy that hides it, a test double) is not guessed at: the
        database opens for writing and the server refuses a write it does not allow, as it did before this
        check; ``details()`` says the check could not be made.
        """
        try:
            status = self.db.command({"connectionStatus": 1, "showPrivileges": True})
            names = sorted({"audit", "meta", *self.collection_names()})
        except (PyMongoError, NotImplementedError, AttributeError) as exc:
            self._privileges_note = f"the user's privileges could not be checked ({exc}); writes are tried"
            return None
        return read_only_reason(status, self.database_name, names)

    @property
    def read_only(self) -> bool:
        return self.read_only_reason is not None

    def check_writable(self) -> None:
        """Refuse a write before anything is sent when the user's roles only read (``ReadOnlyDatabase``)."""
        if self.read_only_reason is not None:
            raise read_only_refusal(self.describe(), self.read_only_reason)

    def _detect_transactions(self) -> bool:
        """Replica-set members report ``setName`` and mongos ``msg: isdbgrid``; standalone servers neither."""
        return bool(self._hello.get("setName")) or self._hello.get("msg") == "isdbgrid"

    def run(self, fn: Callable[[], T]) -> T:
        """Run a driver call, translating its errors (``DocumentTooLarge``, raised by the driver before it sends
        a record over 16 MB, is not a ``PyMongoError``)."""
        try:
            return fn()
        except (PyMongoError, DocumentTooLarge) as exc:
            raise translate_error(exc, self.describe()) from exc

    def session(self) -> Any:
        """This thread's transaction or snapshot session, or None outside both / on a standalone server."""
        return getattr(self._local, "session", None)

    def in_transaction(self) -> bool:
        return getattr(self._local, "depth", 0) > 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes on this thread commit together (replica set) or run one by one (standalone server).

        Majority write concern, snapshot read concern, primary reads (``TRANSACTION_OPTIONS``). Nested calls
        join the outer transaction. MongoDB has no savepoints: if a nested block fails and the caller carries
        on, the outer transaction is aborted at its end instead of committing half a change. A transaction the
        server rolled back (write conflict, election) raises ``TransactionConflict``; a commit whose outcome
        stays unknown raises ``OutcomeUnknown``, never a claim that nothing was saved.
        """
        self.check_writable()
        local = self._local
        if getattr(local, "snapshot", False):
            raise StorageError("A consistent read (backup) cannot also write; write after it ends.")
        depth = getattr(local, "depth", 0)
        if depth:
            local.depth = depth + 1
            try:
                yield
            except BaseException as exc:
                local.failed = local.failed or exc
                raise
            finally:
                local.depth = depth
            return
        session = None
        if self._transactions:
            session = self.run(self.client.start_session)
            self.run(lambda: session.start_transaction(**TRANSACTION_OPTIONS))
        local.session, local.depth, local.failed = session, 1, None
        try:
            yield
            if session is not None:
                if isinstance(local.failed, TransactionConflict):  # caught by the block, but the server aborted
                    raise TransactionConflict(str(local.failed))
                if local.failed is not None:
                    raise StorageError(
                        "Part of this change failed and MongoDB cannot undo only that part; nothing was saved. "
                        "Try again."
                    )
                self._commit(session)
        except BaseException:
            if session is not None and session.in_transaction:
                with contextlib.suppress(PyMongoError):
                    session.abort_transaction()
            raise
        finally:
            local.session, local.depth, local.failed = None, 0, None
            if session is not None:
                with contextlib.suppress(PyMongoError):
                    session.end_session()

    def _commit(self, session: Any) -> None:
        """Commit, retrying while the outcome is unknown, as ``ClientSession.with_transaction`` does: the
        driver retries a commit with majority write concern and the server applies a transaction once."""
        start = time.monotonic()
        while True:
            try:
                session.commit_transaction()
                return
            except PyMongoError as exc:
                if not exc.has_error_label(UNKNOWN_COMMIT):
                    raise translate_error(exc, self.describe()) from exc
                if MAX_TIME_EXPIRED in codes(exc) or time.monotonic() - start >= RETRY_SECONDS:
                    raise outcome_unknown(self.describe(), exc) from exc

    def atomic(self, fn: Callable[[], T]) -> T:
        """``fn()`` in one transaction, run again (with growing, jittered pauses, for up to ``RETRY_SECONDS``)
        when the server rolled it back; inside an outer transaction it joins that one (as a nested block, so a
        rollback the caller swallows still fails the outer one) and the outer retries."""
        if self.in_transaction():
            with self.transaction():
                return fn()
        start, attempt = time.monotonic(), 0
        while True:
            try:
                with self.transaction():
                    return fn()
            except TransactionConflict:
                attempt += 1
                pause = random.random() * min(BACKOFF_FIRST * 1.5**attempt, BACKOFF_MAX)
                if time.monotonic() - start + pause >= RETRY_SECONDS:
                    raise
                time.sleep(pause)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[datetime | None]:
        """Reads on this thread see one point in time: a snapshot session (MongoDB 5.0+ replica set or
        cluster), which, unlike a transaction, is not aborted after 60 s. Before 5.0 a read-only transaction
        with snapshot read concern gives the same for up to 60 s, and a read it cuts off is refused with what to
        do rather than giving an inconsistent copy. On a standalone server reads are not consistent and None is
        yielded."""
        if self.in_transaction():
            raise StorageError("A consistent read (backup) cannot run inside a change; start it on its own.")
        if not self._transactions:
            yield None
            return
        local = self._local
        if self._snapshots:
            session = self.run(lambda: self.client.start_session(snapshot=True, causal_consistency=False))
        else:
            session = self.run(self.client.start_session)
            self.run(lambda: session.start_transaction(**TRANSACTION_OPTIONS))
        local.session, local.snapshot = session, True
        try:
            try:
                # The first read fixes the snapshot's cluster time; the schema document always exists.
                self.run(lambda: self.db["meta"].find_one({}, session=session))
                at = getattr(session, "_snapshot_time", None) or session.operation_time
                yield None if at is None else datetime.fromtimestamp(at.time, UTC)
            except TransactionConflict as exc:
                if self._snapshots:
                    raise
                raise StorageError(
                    f"{self.describe()} ended the consistent read before it was complete: before MongoDB 5.0 one "
                    "consistent copy is a transaction, which the server ends after 60 seconds (or when its "
                    "primary changes). Nothing was written and no backup was kept. Upgrade the server to MongoDB "
                    "5.0 or newer, which reads a snapshot for as long as needed, or try again at a quieter time."
                ) from exc
        finally:
            local.session, local.snapshot = None, False
            with contextlib.suppress(PyMongoError):
                if session.in_transaction:  # read only: nothing to commit
                    session.abort_transaction()
            with contextlib.suppress(PyMongoError):
                session.end_session()

    @property
    def supports_transactions(self) -> bool:
        return self._transactions

    def warnings(self) -> list[str]:
        """Limitations the user should know about (shown by ``fidus doctor`` and the status bar)."""
        standalone = [] if self._transactions else [STANDALONE_WARNING]
        old = [] if self._snapshots or not self._transactions else [NO_SNAPSHOT_WARNING]
        return standalone + old + self._warnings

    def details(self) -> list[str]:
        """Server version, topology, write concern and read preference, as the server and driver report them."""
        facts = []
        with contextlib.suppress(PyMongoError, NotImplementedError, AttributeError):
            facts.append(f"MongoDB {self.client.admin.command('buildInfo')['version']}")
        hello = self._hello
        if hello.get("setName"):
            facts.append(f"replica set {hello['setName']} ({len(hello.get('hosts', []))} data-bearing members)")
        elif hello.get("msg") == "isdbgrid":
            facts.append("sharded cluster (mongos)")
        elif hello:
            facts.append("standalone server")
        with contextlib.suppress(PyMongoError, NotImplementedError, AttributeError, KeyError):
            default = self.client.admin.command({"getDefaultRWConcern": 1})
            facts.append(f"server default write concern {default.get('defaultWriteConcern', {'w': 1})}")
        with contextlib.suppress(AttributeError):
            facts.append(f"this application writes with w={self.client.write_concern.document.get('w', 1)}")
            facts.append(f"reads from {self.client.read_preference.name}")
        if self.read_only_reason:
            facts.append(f"read-only: {self.read_only_reason}")
        elif self._privileges_note:
            facts.append(self._privileges_note)
        return facts

    def collection(self, name: str) -> MongoCollection:
        found = self._collections.get(name)
        if found is None:
            found = self._collections.setdefault(name, MongoCollection(self, check_collection_name(name)))
        return found

    def describe(self) -> str:
        return f"{self._label}/{self.database_name}"

    def ping(self) -> None:
        self.run(lambda: self.client.admin.command("ping"))

    def collection_names(self) -> list[str]:
        """Listed outside any transaction or snapshot: the server refuses ``listCollections`` in both. Names
        with a dot (``system.*``, a restore's ``restoring.*``/``replaced.*``) are never FIDUS collections."""
        return sorted(n[len(self._prefix):] for n in self.raw_names(self._prefix) if "." not in n[len(self._prefix):])

    def raw_names(self, prefix: str = "") -> list[str]:
        """The server's names of the collections starting with ``prefix`` (``store.mongo_restore``)."""
        return [n for n in self.run(lambda: self.db.list_collection_names()) if n.startswith(prefix)]

    def drop_collection(self, name: str) -> None:
        """Outside any transaction (the server refuses ``drop`` in one)."""
        check_collection_name(name)
        self.drop_raw(self._prefix + name)

    def drop_raw(self, raw_name: str) -> None:
        """Drop a collection by its name on the server."""
        self.check_writable()
        if self.in_transaction():
            raise StorageError("A collection cannot be dropped inside a change; drop it on its own.")
        self.run(lambda: self.db.drop_collection(raw_name))
        self.forget()

    def rename_raw(self, raw_name: str, to: str) -> None:
        """Rename a collection on the server (``renameCollection``, replacing ``to``): outside transactions."""
        self.check_writable()
        self.run(lambda: self.db[raw_name].rename(to, dropTarget=True))
        self.forget()

    def forget(self) -> None:
        """Drop what this store remembers of collections and their indexes (after a drop or rename)."""
        self._collections.clear()
        self._indexes.clear()

    def staging(self, prefix: str) -> MongoStore:
        """This database seen through ``prefix``: collection ``x`` is the server's ``prefix + x``. A restore
        loads a backup there before switching it in (``store.mongo_restore``); closing it keeps the client."""
        view = MongoStore(self.client, self.database_name, supports_transactions=self._transactions)
        view._label, view._prefix, view._borrowed, view._warnings = self._label, prefix, True, self._warnings
        return view

    def close(self) -> None:
        if self._borrowed:
            return
        with contextlib.suppress(PyMongoError):
            self.client.close()


def _client_label(client: Any) -> str:
    """Host and port of an injected client, found without network I/O where the driver allows it."""
    try:
        seeds = client.topology_description.server_descriptions()
        return "MongoDB " + ",".join(f"{h}:{p}" for h, p in seeds)
    except Exception:  # a test double has no topology: fall back to its address
        with contextlib.suppress(Exception):
            host, port = client.address
            return f"MongoDB {host}:{port}"
    return "MongoDB"


class MongoCollection(Collection):
    """One MongoDB collection of FIDUS documents."""

    def __init__(self, store: MongoStore, name: str) -> None:
        self.store = store
        self.name = name
        self.raw = store.db[store._prefix + name]

    def _run(self, fn: Callable[[Any], T]) -> T:
        """Run ``fn(session)`` with this thread's session, translating driver errors."""
        return self.store.run(lambda: fn(self.store.session()))

    def _write(self, fn: Callable[[Any], T], stored: Callable[[], Sequence[Document]] | str) -> T:
        """``_run`` for a write of ``stored()`` (the rows written), or of the record with id ``stored`` changed in
        place.

        A record beyond MongoDB's 16 MB limit is refused naming the record and what to do, not with a driver
        error: the driver measures inserted and replaced records before sending them (``DocumentTooLarge``),
        the server the result of an update (``BSONObjectTooLarge``). Nothing is written either way; measuring
        here instead would cost every write a second encoding.
        """
        self.store.check_writable()
        try:
            return fn(self.store.session())
        except DocumentTooLarge as exc:
            raise self._too_large(stored) from exc
        except PyMongoError as exc:
            if codes(exc) & TOO_LARGE:
                raise self._too_large(stored) from exc
            raise translate_error(exc, self.store.describe()) from exc

    def _too_large(self, stored: Callable[[], Sequence[Document]] | str) -> InvalidDocument:
        if isinstance(stored, str):
            return InvalidDocument(
                f"This change would make the {self.name} record {stored} larger than the 16 MB MongoDB keeps in one "
                "record, so nothing was changed. Shorten the text, or attach large content as a document (stored "
                "in pieces) instead of inside the record."
            )
        size, doc_id = max((len(bson.encode(row)), row["_id"]) for row in stored())
        return InvalidDocument(
            f"The {self.name} record {doc_id} would take {size / 2**20:.1f} MB once stored; MongoDB keeps at most "
            "16 MB in one record, so nothing was written. Shorten the text, or attach large content as a document "
            "(stored in pieces) instead of inside the record."
        )

    def _find_all(self, query: Mapping[str, Any], session: Any) -> list[Any]:
        return list(self.raw.find(query, session=session))

    def _page_after(self, after: str, size: int, session: Any) -> list[Any]:
        """Up to ``size`` raw documents with ids after ``after``, in id order."""
        return list(self.raw.find({"_id": {"$gt": after}}, session=session).sort("_id", 1).limit(size))

    def insert(self, doc: Document) -> Document:
        body = encode_body(doc)
        stored = {"_id": check_id(doc.get("_id") or new_id()), **body, "version": 1}
        self._write(lambda s: self.raw.insert_one(stored, session=s), lambda: [stored])
        return decode(stored)

    def insert_many(self, docs: Sequence[Document]) -> list[str]:
        rows = [{"_id": check_id(d["_id"]) if "_id" in d else new_id(), **encode_body(d), "version": 1} for d in docs]
        self._insert_rows(rows)
        return [r["_id"] for r in rows]

    def load_many(self, docs: Sequence[Document]) -> None:
        """One ``insert_many`` per batch with the archived versions: a restore costs the same whatever the
        versions (the MT5 sync state gains about 17,000 a day)."""
        rows = [
            {"_id": check_id(d.get("_id")), **encode_body(d), "version": check_version(d.get("version"))}
            for d in docs
        ]
        for row in rows:  # measured here: a restore stops before its batch, naming the record to shorten
            if len(bson.encode(row)) > MAX_BSON_BYTES:
                raise InvalidDocument(
                    f"The {self.name} record {row['_id']} is larger than MongoDB's 16 MB document limit once "
                    "stored, so it cannot be moved to this server; shorten it (or store its large parts as "
                    "documents) in the source database first."
                )
        self._insert_rows(rows)

    def _insert_rows(self, rows: list[Document]) -> None:
        """Insert stored rows in one ordered ``insert_many``; all or none."""
        if not rows:
            return
        with self.store.transaction():
            try:
                self._write(lambda s: self.raw.insert_many(rows, ordered=True, session=s), lambda: rows)
            except StorageError as exc:
                failed = exc.__cause__
                if not self.store.supports_transactions and isinstance(failed, BulkWriteError):
                    # No transaction to roll back: remove what the ordered insert wrote before it failed.
                    written = [r["_id"] for r in rows[: failed.details.get("nInserted", 0)]]
                    self._run(lambda s: self.raw.delete_many({"_id": {"$in": written}}, session=s))
                raise

    def get(self, doc_id: str) -> Document | None:
        raw = self._run(lambda s: self.raw.find_one({"_id": check_id(doc_id)}, session=s))
        return None if raw is None else decode(raw)

    def find(
        self,
        filter: Filter | None = None,
        *,
        sort: Sort | None = None,
        limit: int | None = None,
        skip: int = 0,
        projection: Sequence[str] | None = None,
    ) -> list[Document]:
        query = compile_query(parse_filter(filter))
        order = parse_sort(sort)
        fields = None if projection is None else dict.fromkeys(projection_fields(projection), 1)

        def fetch(s: Any) -> list[Document]:
            cursor = self.raw.find(query, fields, session=s)
            if order:
                cursor = cursor.sort(order)
            if skip:
                cursor = cursor.skip(int(skip))
            if limit is not None:
                if int(limit) == 0:
                    return []  # MongoDB reads limit 0 as "no limit"
                cursor = cursor.limit(int(limit))
            return [decode(raw) for raw in cursor]

        return self._run(fetch)

    def count(self, filter: Filter | None = None) -> int:
        query = compile_query(parse_filter(filter))
        return self._run(lambda s: self.raw.count_documents(query, session=s))

    def group_totals(self, filter: Filter | None, by: Sequence[str], total: str) -> list[GroupTotal]:
        """One ``$group`` stage; ``$sum`` over Decimal128 is exact (missing and null amounts add nothing)."""
        query = compile_query(parse_filter(filter))
        group = {"_id": {str(i): f"${check_path(f)}" for i, f in enumerate(by)}, "count": {"$sum": 1},
                 "total": {"$sum": f"${check_path(total)}"}}
        rows = self._run(lambda s: list(self.raw.aggregate([{"$match": query}, {"$group": group}], session=s)))
        return sorted_groups(
            GroupTotal(tuple(row["_id"].get(str(i)) for i in range(len(by))), int(row["count"]),
                       _DECODERS[Decimal128](row["total"]) if isinstance(row["total"], Decimal128)
                       else Decimal(row["total"]))
            for row in rows)

    def _raise_stale(self, doc_id: str, expected_version: int | None) -> None:
        found = self._run(lambda s: self.raw.find_one({"_id": doc_id}, {"version": 1}, session=s))
        raise stale(self.name, doc_id, None if found is None else found["version"], expected_version)

    def update(self, doc_id: str, changes: Document, *, expected_version: int, unset: Sequence[str] = ()) -> Document:
        check_id(doc_id)
        removed = check_update(changes, unset)
        change: dict[str, Any] = {"$inc": {"version": 1}}
        if changes:
            change["$set"] = encode_body(changes)
        if removed:
            change["$unset"] = dict.fromkeys(removed, "")
        raw = self._write(
            lambda s: self.raw.find_one_and_update(
                {"_id": doc_id, "version": expected_version}, change, return_document=ReturnDocument.AFTER, session=s
            ),
            doc_id,
        )
        if raw is None:
            self._raise_stale(doc_id, expected_version)
        return decode(raw)

    def replace(self, doc: Document) -> Document:
        doc_id = check_id(doc.get("_id"))
        version = doc.get("version")
        if not isinstance(version, int):
            raise InvalidDocument("replace() needs the version that was read.")
        stored = {"_id": doc_id, **encode_body(doc), "version": version + 1}
        raw = self._write(
            lambda s: self.raw.find_one_and_replace(
                {"_id": doc_id, "version": version}, stored, return_document=ReturnDocument.AFTER, session=s
            ),
            lambda: [stored],
        )
        if raw is None:
            self._raise_stale(doc_id, version)
        return decode(stored)

    def delete(self, doc_id: str, *, expected_version: int | None = None) -> None:
        self.store.check_writable()
        query: dict[str, Any] = {"_id": check_id(doc_id)}
        if expected_version is not None:
            query["version"] = expected_version
        if self._run(lambda s: self.raw.delete_one(query, session=s)).deleted_count == 0:
            self._raise_stale(doc_id, expected_version)

    def upsert_many(self, docs: Sequence[Document], key: Sequence[str]) -> UpsertResult:
        key = check_natural_key(key)
        keys = natural_keys(docs, key, self.name)
        latest = encode_by_key(docs, keys, encode_body)
        result = UpsertResult()
        ids: dict[tuple[Any, ...], str] = {}
        with self.store.transaction():
            existing = self._existing(key, list(latest))
            writes: list[Any] = []
            replaced = 0
            for values, (doc, body) in latest.items():
                found = existing.get(tuple(mongo_value(v) for v in values))
                if found is None:
                    doc_id = check_id(doc["_id"]) if "_id" in doc else new_id()
                    writes.append(InsertOne({"_id": doc_id, **body, "version": 1}))
                    result.inserted += 1
                else:
                    doc_id, version = found.pop("_id"), found.pop("version")
                    if found == body:
                        result.unchanged += 1
                    else:
                        writes.append(ReplaceOne({"_id": doc_id, "version": version}, {**body, "version": version + 1}))
                        replaced += 1
                        result.updated += 1
                ids[values] = doc_id
            if writes:
                done = self._write(lambda s: self.raw.bulk_write(writes, ordered=True, session=s),
                                   lambda: [{"_id": ids[values], **latest[values][1]} for values in latest])
                if done.matched_count != replaced:  # someone changed a record between our read and write
                    raise ConcurrencyError(
                        f"Some {self.name} records were changed by someone else during this import; run it again."
                    )
        result.ids = [ids[values] for values in keys]
        return result

    def _existing(self, key: tuple[str, ...], wanted: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], Document]:
        """Stored documents by encoded natural key, a chunk of keys per query (``$in`` uses the index)."""
        found: dict[tuple[Any, ...], Document] = {}
        for start in range(0, len(wanted), UPSERT_CHUNK):
            chunk = wanted[start : start + UPSERT_CHUNK]
            query = {
                k: {"$in": list(dict.fromkeys(mongo_value(values[i]) for values in chunk))} for i, k in enumerate(key)
            }
            for raw in self._run(partial(self._find_all, query)):
                found[tuple(raw.get(k) for k in key)] = raw
        return found

    def ensure_index(self, fields: Sequence[str | tuple[str, int]], *, unique: bool = False) -> IndexSpec:
        """Create the index unless it exists; unique ones skip documents missing a field, as SQLite's NULLs
        never collide.

        Existing indexes are listed once per collection, so a start-up does not send a ``createIndexes`` per
        declared index; a new index over a large collection gets ``INDEX_BUILD_SECONDS`` to build. The server
        refuses index creation inside a transaction, so declare indexes outside changes.
        """
        spec = IndexSpec(normalise_index_fields(fields), unique)
        if self.store.in_transaction():
            raise StorageError(f"The index {spec.name} on {self.name} must be declared outside a change.")
        if self.store.read_only:
            return spec  # declared, not created: reads work without it (as on a read-only SQLite file)
        existing = self.store._indexes.get(self.name)
        if existing is None:
            existing = set(self.store.run(lambda: self.raw.index_information()))
            self.store._indexes[self.name] = existing
        if spec.name in existing:
            return spec
        options: dict[str, Any] = {"name": spec.name, "unique": unique}
        if unique:
            options["partialFilterExpression"] = {p: {"$exists": True} for p, _ in spec.fields}

        def build() -> None:
            with pymongo.timeout(INDEX_BUILD_SECONDS):
                self.raw.create_index(list(spec.fields), **options)

        self.store.run(build)
        existing.add(spec.name)
        return spec

    def iter_all(self, batch_size: int = 1000) -> Iterator[Document]:
        last = ""
        while True:
            batch = self._run(partial(self._page_after, last, batch_size))
            for raw in batch:
                yield decode(raw)
            if len(batch) < batch_size:
                return
            last = batch[-1]["_id"]
