"""SQLite connections: one per thread while the thread uses the store, handed back when the thread ends.

A thread's connection lives in a holder kept in a ``threading.local``. When the thread's Python state goes
away, so does the holder, and a finaliser hands the connection back: to a small pool of idle connections that
the next thread takes over (page cache trimmed), or closed once the pool is full. This matters because threads
end all day without saying so: a ``QThreadPool`` job runs on a Qt thread whose Python state is created for the
job and cleared after it, idle pool threads expire after 30 s, CLI worker pools end. Before this, each of them
left an open connection behind in the store's registry: +26 file handles and +6 MB a minute in an idle window
(issue 17). Now the open connections are at most the threads inside a job plus ``MAX_IDLE``.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import weakref
from collections.abc import Callable

MAX_IDLE = 4  # idle connections kept for the next thread; beyond these a handed-back connection is closed


class Held:
    """The calling thread's connection and how deep it is inside ``transaction()``."""

    __slots__ = ("__weakref__", "conn", "depth")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.depth = 0


class ConnectionPool:
    """Every open connection of one store: those held by live threads and a few idle ones."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], max_idle: int = MAX_IDLE) -> None:
        self._connect = connect
        self.max_idle = max_idle
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[sqlite3.Connection] = set()
        self._idle: list[sqlite3.Connection] = []
        self._closed = False
        self.opened = 0  # connections ever opened (diagnostics and tests: reuse keeps this low)

    @property
    def open_count(self) -> int:
        """Connections open now (``fidus doctor`` shows it: a number that keeps growing is a leak)."""
        with self._lock:
            return len(self._open)

    def held(self) -> Held:
        """The calling thread's holder, taking a connection on first use."""
        held: Held | None = getattr(self._local, "held", None)
        if held is None:
            held = Held(self.acquire())
            finalizer = weakref.finalize(held, _hand_back, weakref.ref(self), held.conn)
            finalizer.atexit = False  # at exit, close() or the process end closes it
            self._local.held = held
        return held

    def release_thread(self) -> None:
        """Hand the calling thread's connection back now (never inside its open transaction)."""
        held: Held | None = getattr(self._local, "held", None)
        if held is not None and held.depth == 0:
            self._local.held = None  # the finaliser runs as the holder goes

    def acquire(self) -> sqlite3.Connection:
        """An idle connection, or a new one (for a thread that manages its own, like the checkpointer)."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
        conn = self._connect()
        with self._lock:
            self._open.add(conn)
            self.opened += 1
        return conn

    def give_back(self, conn: sqlite3.Connection) -> None:
        """Keep ``conn`` for the next thread if there is room, else close it (a closed store closed it already)."""
        with self._lock:
            keep = not self._closed and conn in self._open and len(self._idle) < self.max_idle
            if keep:
                self._idle.append(conn)
        if not keep:
            self.discard(conn)
            return
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:  # a thread that ended inside a transaction: what it did is not kept
                conn.rollback()
            conn.execute("PRAGMA shrink_memory")  # an idle connection keeps no page cache

    def discard(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            self._open.discard(conn)
            if conn in self._idle:
                self._idle.remove(conn)
        with contextlib.suppress(sqlite3.Error):
            conn.close()

    def close(self) -> None:
        """Close every connection, idle or held (the store is closing)."""
        with self._lock:
            self._closed = True
            conns, self._open, self._idle = list(self._open), set(), []
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()


def _hand_back(pool_ref: weakref.ref[ConnectionPool], conn: sqlite3.Connection) -> None:
    """The finaliser of a thread's holder; runs on that thread as its state is cleared, so it only locks and
    appends (or closes)."""
    pool = pool_ref()
    if pool is None:
        with contextlib.suppress(sqlite3.Error):
            conn.close()
    else:
        pool.give_back(conn)
