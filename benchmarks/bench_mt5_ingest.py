"""Ingest 100,000 MT5 deals through the sync path, against one insert per deal, on SQLite.

Run: ``uv run python benchmarks/bench_mt5_ingest.py``. The deals come from the simulated terminal (one
busy account), converted once by ``Mt5Session``; only storage is timed. The sync path is
``SyncService.record_poll`` (bulk ``upsert_many`` by ``(login, ticket)``, classification, snapshot, cursor,
all in one transaction); the baseline is what the old web system did: look the ticket up, insert the deal,
one transaction per deal. A second record_poll of the same deals shows the re-poll cost (nothing stored).
Also times counting and paging the stored deals as the lazy deals table does. Writes the "## MT5 ingest"
section of docs/PERFORMANCE.md (other sections are kept).
"""

from __future__ import annotations

import os
import platform
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from perf_doc import replace_section

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.domain.trading.models import Deal
from fidus_desktop.gc_pause import gc_paused
from fidus_desktop.integrations.mt5 import DEFAULT_ACCOUNTS, Mt5Session, SimulatedTerminal, policy_from_config
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading.accounts import Mt5AccountInput
from fidus_desktop.services.trading.documents import DEALS, deal_to_doc
from fidus_desktop.services.trading.queries import DealFilter
from fidus_desktop.services.trading.sync import Poll
from fidus_desktop.store.codec import document_to_json
from fidus_desktop.store.port import new_ids
from fidus_desktop.store.sqlite import SqliteStore
from fidus_desktop.store.sqlite_bulk import BulkInserter

DEALS_WANTED = 100_000
TARGET_SECONDS = 3.0
RUNS = 3  # the sync path and each part: best of RUNS (the baseline runs once: it takes a minute)
SECTION = "## MT5 ingest"
NOW = datetime(2024, 6, 3, 12, tzinfo=UTC)
T = TypeVar("T")


def simulated_deals() -> tuple[SimulatedTerminal, Mt5Session, list[Deal]]:
    """About 100 000 deals of one busy simulated account (2 000 trades a day for 26 days)."""
    busy = replace(DEFAULT_ACCOUNTS[0], trades_per_day=2000, balance_ops_per_day=2, opened=NOW - timedelta(days=26))
    terminal = SimulatedTerminal(seed=3, accounts=[busy], now=NOW)
    session = Mt5Session(terminal, policy_from_config("EET-NY"), clock=lambda: terminal.now)
    session.connect(login=busy.login, password=busy.password, server=busy.server)
    deals = session.deals(NOW - timedelta(days=30), NOW)[:DEALS_WANTED]
    return terminal, session, deals


def services(folder: Path, name: str) -> tuple[SqliteStore, TradingServices]:
    store = SqliteStore(folder / f"{name}.db")
    ctx = ServiceContext(store)
    ctx.audit.ensure_indexes()
    trading = TradingServices(ctx, secrets=SecretStore(InMemoryKeyring()))
    trading.ensure_indexes()
    return store, trading


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds (the target) and this process's CPU seconds (steadier on a shared, busy machine)."""

    wall: float
    cpu: float

    def cell(self) -> str:
        return f"{self.wall:.2f} | {self.cpu:.2f}"


def timed(fn: Callable[[], T]) -> tuple[Timing, T]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu), result


def insert_in_one_statement(conn: sqlite3.Connection, table: str, rows: list[tuple[str, str]]) -> None:
    with BulkInserter(conn, table, background=False) as inserter:
        inserter.add(rows)


def sqlite_alone(folder: Path, name: str, texts: list[str]) -> tuple[Timing, Timing]:
    """The same rows (ids and JSON made beforehand) into an empty deals table with its indexes, one statement;
    then the checkpoint that copies them from the log into the database file (the store's background thread)."""
    store, _ = services(folder, name)
    store.checkpointer.close()  # timed here instead, on this thread
    rows = list(zip(new_ids(len(texts)), texts, strict=True))
    table = store.collection(DEALS).table
    took, _ = timed(lambda: store.write(lambda c: insert_in_one_statement(c, table, rows)))
    checkpoint, _ = timed(lambda: store.run(lambda c: c.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()))
    store.close()
    return took, checkpoint


def one_insert_per_deal(trading: TradingServices, deals: list[Deal]) -> int:
    collection = trading.sync.store.collection(DEALS)
    stored = 0
    for deal in deals:
        with trading.sync.store.transaction():
            if collection.find_one({"login": deal.login, "ticket": deal.ticket}) is None:
                collection.insert(deal_to_doc(deal))
                stored += 1
    return stored


def sync_twice(folder: Path, name: str, poll: Poll, actor: Actor) -> tuple[Timing, Timing]:
    """A first ingest of ``poll`` into a fresh database, then the same poll again."""
    store, trading = services(folder, name)
    sim = DEFAULT_ACCOUNTS[0]
    account = trading.accounts.create(actor, Mt5AccountInput(sim.login, sim.server, sim.name, sim.currency))
    sync, first = timed(lambda: trading.sync.record_poll(actor, account, poll))
    repoll, second = timed(lambda: trading.sync.record_poll(actor, account, poll))
    assert first.new_deals == len(poll.deals)
    assert second.new_deals == 0
    store.close()
    return sync, repoll


def best(runs: list[Timing]) -> Timing:
    """The fastest of several runs: on a shared machine the others measure the neighbours too."""
    return min(runs, key=lambda t: t.wall)


def main() -> None:
    terminal, session, deals = simulated_deals()
    snapshot, positions = session.account(), session.positions()
    actor = Actor.system("benchmark")
    poll = Poll(snapshot, positions, deals, watermark=terminal.now)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        runs = [sync_twice(folder, f"sync{i}", poll, actor) for i in range(RUNS)]
        sync, repoll = best([r[0] for r in runs]), best([r[1] for r in runs])

        store, trading = services(folder, "sync0")
        sim = DEFAULT_ACCOUNTS[0]
        query = DealFilter(login=sim.login, symbol="EURUSD")
        count_time, matching = timed(lambda: trading.queries.count_deals(actor, query))
        page_time, page = timed(lambda: trading.queries.page_deals(actor, query, offset=matching // 2, limit=200))
        assert len(page) == 200
        store.close()

        with gc_paused():  # as record_poll runs
            parts = [timed(lambda: [deal_to_doc(d) for d in deals]) for _ in range(RUNS)]
            docs = parts[0][1]
            convert = best([t for t, _ in parts])
            encodes = [timed(lambda: [document_to_json(doc) for doc in docs]) for _ in range(RUNS)]
            encode, texts = best([t for t, _ in encodes]), encodes[0][1]
            inserts = [sqlite_alone(folder, f"rows{i}", texts) for i in range(RUNS)]
        rows, checkpoint = best([r[0] for r in inserts]), best([r[1] for r in inserts])

        base_store, baseline = services(folder, "baseline")
        base, inserted = timed(lambda: one_insert_per_deal(baseline, deals))
        assert inserted == len(deals)
        base_store.close()

    n = len(deals)
    parts = Timing(convert.wall + encode.wall + rows.wall, convert.cpu + encode.cpu + rows.cpu)
    verdict = "met" if sync.wall < TARGET_SECONDS else "MISSED"
    markdown = "\n".join([
        SECTION,
        "",
        f"{n:,} simulated deals of one account stored on SQLite (deal conversion by `Mt5Session` not timed); "
        f"the sync path and each part below: best of {RUNS} runs, each first ingest into a fresh database.",
        "",
        "| Path | Wall (s) | CPU (s) | Deals/s | Ratio |",
        "|---|---:|---:|---:|---:|",
        f"| `SyncService.record_poll` (bulk `upsert_many` by (login, ticket), one transaction) | "
        f"{sync.cell()} | {n / sync.wall:,.0f} | {base.wall / sync.wall:.0f}× faster |",
        f"| the same poll again (all deals unchanged, nothing written) | {repoll.cell()} | {n / repoll.wall:,.0f} | |",
        f"| baseline: look up + insert, one transaction per deal | {base.cell()} | {n / base.wall:,.0f} | 1× |",
        "",
        f"- Target: ingest of {n:,} deals < {TARGET_SECONDS:.0f} s (wall clock) through the sync path: **{verdict}**.",
        "- Where the first ingest's time goes, each part timed alone on the same deals (wall / CPU s):",
        f"  - `deal_to_doc` (entity → dict): {convert.cell().replace(' |', ' /')};",
        f"  - `codec.document_to_json` (validate + JSON, the flat-document path): {encode.cell().replace(' |', ' /')};",
        f"  - SQLite alone (the same ids and JSON inserted by `json_each` statements, as the store does, into the "
        f"deals table with its unique (login, ticket) index, its two query indexes and the id index): "
        f"{rows.cell().replace(' |', ' /')};",
        f"  - one after another these parts take {parts.cell().replace(' |', ' /')}; the sync path "
        f"({sync.wall:.2f} s), which also looks up existing keys, classifies balance deals and commits, inserts one "
        "chunk of 10,000 deals on a helper thread while it encodes the next (`store/sqlite_bulk.py`; its CPU time "
        "counts both threads).",
        f"- Not in the poll's time: the checkpoint that then copies the deals from the write-ahead log into the "
        f"database file, which the store's background thread runs after the commit (`store/sqlite_checkpoint.py`): "
        f"{checkpoint.cell().replace(' |', ' /')} s wall / CPU.",
        "- `record_poll` and the parts above run with Python's cyclic garbage collector paused (`gc_pause`).",
        *([] if verdict == "met" else [
            f"- Why it is missed: the path overlaps encoding ({encode.wall:.2f} s) with SQLite ({rows.wall:.2f} s), "
            f"so it takes at least the longer of the two, plus `deal_to_doc` ({convert.wall:.2f} s) before them and "
            "the bookkeeping around them; on a busy shared machine the two threads also wait for the CPUs."
        ]),
        "- A re-poll encodes every deal again (stored text is what decides \"unchanged\"), reads the stored rows "
        "of the batch's keys in chunks of 400 and writes nothing.",
        f"- Deals table over the stored deals: `count_deals` (login + symbol, {matching:,} rows) "
        f"{count_time.wall * 1000:.0f} ms; `page_deals` 200 rows at offset {matching // 2:,} "
        f"{page_time.wall * 1000:.0f} ms.",
        f"- Machine: {platform.platform()}, {os.cpu_count()} CPUs (1-minute load average {os.getloadavg()[0]:.1f} "
        f"at the end), Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, run "
        f"{datetime.now(UTC):%Y-%m-%d}. On a busy machine wall clock exceeds CPU time; CPU excludes disk waits.",
        "- Reproduce: `uv run python benchmarks/bench_mt5_ingest.py`",
        "",
    ])
    print(markdown)
    replace_section(markdown)


if __name__ == "__main__":
    main()
