"""Contract: concurrent writers get ``ConcurrencyError`` or a transparent retry, never a generic error.

Runs on SQLite, on the strict replica-set double and on a real MongoDB when ``FIDUS_TEST_MONGODB_URI`` is set
(where the conflicts are real: two open transactions writing one document, or the audit log's next ``seq``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from fidus_desktop.services.actor import Actor
from fidus_desktop.services.audit import AuditLog
from fidus_desktop.store.errors import ConcurrencyError
from fidus_desktop.store.mongo import MongoStore
from fidus_desktop.store.port import Store


def run_together(store: Store, jobs: list[Callable[[], object]]) -> list[object]:
    """Run ``jobs`` on threads started together; each result, or the exception it raised. Each thread lets go
    of its connection before it ends (issue 17)."""
    results: list[object] = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = jobs[i]()
        except Exception as exc:  # collected and checked by the test
            results[i] = exc
        finally:
            store.release_thread()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_threads_editing_one_document_one_wins_and_one_is_told(store: Store) -> None:
    funds = store.collection("funds")
    fund = funds.insert({"name": "Core"})

    def edit(name: str) -> Callable[[], object]:
        def change() -> object:
            with store.transaction():
                return funds.update(fund["_id"], {"name": name}, expected_version=1)

        return change

    results = run_together(store, [edit("A"), edit("B")])
    won = [r for r in results if isinstance(r, dict)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1
    assert len(lost) == 1
    assert isinstance(lost[0], ConcurrencyError), repr(lost[0])
    assert funds.require(fund["_id"])["name"] == won[0]["name"]
    assert funds.require(fund["_id"])["version"] == 2


def test_concurrent_audit_appenders_all_land_on_one_chain(store: Store) -> None:
    audit = AuditLog(store, lambda: datetime(2026, 3, 2, tzinfo=UTC))
    audit.ensure_indexes()
    actor = Actor.system("test")
    if isinstance(store, MongoStore) and hasattr(store.client, "faults"):
        store.client.faults.write.extend(["WriteConflict", "WriteConflict", "Election"])  # the double's conflicts

    def appender(n: int) -> Callable[[], object]:
        def append() -> object:
            for i in range(5):
                store.atomic(lambda i=i: audit.append(actor, "test.append", "thing", f"{n}-{i}"))
            return n

        return append

    results = run_together(store, [appender(n) for n in range(4)])
    assert results == [0, 1, 2, 3]
    entries = list(audit.entries.find(sort=[("seq", 1)]))
    assert [e["seq"] for e in entries] == list(range(1, 21))
    assert audit.verify().ok


def test_a_transaction_rolled_back_by_the_server_is_a_concurrency_error(store: Store) -> None:
    if not (isinstance(store, MongoStore) and hasattr(store.client, "faults")):
        pytest.skip("conflicts are injected by the strict double only")
    funds = store.collection("funds")
    store.client.faults.write.append("WriteConflict")

    def change() -> None:
        with store.transaction():
            funds.insert({"name": "Core"})

    with pytest.raises(ConcurrencyError, match="Try again"):
        change()
    assert funds.count() == 0
