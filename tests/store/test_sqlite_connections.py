"""No SQLite connection outlives its thread (issue 17): threads that end hand their connection back."""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PySide6.QtCore import QRunnable, QThreadPool

from fidus_desktop.store.sqlite import SqliteStore
from fidus_desktop.store.sqlite_connections import MAX_IDLE


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "fidus.db")
    store.collection("c").insert({"n": 1})
    yield store
    store.close()


def bound(db: SqliteStore) -> int:
    """This thread's connection, the checkpoint thread's while it runs, and the idle ones."""
    return 1 + int(db.checkpointer.running) + MAX_IDLE


def read_once(db: SqliteStore) -> None:
    assert db.collection("c").count({}) == 1


def test_many_short_lived_threads_leave_no_connection_behind(db: SqliteStore) -> None:
    for _ in range(200):
        thread = threading.Thread(target=read_once, args=(db,))
        thread.start()
        thread.join()
    gc.collect()
    assert db.open_connections() <= bound(db)
    assert db.connections.opened <= bound(db)  # each thread takes over the idle connection of the one before


def test_worker_pools_that_end_leave_at_most_the_idle_connections(db: SqliteStore) -> None:
    for _ in range(20):
        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(lambda _: read_once(db), range(30)))
    gc.collect()
    assert db.open_connections() <= bound(db)


class Job(QRunnable):
    def __init__(self, db: SqliteStore) -> None:
        super().__init__()
        self.db = db

    def run(self) -> None:
        read_once(self.db)


def test_qt_pool_jobs_with_short_expiry_keep_connections_bounded(db: SqliteStore, qapp: object) -> None:
    """Each job on a Qt pool thread runs in a Python thread state made for it; threads also expire."""
    pool = QThreadPool()
    pool.setMaxThreadCount(3)
    pool.setExpiryTimeout(5)  # ms: threads end between batches, as the GUI's do after 30 s
    for _ in range(20):
        for _ in range(15):
            pool.start(Job(db))
        assert pool.waitForDone(10_000)
        threading.Event().wait(0.02)
    gc.collect()
    assert db.open_connections() <= bound(db)
    assert db.connections.opened <= bound(db) + 3  # at most the three busy pool threads beyond the idle ones


def test_release_thread_hands_back_but_never_inside_a_transaction(db: SqliteStore) -> None:
    held: list[sqlite3.Connection] = []

    def worker() -> None:
        held.append(db.connection())
        with db.transaction():
            db.release_thread()  # inside its own transaction: kept
            assert db.connection() is held[0]
        db.release_thread()
        assert db.connections.held().conn is held[0]  # taken again from the idle pool

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    gc.collect()
    assert held[0] in db.connections._idle


def test_a_full_idle_pool_closes_what_is_handed_back(tmp_path: Path) -> None:
    db = SqliteStore(tmp_path / "fidus.db")
    db.connections.max_idle = 1
    barrier = threading.Barrier(3)
    conns: list[sqlite3.Connection] = []

    def worker() -> None:
        conns.append(db.connection())
        barrier.wait()  # all three hold a connection at once

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    gc.collect()
    still_open = [conn for conn in conns if is_open(conn)]
    assert len(still_open) == 1  # kept idle; the other two were closed
    db.close()
    assert db.open_connections() == 0
    assert not is_open(still_open[0])


def is_open(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("SELECT 1")
    except sqlite3.ProgrammingError:
        return False
    return True
