"""The embedded SQLite adapter: one file, WAL journal, one connection per thread (pooled), one writer at a time.

Each collection is a table ``c_<name>(id TEXT PRIMARY KEY, version INTEGER, doc TEXT)`` holding the
document as JSON (``store.codec``). Declared indexes are expression indexes on ``json_extract``.
Writes go through a process-wide writer lock and ``BEGIN IMMEDIATE``, so threads never interleave
half-finished changes; SQLite's journal makes a killed process lose at most the change in flight, never
leave it half-written.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from fidus_desktop.store.codec import document_from_json, document_to_json
from fidus_desktop.store.errors import (
    DatabaseUnreachable,
    DuplicateKey,
    InvalidDocument,
    StorageError,
    read_only_refusal,
)
from fidus_desktop.store.filters import check_path, parse_filter, parse_sort
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
    fresh_ids,
    natural_keys,
    new_id,
    normalise_index_fields,
    projection_fields,
    sorted_groups,
    stale,
)
from fidus_desktop.store.sqlite_bulk import CHUNK_DOCUMENTS, BulkInserter
from fidus_desktop.store.sqlite_checkpoint import Checkpointer
from fidus_desktop.store.sqlite_connections import ConnectionPool
from fidus_desktop.store.sqlite_files import new_private_database
from fidus_desktop.store.sqlite_sql import compile_node, field_sql, order_sql, sql_param

T = TypeVar("T")
BUSY_TIMEOUT_MS = 10_000
UPSERT_CHUNK = 400
CACHE_KIB = 32 * 1024  # per connection


def _fold(value: object) -> str | None:
    return value.casefold() if isinstance(value, str) else None


def _rollback(conn: sqlite3.Connection) -> None:
    """Undo the open transaction. SQLite has already rolled back by itself after some errors (a full disk,
    an I/O error); a second ROLLBACK would then fail with "no transaction is active" and hide the real error."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def translate_error(exc: sqlite3.Error, path: Path) -> StorageError:
    """A driver error as one of ours, with what to do about it."""
    text = str(exc)
    if "disk is full" in text or "disk I/O error" in text:
        return DatabaseUnreachable(
            f"The disk holding {path} is full or failing ({text}); the change was rolled back and nothing was "
            "half-written. Free some space (or move the database), then try again."
        )
    if isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in text:
        return DuplicateKey(f"That value is already used by another record ({text}).")
    if "locked" in text or "busy" in text:
        return DatabaseUnreachable(
            f"The database file {path} is locked by another program. Close other FIDUS windows or tools using "
            "it and try again; nothing was changed."
        )
    if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        return DatabaseUnreachable(
            f"The file {path} is not a readable FIDUS database (it may be corrupt or another kind of file). "
            "It has not been modified. Restore it from a backup (fidus backup restore) or point --db at "
            "another file."
        )
    if isinstance(exc, sqlite3.OperationalError) and ("unable to open" in text or "readonly" in text):
        return DatabaseUnreachable(
            f"The database file {path} cannot be opened for writing ({text}). Check the folder exists and "
            "that you may write to it."
        )
    return StorageError(f"SQLite error on {path}: {text}")


class SqliteStore(Store):
    """A FIDUS database in one SQLite file."""

    backend = "sqlite"

    def __init__(self, path: Path | str, *, read_only: str | None = None) -> None:
        """``read_only``: why the file is opened read-only (it must exist then), or None to open it for writing."""
        self.path = Path(path)
        self.read_only_reason = read_only
        self._writer = threading.RLock()
        self._collections: dict[str, SqliteCollection] = {}
        self._closed = False
        self.connections = ConnectionPool(self._connect)
        self.checkpointer = Checkpointer(self.connections.acquire, self.connections.give_back)
        if read_only is None:
            new_private_database(self.path)
        self.ping()

    @property
    def read_only(self) -> bool:
        return self.read_only_reason is not None

    def _connect_read_only(self) -> sqlite3.Connection:
        """A connection that cannot write. A WAL database in a folder this user may not write to cannot get its
        shared-memory file, so it is then read as immutable (nobody can change it from here either)."""
        uri = self.path.absolute().as_uri()
        problem: sqlite3.Error | None = None
        for options in ("mode=ro", "mode=ro&immutable=1"):
            conn = sqlite3.connect(f"{uri}?{options}", uri=True, isolation_level=None, check_same_thread=False,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError as exc:
                conn.close()
                problem = exc
                continue
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            conn.create_function("fidus_fold", 1, _fold, deterministic=True)
            return conn
        assert problem is not None
        raise problem

    # -- connections -------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self._closed:
            raise DatabaseUnreachable(f"The database {self.path} was closed.")
        try:
            if self.read_only:
                return self._connect_read_only()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise DatabaseUnreachable(f"SQLite refused the WAL journal for {self.path} (got {mode}).")
            conn.execute("PRAGMA synchronous = NORMAL")
            # The default 2 MB page cache misses on nearly every insert into the declared indexes once a
            # collection holds ~100,000 documents (a bulk MT5 sync); this is memory only, not durability
            # (benchmarks/bench_mt5_ingest.py).
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            conn.execute("PRAGMA wal_autocheckpoint = 0")  # the checkpointer thread does it, after the commit
            conn.execute("PRAGMA foreign_keys = ON")
            conn.create_function("fidus_fold", 1, _fold, deterministic=True)
        except sqlite3.Error as exc:
            raise translate_error(exc, self.path) from exc
        except OSError as exc:
            raise DatabaseUnreachable(f"Cannot create the database folder for {self.path}: {exc}") from exc
        return conn

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (taken on first use, handed back when the thread ends)."""
        return self.connections.held().conn

    def release_thread(self) -> None:
        self.connections.release_thread()

    def open_connections(self) -> int:
        return self.connections.open_count

    def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run a read on this thread's connection, translating driver errors."""
        try:
            return fn(self.connection())
        except sqlite3.Error as exc:
            raise translate_error(exc, self.path) from exc

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` inside the current transaction, or in one of its own."""
        with self.transaction():
            return self.run(fn)

    # -- Store -------------------------------------------------------------------------------------
    def in_transaction(self) -> bool:
        return self.connections.held().depth > 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if self.read_only_reason is not None:
            raise read_only_refusal(str(self.path), self.read_only_reason)
        held = self.connections.held()
        conn, depth = held.conn, held.depth
        if depth == 0:
            with self._writer:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                except sqlite3.Error as exc:
                    raise translate_error(exc, self.path) from exc
                held.depth = 1
                try:
                    yield
                except BaseException:
                    _rollback(conn)
                    raise
                else:
                    try:
                        conn.execute("COMMIT")
                    except sqlite3.Error as exc:
                        _rollback(conn)
                        raise translate_error(exc, self.path) from exc
                    self.checkpointer.request()
                finally:
                    held.depth = 0
        else:
            savepoint = f"sp{depth}"
            conn.execute(f"SAVEPOINT {savepoint}")
            held.depth = depth + 1
            try:
                yield
            except BaseException:
                if conn.in_transaction:  # else SQLite already rolled everything back (full disk): keep the cause
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute(f"ROLLBACK TO {savepoint}")
                        conn.execute(f"RELEASE {savepoint}")
                raise
            else:
                conn.execute(f"RELEASE {savepoint}")
            finally:
                held.depth = depth

    @property
    def supports_transactions(self) -> bool:
        return True

    def collection(self, name: str) -> SqliteCollection:
        found = self._collections.get(name)
        if found is None:
            check_collection_name(name)
            table = f"c_{name}"
            if not self.read_only:  # read-only: a missing table reads as empty (SqliteCollection._rows)
                self.write(lambda c: c.execute(self.create_table_sql(table)))
            found = self._collections.setdefault(name, SqliteCollection(self, name, table))
        return found

    @staticmethod
    def create_table_sql(table: str) -> str:
        columns = "id TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL"
        return f'CREATE TABLE IF NOT EXISTS "{table}" ({columns})'

    def describe(self) -> str:
        return f"SQLite {self.path}"

    def ping(self) -> None:
        self.run(lambda c: c.execute("SELECT count(*) FROM sqlite_master").fetchone())

    def collection_names(self) -> list[str]:
        rows = self.run(
            lambda c: c.execute("SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'c\\_%' ESCAPE '\\'")
        ).fetchall()
        return sorted(r[0][2:] for r in rows)

    def drop_collection(self, name: str) -> None:
        check_collection_name(name)
        self.write(lambda c: c.execute(f'DROP TABLE IF EXISTS "c_{name}"'))
        self._collections.pop(name, None)

    def close(self) -> None:
        self.checkpointer.close()
        self._closed = True
        self.connections.close()


class SqliteCollection(Collection):
    """A collection stored as one table."""

    def __init__(self, store: SqliteStore, name: str, table: str) -> None:
        self.store = store
        self.name = name
        self.table = table

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query; a table not created yet (or whose creation was rolled back) reads as empty."""

        def read(c: sqlite3.Connection) -> list[tuple[Any, ...]]:
            try:
                return c.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                if str(exc) == f"no such table: {self.table}":
                    return []
                raise

        return self.store.run(read)

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in a transaction, creating the table first: a rolled-back transaction may have dropped it."""

        def write(c: sqlite3.Connection) -> T:
            c.execute(self.store.create_table_sql(self.table))
            return fn(c)

        return self.store.write(write)

    def insert(self, doc: Document) -> Document:
        doc_id = check_id(doc.get("_id") or new_id())
        text = document_to_json(doc)
        self._write(lambda c: c.execute(f'INSERT INTO "{self.table}" VALUES (?, 1, ?)', (doc_id, text)))
        return document_from_json(text, doc_id, 1)

    def insert_many(self, docs: Sequence[Document]) -> list[str]:
        fresh = fresh_ids(max(1, min(len(docs), 1024)))
        rows = [(check_id(d["_id"]) if "_id" in d else next(fresh), document_to_json(d)) for d in docs]
        self._write(lambda c: c.executemany(f'INSERT INTO "{self.table}" VALUES (?, 1, ?)', rows))
        return [r[0] for r in rows]

    def load_many(self, docs: Sequence[Document]) -> None:
        rows = [(check_id(d.get("_id")), check_version(d.get("version")), document_to_json(d)) for d in docs]
        self._write(lambda c: c.executemany(f'INSERT INTO "{self.table}" VALUES (?, ?, ?)', rows))

    def get(self, doc_id: str) -> Document | None:
        rows = self._rows(f'SELECT id, version, doc FROM "{self.table}" WHERE id = ?', (check_id(doc_id),))
        return document_from_json(rows[0][2], rows[0][0], rows[0][1]) if rows else None

    def find(
        self,
        filter: Filter | None = None,
        *,
        sort: Sort | None = None,
        limit: int | None = None,
        skip: int = 0,
        projection: Sequence[str] | None = None,
    ) -> list[Document]:
        where, params = compile_node(parse_filter(filter))
        sql = f'SELECT id, version, doc FROM "{self.table}" WHERE {where}{order_sql(parse_sort(sort))}'
        if limit is not None or skip:
            sql += " LIMIT ? OFFSET ?"
            params = [*params, -1 if limit is None else int(limit), int(skip)]
        docs = [document_from_json(text, i, v) for i, v, text in self._rows(sql, params)]
        if projection is not None:
            keep = projection_fields(projection)
            docs = [{k: v for k, v in d.items() if k in keep} for d in docs]
        return docs

    def count(self, filter: Filter | None = None) -> int:
        where, params = compile_node(parse_filter(filter))
        rows = self._rows(f'SELECT count(*) FROM "{self.table}" WHERE {where}', params)
        return rows[0][0] if rows else 0

    def group_totals(self, filter: Filter | None, by: Sequence[str], total: str) -> list[GroupTotal]:
        """GROUP BY in SQL; each group's amounts come back as their stored JSON text (``->`` keeps ``12.50``
        exactly, where SQL's SUM would add binary floats) and are added as Decimals."""
        where, params = compile_node(parse_filter(filter))
        keys = [f"doc -> '$.{check_path(f)}'" for f in by]
        grouped = ", ".join(keys) or "NULL"
        sql = (f"SELECT {', '.join([*keys, ''])}count(*), group_concat(doc -> '$.{check_path(total)}', ' ') "
               f'FROM "{self.table}" WHERE {where} GROUP BY {grouped}')
        groups = []
        for row in self._rows(sql, params):
            key = tuple(None if v is None else json.loads(v) for v in row[: len(by)])
            amounts = (row[-1] or "").split()
            groups.append(GroupTotal(key, row[-2], sum((Decimal(a) for a in amounts if a != "null"), Decimal(0))))
        return sorted_groups(groups)

    def _store_changed(self, doc_id: str, text: str, expected_version: int) -> Document:
        def change(c: sqlite3.Connection) -> None:
            cur = c.execute(
                f'UPDATE "{self.table}" SET doc = ?, version = version + 1 WHERE id = ? AND version = ?',
                (text, doc_id, expected_version),
            )
            if cur.rowcount == 0:
                self._raise_stale(c, doc_id, expected_version)

        self._write(change)
        return document_from_json(text, doc_id, expected_version + 1)

    def _raise_stale(self, c: sqlite3.Connection, doc_id: str, expected_version: int) -> None:
        row = c.execute(f'SELECT version FROM "{self.table}" WHERE id = ?', (doc_id,)).fetchone()
        raise stale(self.name, doc_id, None if row is None else row[0], expected_version)

    def update(
        self, doc_id: str, changes: Document, *, expected_version: int, unset: Sequence[str] = ()
    ) -> Document:
        check_id(doc_id)
        unset = check_update(changes, unset)
        with self.store.transaction():
            current = self.require(doc_id)
            if current["version"] != expected_version:
                self._raise_stale(self.store.connection(), doc_id, expected_version)
            merged = {k: v for k, v in current.items() if k not in unset}
            merged.update(changes)
            return self._store_changed(doc_id, document_to_json(merged), expected_version)

    def replace(self, doc: Document) -> Document:
        doc_id = check_id(doc.get("_id"))
        version = doc.get("version")
        if not isinstance(version, int):
            raise InvalidDocument("replace() needs the version that was read.")
        return self._store_changed(doc_id, document_to_json(doc), version)

    def delete(self, doc_id: str, *, expected_version: int | None = None) -> None:
        check_id(doc_id)

        def remove(c: sqlite3.Connection) -> None:
            if expected_version is None:
                cur = c.execute(f'DELETE FROM "{self.table}" WHERE id = ?', (doc_id,))
            else:
                cur = c.execute(
                    f'DELETE FROM "{self.table}" WHERE id = ? AND version = ?', (doc_id, expected_version)
                )
            if cur.rowcount == 0:
                self._raise_stale(c, doc_id, expected_version or 0)

        self._write(remove)

    def upsert_many(self, docs: Sequence[Document], key: Sequence[str]) -> UpsertResult:
        key = check_natural_key(key)
        keys = natural_keys(docs, key, self.name)
        latest = list(dict(zip(keys, docs, strict=True)).items())  # the last copy of a key, at the first's place
        # Each key as SQLite returns it (tagged date text), converted once: it is compared, bound and looked up.
        sql_keys = [tuple(map(sql_param, values)) for values, _ in latest]
        result = UpsertResult()
        ids: dict[tuple[Any, ...], str] = {}
        fresh = fresh_ids()

        def apply(c: sqlite3.Connection) -> None:
            existing = self._existing(c, key, sql_keys)
            updates: list[tuple[str, str]] = []

            def new_rows(start: int) -> list[tuple[str, str]]:
                """Encode one chunk, note each document's id, queue the changed ones; the (id, text) to insert."""
                stop = start + CHUNK_DOCUMENTS
                chunk = latest[start:stop]
                texts = list(map(document_to_json, [doc for _, doc in chunk]))
                inserts: list[tuple[str, str]] = []
                for sql_key, (values, doc), text in zip(sql_keys[start:stop], chunk, texts, strict=True):
                    found = existing.get(sql_key)
                    if found is None:
                        doc_id = check_id(doc["_id"]) if "_id" in doc else next(fresh)
                        inserts.append((doc_id, text))
                    elif found[1] == text:
                        doc_id = found[0]
                    else:
                        doc_id = found[0]
                        updates.append((text, doc_id))
                    ids[values] = doc_id
                return inserts

            # Chunk by chunk: encoding one chunk (Python) overlaps with inserting the one before (sqlite_bulk).
            with BulkInserter(c, self.table, background=len(latest) > CHUNK_DOCUMENTS) as inserter:
                for start in range(0, len(latest), CHUNK_DOCUMENTS):
                    inserter.add(new_rows(start))
            c.executemany(f'UPDATE "{self.table}" SET doc = ?, version = version + 1 WHERE id = ?', updates)
            result.inserted, result.updated = inserter.inserted, len(updates)
            result.unchanged = len(latest) - result.inserted - result.updated

        self._write(apply)
        result.ids = [ids[values] for values in keys]
        return result

    def _existing(
        self, c: sqlite3.Connection, key: tuple[str, ...], wanted: list[tuple[Any, ...]]
    ) -> dict[tuple[Any, ...], tuple[str, str]]:
        """Stored (id, text) by natural key (as ``sql_param`` gives it), a chunk of keys per query (IN lists use
        the index)."""
        found: dict[tuple[Any, ...], tuple[str, str]] = {}
        columns = ", ".join(field_sql(k) for k in key)
        for start in range(0, len(wanted), UPSERT_CHUNK):
            chunk = wanted[start : start + UPSERT_CHUNK]
            clauses, params = [], []
            for i, k in enumerate(key):
                distinct = list(dict.fromkeys(values[i] for values in chunk))
                clauses.append(f"{field_sql(k)} IN ({', '.join('?' * len(distinct))})")
                params.extend(distinct)
            sql = f'SELECT id, doc, {columns} FROM "{self.table}" WHERE {" AND ".join(clauses)}'
            for row in c.execute(sql, params):
                found[tuple(row[2:])] = (row[0], row[1])
        return found

    def ensure_index(self, fields: Sequence[str | tuple[str, int]], *, unique: bool = False) -> IndexSpec:
        spec = IndexSpec(normalise_index_fields(fields), unique)
        columns = ", ".join(f"{field_sql(p)} {'ASC' if d == 1 else 'DESC'}" for p, d in spec.fields)
        name = f"{self.table}_{spec.name}"
        if self.store.read_only:
            return spec  # declared, not created: reads work without it (and the file may not be changed)
        self._write(
            lambda c: c.execute(
                f'CREATE {"UNIQUE " if unique else ""}INDEX IF NOT EXISTS "{name}" ON "{self.table}" ({columns})'
            )
        )
        return spec

    def iter_all(self, batch_size: int = 1000) -> Iterator[Document]:
        last = ""
        while True:
            rows = self._rows(
                f'SELECT id, version, doc FROM "{self.table}" WHERE id > ? ORDER BY id LIMIT ?', (last, batch_size)
            )
            for doc_id, version, text in rows:
                yield document_from_json(text, doc_id, version)
            if len(rows) < batch_size:
                return
            last = rows[-1][0]
