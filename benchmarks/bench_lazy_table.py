"""Benchmark: the Portfolio tab's transactions table (100,000 transactions) and the Trading tab's deals table.

Builds the demo office, then adds pending transactions (validated by ``dealing.transaction_doc``, written
with ``insert_many``) up to 100,000. Measures, through the real ``LazyTableModel`` and ``DealingService``:
time to the first page, a filter re-query (status, then one investor), a sort re-query, and scrolling
(``fetchMore`` near the top and 50,000 rows down). Baseline in the same run: loading every row the way an
eager table would (all pages of 1,000 into memory) before showing anything.

Then one page of 200 rows at depths 0, 50,000 and 99,000 (deals: 0, half-way and the end of ``--deals``
deals of one MT5 account, stored with ``insert_many``) two ways side by side, with the exact call the
model's fetch makes: offset paging (``offset=depth``, the old way, the baseline) and keyset paging
(``after=`` the row just above the page, what ``fetchMore`` now passes).

    uv run python benchmarks/bench_lazy_table.py            # writes the section in docs/PERFORMANCE.md
    uv run python benchmarks/bench_lazy_table.py --no-write # prints only
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from perf_doc import write_section
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from fidus_desktop.bootstrap import Services
from fidus_desktop.domain.trading.models import Deal, DealKind, Entry, Side
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.demo import load_demo
from fidus_desktop.services.portfolio.dealing import TransactionQuery, TransactionRequest
from fidus_desktop.services.trading.documents import deal_to_doc
from fidus_desktop.services.trading.queries import DealFilter
from fidus_desktop.store.sqlite import SqliteStore
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.portfolio.tables import TransactionFilter, transactions_model

TARGET = 100_000
ACTOR = Actor.system("bench")
KINDS = ("subscription", "redemption")
PAGE = 200
LOGIN = 7_000_001
SYMBOLS = ("EURUSD", "XAUUSD", "US500", "GBPUSD", "USDJPY")


def build(path: Path) -> Services:
    services = Services(ServiceContext(SqliteStore(path)))
    services.ensure_indexes()
    load_demo(services)
    p = services.portfolio
    classes = p.funds.list_classes(ACTOR)
    investors = p.investors.page(ACTOR, limit=1000)
    start = p.navs.latest_date() - timedelta(days=3 * 365)
    docs = []
    for n in range(TARGET - p.dealing.count(ACTOR)):
        day = start + timedelta(days=n % 1000)
        request = TransactionRequest("subscription", classes[n % len(classes)].class_id,
                                     investors[n % len(investors)].investor_id, day, day, day + timedelta(days=2),
                                     amount=str(1000 + n % 5000), ref=f"BENCH-{n:06d}")
        docs.append(p.dealing.transaction_doc(ACTOR, request))
    with services.ctx.store.transaction():
        p.dealing.transactions.insert_many(docs)
    return services


def add_deals(services: Services, count: int) -> None:
    """``count`` trade deals of one account, a second apart (many share a symbol), in one transaction."""
    start, deals = datetime(2020, 1, 1, tzinfo=UTC), services.trading.sync.deals
    with services.ctx.store.transaction():
        for first in range(0, count, 50_000):
            deals.insert_many([deal_to_doc(Deal(
                LOGIN, n + 1, n + 1, start + timedelta(seconds=n), DealKind.TRADE, Side.BUY, Entry.IN, n + 1,
                SYMBOLS[n % len(SYMBOLS)], Decimal("0.10"), Decimal("1.1000"), Decimal(0), Decimal(0), Decimal(0),
                Decimal(0), "USD", "")) for n in range(first, min(first + 50_000, count))])


def offset_vs_keyset(fetch: Callable[[int, Any], list[Any]], depths: list[int]) -> list[tuple[int, float, float]]:
    """Per depth: median ms of a page by offset and by keyset (``after`` = the row just above the page)."""
    results = []
    for depth in depths:
        above = fetch(depth - 1, None)[0] if depth else None
        by_offset = timed(lambda d=depth: fetch(d, None))
        by_keyset = timed(lambda d=depth, a=above: fetch(d, a))
        if depth and fetch(depth, None) != fetch(depth, above):
            raise SystemExit(f"keyset and offset pages differ at depth {depth}")
        results.append((depth, by_offset, by_keyset))
    return results


def timed(fn: Callable[[], object], runs: int = 5) -> float:
    """Median wall time in ms."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(1000 * (time.perf_counter() - started))
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-write", action="store_true", help="print the results, leave docs/ alone")
    parser.add_argument("--deals", type=int, default=200_000, help="deals of the one MT5 account (1,000,000: minutes)")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        services = build(Path(tmp) / "bench.db")
        setup = time.perf_counter() - started
        session = type("Session", (), {"services": services, "actor": ACTOR, "runner": InlineRunner()})()
        p = services.portfolio
        total = p.dealing.count(ACTOR)
        everything = TransactionFilter(TransactionQuery())
        model = transactions_model(session, {}, everything)  # type: ignore[arg-type]
        investor = p.investors.page(ACTOR, limit=1)[0]
        first = timed(lambda: model.set_filter(everything))
        status = timed(lambda: model.set_filter(TransactionFilter(TransactionQuery(status="settled"))))
        settled = model.total
        one = timed(lambda: model.set_filter(TransactionFilter(TransactionQuery(), investor.number)))
        one_total = model.total
        model.set_filter(everything)
        ascending, descending = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
        by_ref = timed(lambda: (model.sort(2, ascending), model.sort(2, descending)))
        model.set_filter(everything)

        def scroll(pages: int) -> float:
            samples = []
            for _ in range(pages):
                started = time.perf_counter()
                model.fetchMore()
                samples.append(1000 * (time.perf_counter() - started))
            return statistics.median(samples)

        near_top = scroll(10)
        while model.rowCount() < 50_000:
            model.fetchMore()
        deep = scroll(10)

        def load_all() -> int:
            rows = 0
            while page := p.dealing.page(ACTOR, offset=rows, limit=1000):
                rows += len(page)
            return rows

        eager = timed(load_all, runs=1)
        depths = [0, 50_000, total - 1000]
        by_date = offset_vs_keyset(lambda offset, after: p.dealing.page(ACTOR, None, None, offset, PAGE, after),
                                   depths)
        by_kind = offset_vs_keyset(
            lambda offset, after: p.dealing.page(ACTOR, None, [("kind", 1)], offset, PAGE, after), depths[-1:])
        started = time.perf_counter()
        add_deals(services, args.deals)
        deal_setup = time.perf_counter() - started
        account, queries = DealFilter(login=LOGIN), services.trading.queries
        deal_depths = [0, args.deals // 2, args.deals - 1000]
        deals_by_time = offset_vs_keyset(
            lambda offset, after: queries.page_deals(ACTOR, account, None, offset, PAGE, after), deal_depths)
        deals_by_symbol = offset_vs_keyset(
            lambda offset, after: queries.page_deals(ACTOR, account, [("symbol", 1)], offset, PAGE, after),
            deal_depths[-1:])
        services.ctx.store.close()
    del app
    lines = [
        f"{total:,} transactions (demo office + generated pending subscriptions; set-up {setup:.0f} s), SQLite, "
        f"{os.cpu_count()} cores (load average {load:.1f} at the start), Python {platform.python_version()}; "
        "`LazyTableModel` pages of "
        f"{model.page_size} rows through `dealing.count/page`, medians of 5 (scroll: of 10 pages).",
        "",
        "| what | ms |",
        "| --- | ---: |",
        f"| baseline: load all {total:,} rows before showing anything (pages of 1,000) | {eager:,.0f} |",
        f"| first page (count + {model.page_size} rows, newest first) | {first:.0f} |",
        f"| filter re-query: status = settled ({settled:,} rows) | {status:.0f} |",
        f"| filter re-query: one investor by number ({one_total:,} rows) | {one:.0f} |",
        f"| sort re-query by reference, ascending then descending (two queries) | {by_ref:.0f} |",
        f"| scrolling: `fetchMore` of {model.page_size} rows near the top | {near_top:.1f} |",
        f"| scrolling: `fetchMore` of {model.page_size} rows 50,000 rows down | {deep:.1f} |",
        "",
        f"One page of {PAGE} rows at a depth, medians of 5 in ms: offset paging (`skip`, the baseline, what "
        "`fetchMore` did before) against keyset paging (`after` = the last loaded row, what it does now; both "
        "pages checked equal). Deals: one MT5 account of "
        f"{args.deals:,} deals stored with `insert_many` (set-up {deal_setup:.0f} s).",
        "",
        "| table, order | depth | offset ms | keyset ms | ratio |",
        "| --- | ---: | ---: | ---: | ---: |",
        *(f"| {label} | {depth:,} | {off:.1f} | {key:.1f} | {off / key:.0f}× |"
          for label, rows in (("transactions, newest trade date first", by_date),
                              ("transactions, by kind (2 values: long ties)", by_kind),
                              ("deals, newest first", deals_by_time), ("deals, by symbol", deals_by_symbol))
          for depth, off, key in rows),
        "",
        "Keyset paging is used by the transactions and deals tables whenever the last row carries every sort "
        "field (always from the screens); the investors table and a deals query without an account page by "
        "offset (see `store/keyset.py`, `services/trading/queries.py`).",
        "",
        f"Reproduce: `uv run python benchmarks/bench_lazy_table.py --deals {args.deals}`",
    ]
    print("\n".join(lines))
    if not args.no_write:
        write_section("Portfolio tables", "\n".join(lines))


if __name__ == "__main__":
    main()
