"""Pausing Python's cyclic garbage collector around bulk work that allocates many acyclic objects.

A 100,000-deal poll builds hundreds of thousands of dicts, tuples and strings that cannot form cycles, yet each
allocation counts towards a collection and each full collection re-scans everything alive, the batch included:
on a first MT5 sync that is a second of pure overhead (benchmarks/bench_mt5_ingest.py). Reference counting still
frees everything as usual; only the cycle search waits until the last pause ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_state = {"pausers": 0, "resume": False}  # how many pauses are open; whether the collector was on before them


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the collector off; safe to nest and to use from several threads at once.

    The collector comes back on when the last open pause ends, and only if it was on when the first began.
    """
    with _lock:
        if _state["pausers"] == 0:
            _state["resume"] = gc.isenabled()
            gc.disable()
        _state["pausers"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["pausers"] -= 1
            if _state["pausers"] == 0 and _state["resume"]:
                gc.enable()
