"""What a support person needs to see a leak without tools: this process's memory, threads, handles and
database connections (``fidus doctor``, the About box, ``benchmarks/bench_endurance.py``)."""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass

import psutil

from fidus_desktop.store.port import Store

CONNECTIONS_WARN = 32  # far above what the app needs (threads busy at once plus a few idle): a leak


@dataclass(frozen=True)
class ProcessFigures:
    rss_bytes: int  # resident memory
    open_handles: int  # Windows handles, or open file descriptors elsewhere
    threads: int  # operating-system threads (Qt's and Python's)
    python_threads: int
    database_connections: int | None  # None where the driver pools them out of sight (MongoDB)

    def describe(self) -> str:
        connections = "pooled by the driver" if self.database_connections is None else self.database_connections
        return (f"memory {self.rss_bytes / 2**20:.0f} MB, {self.threads} threads ({self.python_threads} Python), "
                f"{self.open_handles} open handles, database connections: {connections}")


def process_figures(store: Store | None = None) -> ProcessFigures:
    me = psutil.Process()
    with me.oneshot():
        if sys.platform == "win32":  # a platform check the type checker understands (psutil.WINDOWS is not)
            handles = me.num_handles()
        else:
            handles = me.num_fds()
        return ProcessFigures(me.memory_info().rss, handles, me.num_threads(), threading.active_count(),
                              store.open_connections() if store is not None else 0)
