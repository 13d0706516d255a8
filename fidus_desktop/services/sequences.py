"""Named counters for human-readable numbers (transaction references), taken inside the caller's write.

A number is drawn in the same transaction as the document that carries it, so two entries made at once get
two numbers: SQLite's writer lock serialises them, a MongoDB transaction conflict makes one retry, and on a
server without transactions the version check refuses the loser instead of handing out a number twice.
Numbers of a change that is rolled back are given out again; gaps appear only where a user chose a number.
"""

from __future__ import annotations

from fidus_desktop.store.port import Store

SEQUENCES = "sequences"


def ensure_indexes(store: Store) -> None:
    store.collection(SEQUENCES).ensure_index(["name"], unique=True)


def next_number(store: Store, name: str) -> int:
    """The next number of counter ``name`` (1, 2, 3 …); call inside ``store.transaction()``."""
    counters = store.collection(SEQUENCES)
    current = counters.find_one({"name": name})
    if current is None:
        counters.insert({"name": name, "value": 1})
        return 1
    value = int(current["value"]) + 1
    counters.update(current["_id"], {"value": value}, expected_version=current["version"])
    return value
