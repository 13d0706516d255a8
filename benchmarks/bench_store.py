"""SQLite adapter: bulk insert, indexed range query and bulk upsert, against raw ``sqlite3`` in the same run.

Run: ``uv run python benchmarks/bench_store.py``. It prints a markdown table and writes the
"## Storage (SQLite adapter)" section of docs/PERFORMANCE.md (other sections are kept).

Fairness: both paths write the same 200,000 deal-like rows into the same table shape
(``id TEXT PRIMARY KEY, version INTEGER, doc TEXT``) with the same PRAGMAs (WAL, synchronous=NORMAL, page cache
size), ids from the same generator, in chunks of 10,000 inside one transaction. The raw path gets its rows already
converted to JSON-ready values (Decimals and date-times as strings, done before the clock starts) and only pays for
``json.dumps`` and ``executemany``; the adapter pays for validation, the lossless codec and its locking.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from perf_doc import replace_section

from fidus_desktop.store.port import new_id
from fidus_desktop.store.sqlite import CACHE_KIB, SqliteStore

ROWS = 200_000
UPSERT_ROWS = 100_000
CHUNK = 10_000
REPEATS = 3
QUERY_RUNS = 20
SEED = 20241128
TARGET_RATIO = 2.0
TARGET_QUERY_MS = 20.0
SECTION = "## Storage (SQLite adapter)"
SYMBOLS = ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "US30", "BTCUSD", "USDCHF", "AUDUSD"]
START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def make_deals(count: int) -> list[dict[str, Any]]:
    """Seeded MT5-like deals, one every 0-5 minutes across about a year."""
    rng = random.Random(SEED)
    deals, when = [], START
    for ticket in range(1, count + 1):
        when += dt.timedelta(seconds=rng.randint(0, 300), microseconds=rng.randint(0, 999_999))
        deals.append(
            {
                "login": 100_000 + rng.randint(0, 19),
                "ticket": ticket,
                "time": when,
                "symbol": rng.choice(SYMBOLS),
                "type": rng.randint(0, 1),
                "volume": Decimal(rng.randint(1, 500)).scaleb(-2),
                "price": Decimal(rng.randint(50_000, 250_000)).scaleb(-5),
                "profit": Decimal(rng.randint(-500_000, 500_000)).scaleb(-2),
                "commission": Decimal(-rng.randint(0, 700)).scaleb(-2),
                "swap": Decimal(rng.randint(-300, 300)).scaleb(-2),
                "comment": f"sl {rng.randint(1, 99)}" if rng.random() < 0.3 else "",
            }
        )
    return deals


def json_ready(deal: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, (Decimal, dt.datetime)) else v) for k, v in deal.items()}


def raw_connection(path: Path) -> sqlite3.Connection:
    """The adapter's PRAGMAs and table shape, without the adapter."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("CREATE TABLE c_deals (id TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL)")
    return conn


def raw_insert(path: Path, ready: list[dict[str, Any]]) -> float:
    conn = raw_connection(path)
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for start in range(0, len(ready), CHUNK):
        rows = [
            (new_id(), json.dumps(r, ensure_ascii=False, separators=(",", ":"))) for r in ready[start : start + CHUNK]
        ]
        conn.executemany("INSERT INTO c_deals VALUES (?, 1, ?)", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def adapter_insert(path: Path, deals: list[dict[str, Any]]) -> float:
    store = SqliteStore(path)
    coll = store.collection("deals")
    started = time.perf_counter()
    with store.transaction():
        for start in range(0, len(deals), CHUNK):
            coll.insert_many(deals[start : start + CHUNK])
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm the page cache and statement cache once
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    deals = make_deals(ROWS)
    ready = [json_ready(d) for d in deals]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        raw_times, adapter_times = [], []
        for i in range(REPEATS):  # alternate, fresh files each time
            raw_times.append(raw_insert(folder / f"raw{i}.db", ready))
            adapter_times.append(adapter_insert(folder / f"adapter{i}.db", deals))
        results["raw_insert"] = statistics.median(raw_times)
        results["adapter_insert"] = statistics.median(adapter_times)

        store = SqliteStore(folder / "adapter0.db")
        coll = store.collection("deals")
        started = time.perf_counter()
        coll.ensure_index(["time"])
        results["index_s"] = time.perf_counter() - started
        window_start = START + dt.timedelta(days=180)
        window = {"time": {"$gte": window_start, "$lt": window_start + dt.timedelta(days=7)}}
        newest = coll.find(window, sort=[("time", -1)], limit=100)
        assert len(newest) == 100
        assert newest[0]["time"] > newest[-1]["time"]
        results["query_ms"] = median_ms(lambda: coll.find(window, sort=[("time", -1)], limit=100), QUERY_RUNS)

        raw = sqlite3.connect(folder / "raw0.db")
        raw.execute("CREATE INDEX ix_time ON c_deals (json_extract(doc, '$.time'))")
        lo, hi = (str(window_start), str(window_start + dt.timedelta(days=7)))
        raw_sql = (
            "SELECT id, version, doc FROM c_deals WHERE json_extract(doc, '$.time') >= ? "
            "AND json_extract(doc, '$.time') < ? ORDER BY json_extract(doc, '$.time') DESC LIMIT 100"
        )
        assert len(raw.execute(raw_sql, (lo, hi)).fetchall()) == 100
        results["raw_query_ms"] = median_ms(
            lambda: [json.loads(d) for _, _, d in raw.execute(raw_sql, (lo, hi)).fetchall()], QUERY_RUNS
        )
        raw.close()

        upserts = store.collection("deals_upsert")
        upserts.ensure_index(["login", "ticket"], unique=True)
        batch = deals[:UPSERT_ROWS]
        started = time.perf_counter()
        first = upserts.upsert_many(batch, ["login", "ticket"])
        results["upsert_first"] = time.perf_counter() - started
        started = time.perf_counter()
        second = upserts.upsert_many(batch, ["login", "ticket"])
        results["upsert_second"] = time.perf_counter() - started
        assert first.inserted == UPSERT_ROWS
        assert second.unchanged == UPSERT_ROWS
        store.close()
    report(results)


def report(r: dict[str, Any]) -> None:
    ratio = r["adapter_insert"] / r["raw_insert"]
    met_ratio = "met" if ratio <= TARGET_RATIO else "MISSED"
    met_query = "met" if r["query_ms"] < TARGET_QUERY_MS else "MISSED"
    adapter_insert = f"{r['adapter_insert']:.2f} s ({ROWS / r['adapter_insert']:,.0f}/s)"
    raw_insert = f"{r['raw_insert']:.2f} s ({ROWS / r['raw_insert']:,.0f}/s)"
    query = f"{r['query_ms']:.2f} ms | {r['raw_query_ms']:.2f} ms | {r['query_ms'] / r['raw_query_ms']:.2f}×"
    section = f"""{SECTION}

{ROWS:,} deal-like documents (login, ticket, aware time, symbol, type, five Decimal amounts, comment), seeded.
Inserts run in chunks of {CHUNK:,} inside one transaction, into a fresh file each time (median of {REPEATS},
the two paths alternating). The raw baseline is `sqlite3.executemany` of `json.dumps` of the same rows with
Decimals and date-times converted to strings beforehand, same table shape, PRAGMAs and id generator; the
adapter also validates every value and writes the lossless codec (tagged UTC date-times, exact Decimals).

| Operation | Adapter | Raw sqlite3 | Ratio |
|---|---:|---:|---:|
| Bulk insert {ROWS:,} (`insert_many`) | {adapter_insert} | {raw_insert} | {ratio:.2f}× |
| 100 newest deals in a one-week window (index on `time`, median of {QUERY_RUNS}) | {query} |
| Create the `time` index on {ROWS:,} documents | {r["index_s"]:.2f} s | | |
| `upsert_many` {UPSERT_ROWS:,} by (login, ticket), first run (all inserted) | {r["upsert_first"]:.2f} s | | |
| `upsert_many` {UPSERT_ROWS:,} again (all unchanged, nothing written) | {r["upsert_second"]:.2f} s | | |

Targets: bulk insert within {TARGET_RATIO:.0f}× of raw: **{met_ratio}** ({ratio:.2f}×); indexed range query
< {TARGET_QUERY_MS:.0f} ms: **{met_query}** ({r["query_ms"]:.2f} ms).

- Reproduce: `uv run python benchmarks/bench_store.py`
- Machine: {os.cpu_count()} CPUs (nproc), {platform.machine()}, {platform.system()};
  Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}
- Date: {dt.date.today().isoformat()}
"""
    print(section)
    replace_section(section)


if __name__ == "__main__":
    main()
