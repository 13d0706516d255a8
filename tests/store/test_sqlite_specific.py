"""What only the SQLite adapter has: a file, its journal, its locks and its query planner."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fidus_desktop.store import sqlite as sqlite_module
from fidus_desktop.store.errors import ConcurrencyError, DatabaseUnreachable
from fidus_desktop.store.filters import parse_filter
from fidus_desktop.store.sqlite import SqliteStore
from fidus_desktop.store.sqlite_sql import compile_node, order_sql


@pytest.fixture
def db(tmp_path: Path) -> SqliteStore:
    store = SqliteStore(tmp_path / "fidus.db")
    yield store
    store.close()


def test_wal_journal_is_on(db: SqliteStore) -> None:
    assert db.connection().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.describe() == f"SQLite {db.path}"


def test_a_corrupt_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "fidus.db"
    garbage = os.urandom(64) + b"this is not an SQLite database" * 200
    path.write_bytes(garbage)
    with pytest.raises(DatabaseUnreachable, match=r"not a readable FIDUS database.*not been modified"):
        SqliteStore(path)
    assert path.read_bytes() == garbage


def test_a_locked_database_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_module, "BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "fidus.db"
    SqliteStore(path).close()  # create it (WAL)

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store = SqliteStore(path)
        with pytest.raises(DatabaseUnreachable, match=r"locked by another program.*nothing was changed"):
            store.collection("deals").insert({"n": 1})
        store.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


CRASHING_WRITER = textwrap.dedent(
    """
    import sys, time
    from fidus_desktop.store.sqlite import SqliteStore
    store = SqliteStore(sys.argv[1])
    store.collection("deals").insert({"_id": "committed"})
    with store.transaction():
        store.collection("deals").insert_many([{"n": i} for i in range(500)])
        store.collection("audit").insert({"half": True})
        print("written", flush=True)
        time.sleep(60)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_process_leaves_no_partial_change(tmp_path: Path) -> None:
    path = tmp_path / "fidus.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASHING_WRITER, str(path)], stdout=subprocess.PIPE, text=True, cwd=Path.cwd()
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "written"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    store = SqliteStore(path)
    try:
        assert [d["_id"] for d in store.collection("deals").find()] == ["committed"]
        assert store.collection("audit").count() == 0
    finally:
        store.close()


def test_concurrent_writers_lose_no_update(db: SqliteStore) -> None:
    counter = db.collection("counters").insert({"n": 0})
    errors: list[BaseException] = []

    def bump(times: int) -> None:
        coll = db.collection("counters")
        try:
            for _ in range(times):
                while True:
                    current = coll.require(counter["_id"])
                    try:
                        coll.update(counter["_id"], {"n": current["n"] + 1}, expected_version=current["version"])
                        break
                    except ConcurrencyError:
                        continue
        except BaseException as exc:  # any "database is locked" would land here
            errors.append(exc)

    threads = [threading.Thread(target=bump, args=(25,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    final = db.collection("counters").require(counter["_id"])
    assert final["n"] == 100
    assert final["version"] == 101


def test_indexed_range_query_uses_the_index(db: SqliteStore) -> None:
    deals = db.collection("deals")
    deals.ensure_index(["time"])
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    deals.insert_many([{"time": t0 + timedelta(hours=i)} for i in range(3000)])
    where, params = compile_node(parse_filter({"time": {"$gte": t0, "$lt": t0 + timedelta(days=7)}}))
    sql = f'SELECT id, version, doc FROM "c_deals" WHERE {where}{order_sql([("time", -1)])} LIMIT 100'  # noqa: S608
    conn = db.connection()
    plan = " | ".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
    assert "USING INDEX c_deals_ix_time" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # the index also gives the order

    def steps(query: str, args: list) -> int:
        """SQLite VM steps (in hundreds): the window must be found by its bounds, not by walking the index."""
        count = [0]
        conn.set_progress_handler(lambda: count.__setitem__(0, count[0] + 1), 100)
        try:
            conn.execute(query, args).fetchall()
        finally:
            conn.set_progress_handler(None, 100)
        return count[0]

    # The oldest week costs what the newest does: the window's bounds, not the whole index, limit the scan.
    t_end = t0 + timedelta(hours=3000)
    late_where, late_params = compile_node(parse_filter({"time": {"$gte": t_end - timedelta(days=7), "$lt": t_end}}))
    late_sql = sql.replace(where, late_where)
    assert steps(sql, params) < 3 * steps(late_sql, late_params) + 5
    newest = deals.find({"time": {"$gte": t0, "$lt": t0 + timedelta(days=7)}}, sort=[("time", -1)], limit=100)
    assert newest[0]["time"] == t0 + timedelta(hours=167)


def test_decimals_are_stored_exactly_but_compared_as_doubles(db: SqliteStore) -> None:
    """Documented in docs/STORAGE.md: beyond ~15 significant digits, query equality is approximate."""
    coll = db.collection("amounts")
    stored = coll.insert({"x": Decimal("1.00000000000000000001")})
    assert coll.require(stored["_id"])["x"] == Decimal("1.00000000000000000001")
    assert coll.count({"x": Decimal("1")}) == 1  # MongoDB (Decimal128) would say 0
