"""Inserting a bulk upsert's new rows while the next chunk is being encoded.

Encoding documents is Python work that holds the GIL; inserting rows is SQLite work that need not. One
``INSERT … SELECT … FROM json_each(?)`` stores a whole chunk in a single SQLite step, during which the sqlite3
module releases the GIL, so on a helper thread it runs alongside the caller encoding the next chunk (``executemany``
takes the GIL back for every row and could not). A 100,000-deal MT5 poll uses both cores this way
(benchmarks/bench_mt5_ingest.py). The stored text is byte-for-byte the encoder's: ``json_each`` returns each
element's original text (tests/store/test_sqlite_bulk.py).

The caller's transaction covers every chunk: an error in a later chunk rolls back the earlier ones too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import partial
from types import TracebackType

CHUNK_DOCUMENTS = 10_000  # documents encoded, then inserted, at a time
MAX_STATEMENT_CHARS = 64_000_000  # far below SQLite's 1 GB text limit, however large single documents are

Row = tuple[str, str]  # (id, JSON text)


class BulkInserter:
    """Inserts rows a chunk per statement on ``conn``, on one helper thread when ``background`` is set.

    At most one statement is in flight; ``add`` waits for the previous one first, so the caller never uses the
    connection at the same time as the helper, and an insert's error (e.g. a duplicate key written meanwhile by
    another workstation) is raised by the next ``add`` or on leaving the ``with`` block.
    """

    def __init__(self, conn: sqlite3.Connection, table: str, *, background: bool) -> None:
        self._conn = conn
        self._table = table
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="sqlite-bulk") if background else None
        self._pending: Future[object] | None = None
        self.inserted = 0

    def add(self, rows: Sequence[Row]) -> None:
        for piece in _pieces(rows):
            statement = self._statement(piece)
            self._wait()
            if self._pool is None:
                statement()
            else:
                self._pending = self._pool.submit(statement)
            self.inserted += len(piece)

    def _statement(self, rows: Sequence[Row]) -> Callable[[], object]:
        """One ``json_each`` insert; ids of one width (every generated id) are cut from one blob by byte position
        (``substr`` of text would count characters from the start for every row)."""
        ids, texts = zip(*rows, strict=True)
        encoded = [doc_id.encode() for doc_id in ids]
        widths = set(map(len, encoded))
        if len(widths) != 1:  # ids given by the caller, of several lengths: row by row
            return partial(self._conn.executemany, f'INSERT INTO "{self._table}" VALUES (?, 1, ?)', rows)
        width = widths.pop()
        sql = (f'INSERT INTO "{self._table}" '
               f"SELECT CAST(substr(?2, key * {width} + 1, {width}) AS TEXT), 1, value FROM json_each(?1)")
        return partial(self._conn.execute, sql, ("[" + ",".join(texts) + "]", b"".join(encoded)))

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> BulkInserter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                self._wait()
            elif self._pending is not None:
                wait([self._pending])  # the caller rolls back: never while the helper still uses the connection
        finally:
            if self._pool is not None:
                self._pool.shutdown()


def _pieces(rows: Sequence[Row], limit: int = MAX_STATEMENT_CHARS) -> Iterator[Sequence[Row]]:
    """``rows`` in consecutive slices of at most ``limit`` characters of text (at least one row each)."""
    start = size = 0
    for i, (_, text) in enumerate(rows):
        if size and size + len(text) > limit:
            yield rows[start:i]
            start, size = i, 0
        size += len(text)
    if start < len(rows):
        yield rows[start:]
