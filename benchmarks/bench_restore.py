"""Restoring documents with long histories: ``load_many`` (each document at its archived version, one write per
batch) against the previous way, inserting at version 1 and replaying ``version - 1`` empty updates.

The MT5 sync state gains a version per poll, about 17,000 a day per account, so a restore of an office that has
polled for a week carries documents at version ~120,000. Measured on SQLite (wall-clock seconds, same run, same
archive) and, for MongoDB, as driver calls on the strict replica-set double (tests/store/strict_mongo.py), since
no server is available here: on a server each call is a round trip, and the previous way's calls all ran
inside one transaction that the server aborts after 60 s.

    uv run python benchmarks/bench_restore.py   # rewrites the "Restore" section of docs/PERFORMANCE.md
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from perf_doc import write_section

from fidus_desktop.security.backup_format import write_backup
from fidus_desktop.security.crypto import ScryptParams
from fidus_desktop.services.backup import restore_backup
from fidus_desktop.store.port import Document, Store
from fidus_desktop.store.sqlite import SqliteStore
from tests.store.strict_mongo import strict_store

ACCOUNTS = 3
VERSION = 17_000 * 7  # a week of polling
OTHER_DOCUMENTS = 5_000  # deals at version 1 alongside
PASSPHRASE = "benchmark passphrase only"
CHEAP = ScryptParams(n=2**4, r=1, p=1)


def documents() -> list[tuple[str, list[Document]]]:
    states = [{"_id": f"state-{n}", "login": 5_000_000 + n, "watermark": 2**40, "version": VERSION}
              for n in range(ACCOUNTS)]
    deals = [{"_id": f"deal-{n:06d}", "login": 5_000_000, "ticket": 3_000_000_000 + n, "version": 1}
             for n in range(OTHER_DOCUMENTS)]
    return [("mt5_deals", deals), ("mt5_sync_state", states)]


def replay_versions(into: Store, archived: list[tuple[str, list[Document]]]) -> None:
    """The previous restore: insert at version 1, then ``version - 1`` empty updates, one transaction per batch."""
    for name, docs in archived:
        collection = into.collection(name)
        for start in range(0, len(docs), 500):
            batch = docs[start : start + 500]
            with into.transaction():
                collection.insert_many([{k: v for k, v in d.items() if k != "version"} for d in batch])
                for doc in batch:
                    for version in range(1, doc["version"]):
                        collection.update(doc["_id"], {}, expected_version=version)


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main() -> None:
    archived = documents()
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        archive = folder / "office.fidusbak"
        write_backup(archive, PASSPHRASE, archived, kdf=CHEAP, created_at=datetime.now(UTC))
        new = SqliteStore(folder / "new.db")
        new_seconds = timed(lambda: restore_backup(archive, PASSPHRASE, new))
        assert new.collection("mt5_sync_state").require("state-0")["version"] == VERSION
        new.close()
        old = SqliteStore(folder / "old.db")
        old_seconds = timed(lambda: replay_versions(old, archived))
        old.close()
        with strict_store("restored") as target:
            restore_backup(archive, PASSPHRASE, target)
            calls = sum(n for op, n in target.client.calls.items() if op not in ("ping", "hello"))
    batches = -(-OTHER_DOCUMENTS // 500) + 1
    old_calls = batches + ACCOUNTS * (VERSION - 1)  # one insert_many per batch + one find_one_and_update per version
    body = f"""`uv run python benchmarks/bench_restore.py`: {OTHER_DOCUMENTS:,} deals at version 1 and {ACCOUNTS} MT5
sync states at version {VERSION:,} (a week of polling), restored from one archive. Baseline: the previous restore
(insert at version 1, then `version - 1` empty updates per document), same run.

| | previous restore | `load_many` |
|---|---|---|
| SQLite, wall-clock | {old_seconds:.1f} s | {new_seconds:.2f} s |
| MongoDB, driver calls (strict double; each a round trip on a server) | {old_calls:,} (in transactions \
the server aborts after 60 s) | {calls} |

A restored document now costs the same whatever its version (`tests/keys_backup/test_backup_mongo.py` asserts
equal driver calls for versions 1 and 100,000).
"""
    write_section("Restore", body)
    print(body)


if __name__ == "__main__":
    main()
