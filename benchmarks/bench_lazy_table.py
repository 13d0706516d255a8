"""Benchmark: the Portfolio tab's transactions table over 100,000 transactions.

Builds the demo office, then adds pending transactions (validated by ``dealing.transaction_doc``, written
with ``insert_many``) up to 100,000. Measures, through the real ``LazyTableModel`` and ``DealingService``:
time to the first page, a filter re-query (status, then one investor), a sort re-query, and scrolling
(``fetchMore`` near the top and 50,000 rows down). Baseline in the same run: loading every row the way an
eager table would (all pages of 1,000 into memory) before showing anything.

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
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from perf_doc import write_section
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from fidus_desktop.bootstrap import Services
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.demo import load_demo
from fidus_desktop.services.portfolio.dealing import TransactionQuery, TransactionRequest
from fidus_desktop.store.sqlite import SqliteStore
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.portfolio.tables import TransactionFilter, transactions_model

TARGET = 100_000
ACTOR = Actor.system("bench")
KINDS = ("subscription", "redemption")


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
        "Paging is offset-based (`skip`), so a page deep in the table costs more than one at the top; the "
        "numbers above show how much.",
        "",
        "Reproduce: `uv run python benchmarks/bench_lazy_table.py`",
    ]
    print("\n".join(lines))
    if not args.no_write:
        write_section("Portfolio tables", "\n".join(lines))


if __name__ == "__main__":
    main()
