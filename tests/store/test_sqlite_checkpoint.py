"""The SQLite store's write-ahead log is checkpointed by a background thread, not inside the commit."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fidus_desktop.store.sqlite import SqliteStore
from fidus_desktop.store.sqlite_checkpoint import Checkpointer


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "fidus.db")
    yield store
    store.close()


def wait_until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def log_frames(path: Path) -> tuple[int, int]:
    """(frames in the log, frames already copied into the database file), asked from a separate connection.

    SQLite answers -1 while another checkpoint holds the log (the store's thread may be running the next one),
    so ask again until it answers."""
    conn = sqlite3.connect(path)
    try:
        found: list[tuple[int, int]] = []

        def answered() -> bool:
            _, logged, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            found.append((logged, copied))
            return logged != -1

        wait_until(answered)
        return found[-1]
    finally:
        conn.close()


def test_commits_do_not_checkpoint_themselves(db: SqliteStore) -> None:
    assert db.connection().execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0


def test_a_large_commit_is_copied_back_by_the_background_thread(db: SqliteStore) -> None:
    before = db.checkpointer.checkpoints
    db.collection("bulk").insert_many([{"n": i, "text": "x" * 200} for i in range(20_000)])
    wait_until(lambda: db.checkpointer.checkpoints > before)
    logged, copied = log_frames(db.path)
    assert logged > 1000  # more than SQLite's own 1,000-page threshold
    assert copied == logged


def test_the_thread_ends_when_idle_and_starts_again_on_the_next_commit(tmp_path: Path) -> None:
    released: list[sqlite3.Connection] = []

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(tmp_path / "x.db", check_same_thread=False)

    checkpointer = Checkpointer(connect, released.append, idle_exit=0.05, interval=0)
    checkpointer.request()
    wait_until(lambda: checkpointer.checkpoints == 1 and len(released) == 1)  # ran, then left, closing its link
    assert not checkpointer.running
    checkpointer.request()
    wait_until(lambda: checkpointer.checkpoints == 2)
    checkpointer.close()


def test_closing_the_store_stops_its_thread(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "fidus.db")
    store.collection("c").insert({"n": 1})
    assert store.checkpointer.running
    store.close()
    assert not store.checkpointer.running
    store.checkpointer.request()  # a late request after close starts nothing
    assert not store.checkpointer.running
