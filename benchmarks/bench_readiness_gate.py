"""What the investment-readiness gate costs on the paths that create subscriptions.

Run: ``uv run python benchmarks/bench_readiness_gate.py [--rows N] [--no-write]``. Two copies of the small
portfolio office (tests/support/portfolio_office.py, two investors ready to invest) on fresh SQLite files: a
transactions import of N subscription rows (default 2,000) with the gate wired as the product wires it, side by
side with the same import with the gate unwired (baseline); then 200 single ``DealingService.enter`` calls each
way; each twice, alternated, the faster run kept. Writes the "## Investment-readiness gate" section of
docs/PERFORMANCE.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support

from perf_doc import write_section

from fidus_desktop.services.portfolio.dealing import TransactionRequest
from tests.support.portfolio_office import D2, PM, Office, build_office


def rows(prefix: str, count: int) -> str:
    head = "ref,kind,class_code,investor_number,trade_date,dealing_date,settlement_date,amount\n"
    return head + "".join(f"{prefix}-{i},subscription,GLB-A-EUR,INV-{1 + i % 2},2023-01-03,2023-01-03,2023-01-03,"
                          "100\n" for i in range(count))


def office(folder: Path, gated: bool) -> Office:
    folder.mkdir()
    built = build_office(folder)
    if not gated:
        built.p.dealing._unit_gates.clear()  # the baseline: the same office without the compliance gate
    return built


def measure(folder: Path, gated: bool, count: int) -> tuple[float, list[float]]:
    built = office(folder, gated)
    start = time.perf_counter()
    built.p.imports.import_transactions(PM, rows("IMP", count))
    imported = time.perf_counter() - start
    singles = []
    for n in range(200):
        request = TransactionRequest("subscription", built.eur.class_id, built.ann.investor_id, D2, D2, D2,
                                     amount="100", ref=f"ONE-{n}")
        start = time.perf_counter()
        built.p.dealing.enter(PM, request)
        singles.append(time.perf_counter() - start)
    built.services.ctx.store.close()
    return imported, singles


def main() -> None:
    count = int(sys.argv[sys.argv.index("--rows") + 1]) if "--rows" in sys.argv else 2000
    runs: dict[bool, list[tuple[float, list[float]]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as tmp:
        for n, gate in enumerate((True, False, False, True)):  # alternated: a busy moment hits both alike
            runs[gate].append(measure(Path(tmp) / f"run{n}", gate, count))
    gated, baseline = (min(runs[gate], key=lambda r: r[0]) for gate in (True, False))
    median = {name: statistics.median(run[1]) * 1000 for name, run in (("gated", gated), ("baseline", baseline))}
    body = (f"`uv run python benchmarks/bench_readiness_gate.py` on {platform.system()} {platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLite; {date.today()}.\n\n"
            "| what | with the gate | baseline in the same run (gate unwired) |\n| --- | ---: | ---: |\n"
            f"| import {count:,} subscription rows (`fidus import transactions`) | {gated[0]:.2f} s | "
            f"{baseline[0]:.2f} s |\n"
            f"| one subscription entered (`DealingService.enter`), median of 200 | {median['gated']:.1f} ms | "
            f"{median['baseline']:.1f} ms |\n\n"
            "Each new investor asks the readiness service once per operation (one read each of investors, KYC "
            "cases, readiness records and screening alerts for that investor); an import asks once per investor "
            "of the file, not once per row.\n")
    print(body)
    if "--no-write" not in sys.argv:
        write_section("Investment-readiness gate", body)


if __name__ == "__main__":
    main()
