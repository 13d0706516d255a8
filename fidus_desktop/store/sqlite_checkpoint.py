"""Write-ahead-log checkpoints on a thread of their own, so a large commit does not wait for one.

SQLite's automatic checkpoint runs inside the COMMIT that takes the log past 1,000 pages: after a 100,000-deal
MT5 poll the poller waited about half a second while the log was copied back into the database file
(benchmarks/bench_mt5_ingest.py). The store turns that off on its connections and asks this thread after each
commit instead. The commit is durable either way (the log is synced at commit); a checkpoint only moves pages.
It is PASSIVE, as SQLite's own is: it never blocks readers or the writer and copies what it can.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

IDLE_EXIT_SECONDS = 30.0  # a store with no commits for this long keeps no thread
MIN_INTERVAL_SECONDS = 0.5  # at most two checkpoints a second, however often the office commits


class Checkpointer:
    """One background thread per store, started on demand and ended when idle or when the store closes."""

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        release: Callable[[sqlite3.Connection], None],
        *,
        idle_exit: float = IDLE_EXIT_SECONDS,
        interval: float = MIN_INTERVAL_SECONDS,
    ) -> None:
        self._connect, self._release = connect, release
        self.idle_exit, self.interval = idle_exit, interval
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self.checkpoints = 0  # how many ran (tests and diagnostics)

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def request(self) -> None:
        """Ask for a checkpoint soon (called after each commit; cheap when one is already pending)."""
        self._wanted.set()
        with self._lock:
            if self._thread is None and not self._closing.is_set():
                self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
                self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread (a checkpoint under way finishes first); SQLite checkpoints when the last connection
        closes anyway."""
        with self._lock:
            self._closing.set()
            thread = self._thread
        self._wanted.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while self._wait_for_request():
                if conn is None:
                    conn = self._connect()
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
                except sqlite3.Error as exc:  # e.g. another process checkpointing: the next request retries
                    log.info("WAL checkpoint skipped: %s", exc)
                self._closing.wait(self.interval)
        except Exception:  # a store that cannot open a connection: SQLite checkpoints at close instead
            log.warning("The WAL checkpoint thread stopped", exc_info=True)
            with self._lock:
                self._thread = None
        finally:
            if conn is not None:
                self._release(conn)

    def _wait_for_request(self) -> bool:
        """Wait for the next request; False when the store closes or nobody asked for ``idle_exit`` seconds."""
        while not self._wanted.wait(self.idle_exit):
            with self._lock:
                if not self._wanted.is_set():  # re-checked under the lock: a request now starts a new thread
                    self._thread = None
                    return False
        self._wanted.clear()
        return not self._closing.is_set()
