"""The storage port: what every adapter offers and every repository relies on.

Documents are dicts with a UUID string ``_id`` and an integer ``version`` (1 on insert, +1 on every
change). ``update``/``replace``/``delete`` take the version the caller read; if the stored one moved on,
``ConcurrencyError`` is raised and nothing is written, so concurrent edits are detected, never overwritten.
Filters follow ``fidus_desktop.store.filters``. ``Store.transaction()`` makes a multi-document change
atomic; nested calls join the outer transaction (an inner failure rolls back only the inner part).
``Store.atomic(fn)`` does the same for a callable and runs it again when a server rolled it back because of a
concurrent transaction (``TransactionConflict``); ``Store.snapshot()`` makes long reads (backups) see one
point in time without holding a write transaction open.
"""

from __future__ import annotations

import os
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from typing import Any, TypeVar

from fidus_desktop.clock import wall_now
from fidus_desktop.store.errors import ConcurrencyError, InvalidDocument, InvalidFilter, NotFound
from fidus_desktop.store.filters import parse_sort
from fidus_desktop.store.values import check_key

_COLLECTION_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
T = TypeVar("T")
Document = dict[str, Any]
Filter = dict[str, Any]
Sort = list[tuple[str, int]]


_VARIANT = bytes((b & 0x3F) | 0x80 for b in range(256))  # sets a UUID's RFC 9562 variant bits
_COUNTER_LIMIT = 1 << 12  # rand_a of a version 7 UUID, used as a counter within one millisecond
_COUNTER_TEXT = [f"-7{counter:03x}-" for counter in range(_COUNTER_LIMIT)]  # the version digit and rand_a
_clock_lock = threading.Lock()
_clock = [0, 0]  # the last (millisecond, counter) handed out


def _runs(count: int) -> list[tuple[int, int, int]]:
    """``count`` increasing (unix millisecond, counter) pairs as runs (millisecond, first counter, length), never
    going back even if the system clock does."""
    with _clock_lock:
        ms = max(time.time_ns() // 1_000_000, _clock[0])
        counter = _clock[1] if ms == _clock[0] else 0
        runs = []
        while count:
            if counter == _COUNTER_LIMIT:
                ms, counter = ms + 1, 0
            length = min(count, _COUNTER_LIMIT - counter)
            runs.append((ms, counter, length))
            counter, count = counter + length, count - length
        _clock[:] = [ms, counter]
    return runs


def new_ids(count: int) -> list[str]:
    """``count`` fresh document ids: time-ordered UUIDs (version 7, RFC 9562) in canonical text form.

    Time-ordered because each new document then lands at the end of the id index instead of at a random
    place in it: a 100,000-deal sync inserts about twice as fast into SQLite's id B-tree (benchmarks/
    bench_mt5_ingest.py). 62 random bits per id keep ids from two workstations apart. Assembled from
    pre-formatted pieces and one ``os.urandom`` call, because ``uuid`` objects cost several microseconds each
    in bulk syncs.
    """
    variant = bytearray(os.urandom(2 * count))
    variant[0::2] = variant[0::2].translate(_VARIANT)
    fourth = variant.hex(" ", 2).split()  # the variant group: 4 hex digits per id
    last = os.urandom(6 * count).hex(" ", 6).split()  # 12 hex digits per id
    heads: list[str] = []
    for ms, first, length in _runs(count):
        time_text = f"{ms >> 16:08x}-{ms & 0xFFFF:04x}"
        heads += [time_text + counter for counter in _COUNTER_TEXT[first : first + length]]
    return list(map("%s%s-%s".__mod__, zip(heads, fourth, last, strict=True)))


def new_id() -> str:
    """A fresh document id (see ``new_ids``)."""
    return new_ids(1)[0]


def fresh_ids(batch: int = 1024) -> Iterator[str]:
    """An endless supply of new ids, drawn a batch at a time (bulk writes take ``next()`` per new document)."""
    while True:
        yield from new_ids(batch)


def check_id(doc_id: object) -> str:
    if not isinstance(doc_id, str) or not doc_id or len(doc_id) > 200 or "\x00" in doc_id or doc_id.startswith("$"):
        raise InvalidDocument(f"{doc_id!r} is not a document id.")
    return doc_id


def check_version(version: object) -> int:
    """A stored version as archived: a whole number from 1."""
    if type(version) is not int or not 1 <= version < 2**63:
        raise InvalidDocument(f"A stored version is a whole number from 1, not {version!r}.")
    return version


@dataclass(frozen=True)
class IndexSpec:
    """A declared index: fields in order with direction (1 / -1), optionally unique."""

    fields: tuple[tuple[str, int], ...]
    unique: bool = False

    @property
    def name(self) -> str:
        return "ix_" + "_".join(f"{p.replace('.', '_')}{'' if d == 1 else '_desc'}" for p, d in self.fields) + (
            "_u" if self.unique else ""
        )


@dataclass
class UpsertResult:
    """What a bulk upsert by natural key did; ``ids`` are in input order."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[str] = field(default_factory=list)


class Collection(ABC):
    """One named collection of documents."""

    name: str

    @abstractmethod
    def insert(self, doc: Document) -> Document:
        """Store a new document (``_id`` generated if absent) and return it with ``_id`` and ``version``."""

    @abstractmethod
    def insert_many(self, docs: Sequence[Document]) -> list[str]:
        """Store many new documents in one go; all or none."""

    @abstractmethod
    def get(self, doc_id: str) -> Document | None:
        """The document with ``doc_id``, or None."""

    @abstractmethod
    def find(
        self,
        filter: Filter | None = None,
        *,
        sort: Sort | None = None,
        limit: int | None = None,
        skip: int = 0,
        projection: Sequence[str] | None = None,
    ) -> list[Document]:
        """Documents matching ``filter``; ``projection`` keeps only the named top-level fields (+ _id, version)."""

    @abstractmethod
    def count(self, filter: Filter | None = None) -> int:
        """How many documents match ``filter``."""

    @abstractmethod
    def update(
        self, doc_id: str, changes: Document, *, expected_version: int, unset: Sequence[str] = ()
    ) -> Document:
        """Set top-level fields (and remove ``unset``) if the stored version is ``expected_version``."""

    @abstractmethod
    def replace(self, doc: Document) -> Document:
        """Replace the whole document; ``doc['version']`` must be the stored version."""

    @abstractmethod
    def delete(self, doc_id: str, *, expected_version: int | None = None) -> None:
        """Remove a document (checking its version when given)."""

    @abstractmethod
    def load_many(self, docs: Sequence[Document]) -> None:
        """Store documents exactly as archived, each with its own ``_id`` and ``version`` (restores): one write
        per batch whatever the versions; all or none; validated like ``insert``."""

    @abstractmethod
    def upsert_many(self, docs: Sequence[Document], key: Sequence[str]) -> UpsertResult:
        """Insert or update by natural ``key`` fields; re-sending the same documents changes nothing."""

    @abstractmethod
    def ensure_index(self, fields: Sequence[str | tuple[str, int]], *, unique: bool = False) -> IndexSpec:
        """Declare an index (idempotent)."""

    @abstractmethod
    def iter_all(self, batch_size: int = 1000) -> Iterator[Document]:
        """Every document, streamed in ``_id`` order (backups, key rotation)."""

    # Conveniences written once over the primitives.
    def require(self, doc_id: str) -> Document:
        doc = self.get(doc_id)
        if doc is None:
            raise not_found(self.name, doc_id)
        return doc

    def find_one(self, filter: Filter | None = None, *, sort: Sort | None = None) -> Document | None:
        found = self.find(filter, sort=sort, limit=1)
        return found[0] if found else None

    def group_totals(self, filter: Filter | None, by: Sequence[str], total: str) -> list[GroupTotal]:
        """Per distinct value of the ``by`` fields (text, whole numbers, booleans or missing) among documents
        matching ``filter``: how many there are and the exact sum of their Decimal or int ``total`` field
        (documents without it count but add nothing). Adapters override this with a grouping query; this
        fallback reads only those fields."""
        groups: dict[tuple[Any, ...], GroupTotal] = {}
        for doc in self.find(filter, projection=[*by, total]):
            key = tuple(doc.get(f) for f in by)
            found = groups.get(key) or GroupTotal(key, 0, Decimal(0))
            value = doc.get(total)
            groups[key] = GroupTotal(key, found.count + 1, found.total + (value if value is not None else 0))
        return sorted_groups(groups.values())


@dataclass(frozen=True)
class GroupTotal:
    """One group of ``Collection.group_totals``: the ``by`` values, the documents counted, their exact total."""

    key: tuple[Any, ...]
    count: int
    total: Decimal


def sorted_groups(groups: Iterable[GroupTotal]) -> list[GroupTotal]:
    """Groups in one order on every adapter: by key, missing values first."""
    return sorted(groups, key=lambda g: tuple((v is not None, str(v)) for v in g.key))


class Store(ABC):
    """A database: named collections plus transactions."""

    backend: str  # "sqlite" | "mongodb"

    @abstractmethod
    def collection(self, name: str) -> Collection:
        """The collection ``name`` (created on first use)."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """A context in which every write on this thread commits together or not at all."""

    @abstractmethod
    def in_transaction(self) -> bool:
        """Whether this thread is inside a transaction (a change here joins it and commits with it)."""

    def atomic(self, fn: Callable[[], T]) -> T:
        """``fn()`` in one transaction. Adapters whose transactions can be rolled back by a concurrent one
        (MongoDB) run it again until it commits; ``fn`` must therefore only change the database."""
        with self.transaction():
            return fn()

    def snapshot(self) -> AbstractContextManager[datetime | None]:
        """Reads on this thread see one point in time until the block ends (writes are not allowed in it).

        Yields that point in time, or None when the database cannot promise one (standalone or pre-5.0
        MongoDB: the reads are then not a consistent copy). The default is a transaction, which SQLite keeps
        consistent for as long as it is open.
        """
        return _transaction_snapshot(self)

    def warnings(self) -> list[str]:
        """Limitations or overridden settings the user should know about (``fidus doctor``, status bar)."""
        return []

    @property
    def read_only(self) -> bool:
        """True when every write is refused with ``ReadOnlyDatabase`` (services then skip what only records
        that they ran: index creation, sign-in bookkeeping)."""
        return False

    def details(self) -> list[str]:
        """Facts a support person needs (server version, topology, write concern), for ``fidus doctor``."""
        return []

    @property
    @abstractmethod
    def supports_transactions(self) -> bool:
        """False only on a standalone MongoDB server (see docs/STORAGE.md for the fallback)."""

    @abstractmethod
    def describe(self) -> str:
        """Where the data lives, for the status bar (never includes a password)."""

    @abstractmethod
    def ping(self) -> None:
        """Raise ``DatabaseUnreachable`` if the database cannot be used right now."""

    @abstractmethod
    def collection_names(self) -> list[str]:
        """Every collection that holds or held documents."""

    @abstractmethod
    def drop_collection(self, name: str) -> None:
        """Remove a collection and its indexes (restore --force)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def release_thread(self) -> None:  # noqa: B027 (nothing to release unless the adapter keeps per-thread state)
        """Let go of what the calling thread holds (SQLite: its connection) now rather than when the thread ends;
        its next use takes one again."""

    def open_connections(self) -> int | None:
        """Database connections this process holds open now (``fidus doctor``); None where the driver pools
        them out of sight (MongoDB)."""
        return None


@contextmanager
def _transaction_snapshot(store: Store) -> Iterator[datetime | None]:
    with store.transaction():
        yield wall_now()


def check_collection_name(name: str) -> str:
    if not isinstance(name, str) or not _COLLECTION_RE.match(name):
        raise InvalidDocument(f"{name!r} is not a collection name; use lower-case letters, digits and '_'.")
    return name


def normalise_index_fields(fields: Sequence[str | tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    return tuple(parse_sort([(f, 1) if isinstance(f, str) else tuple(f) for f in fields]))  # type: ignore[misc]


NATURAL_KEY_TYPES = (str, int, date, datetime)
_NATURAL_KEY_TYPE_SET = frozenset(NATURAL_KEY_TYPES)


def check_natural_key(key: Sequence[str]) -> tuple[str, ...]:
    """Natural keys are one or more top-level fields."""
    fields = tuple(key)
    if not fields or any(not isinstance(k, str) or not k.isidentifier() for k in fields):
        raise InvalidDocument(f"A natural key is one or more top-level field names, not {key!r}.")
    return fields


def natural_keys(docs: Sequence[Document], key: tuple[str, ...], collection: str) -> list[tuple[Any, ...]]:
    """Each document's natural key, in the order of ``docs``, checked before anything is written.

    Read and type-checked a field at a time (bulk MT5 syncs pass 100,000 documents).
    """
    columns = [[doc.get(field) for doc in docs] for field in key]
    keys = list(zip(*columns, strict=True))
    if not _NATURAL_KEY_TYPE_SET.issuperset(set(map(type, chain.from_iterable(columns)))):
        bad = next(values for values in keys if not _NATURAL_KEY_TYPE_SET.issuperset(map(type, values)))
        raise InvalidDocument(
            f"Every {collection} record needs text, a whole number or a date in {', '.join(key)}; got {bad!r}."
        )
    return keys


def encode_by_key(
    docs: Sequence[Document], keys: Sequence[tuple[Any, ...]], encode: Callable[[Document], Any]
) -> dict[tuple[Any, ...], tuple[Document, Any]]:
    """Every document encoded before anything is written, by its natural key (``natural_keys``); the last copy
    of a key wins, at the first copy's place."""
    return {values: (doc, encode(doc)) for values, doc in zip(keys, docs, strict=True)}


def not_found(collection: str, doc_id: str) -> NotFound:
    return NotFound(f"No {collection} record with id {doc_id}; it may have been deleted by someone else.")


def stale(collection: str, doc_id: str, stored_version: int | None, expected_version: int | None) -> Exception:
    """The error for a versioned write that matched nothing: the record is gone, or someone changed it."""
    if stored_version is None:
        return not_found(collection, doc_id)
    return ConcurrencyError(
        f"This {collection} record was changed by someone else (version {stored_version}, you edited version "
        f"{expected_version}). Reload it and apply your change again."
    )


def check_update(changes: Document, unset: Sequence[str]) -> tuple[str, ...]:
    """Validate an ``update`` call; return the fields to remove (a field both set and unset is set)."""
    if type(changes) is not dict:
        raise InvalidDocument(f"update() takes a dict of changes, not {type(changes).__name__}.")
    if "_id" in changes or "version" in changes or "_id" in unset or "version" in unset:
        raise InvalidDocument("update() cannot change _id or version.")
    if isinstance(unset, str):
        raise InvalidDocument("unset is a list of field names, not one string.")
    return tuple(check_key(k, "") for k in unset if k not in changes)


def projection_fields(projection: Sequence[str]) -> set[str]:
    """The top-level fields a projection keeps (always with ``_id`` and ``version``)."""
    if isinstance(projection, str):
        raise InvalidFilter("A projection is a list of field names, not one string.")
    for name in projection:
        if not isinstance(name, str) or not name.isidentifier():
            raise InvalidFilter(f"Projections keep whole top-level fields; {name!r} is not a top-level field name.")
    return {*projection, "_id", "version"}
