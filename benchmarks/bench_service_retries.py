"""What running every service change through ``Service.change`` (retried whole on a MongoDB rollback) costs.

1. Overhead on SQLite, where nothing is ever retried: audited changes made with ``Service.change`` against the
   same changes made with the block form (``Service.changing``, the baseline), interleaved in one run.
2. Cost of retries on MongoDB, as driver calls and transactions on the strict replica-set double
   (tests/support/strict_mongo.py; no server here): the office day of tests/test_service_retries.py without faults
   (baseline) and with a write conflict, an election or an unknown commit result injected at a quarter of all
   writes and commits; the records and audit trail must come out identical.

    uv run python benchmarks/bench_service_retries.py   # rewrites the "Service change retries" section
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from perf_doc import write_section

from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext
from fidus_desktop.services.permissions import Permission, Role
from fidus_desktop.store.sqlite import SqliteStore
from tests.test_service_retries import office_day, office_services, outcome

CHANGES = 2_000
ROUNDS = 5
SEEDS = 5
ACTOR = Actor("u-pm", "maria", Role.PORTFOLIO_MANAGER, workstation="bench")


class Notes(Service):
    """One audited insert per change, written both ways."""

    def as_function(self, text: str) -> None:
        def write(rec: ChangeRecorder) -> None:
            stored = self.store.collection("notes").insert({"text": text})
            rec.record("note.write", "note", stored["_id"], after=stored)

        self.change(ACTOR, Permission.FUNDS_MANAGE, write)

    def as_block(self, text: str) -> None:
        with self.changing(ACTOR, Permission.FUNDS_MANAGE) as rec:
            stored = self.store.collection("notes").insert({"text": text})
            rec.record("note.write", "note", stored["_id"], after=stored)


def sqlite_overhead() -> tuple[float, float]:
    """Median microseconds per change (function, block)."""
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteStore(Path(folder) / "bench.db")
        notes = Notes(ServiceContext(store))
        notes.ctx.audit.ensure_indexes()
        timings: dict[str, list[float]] = {"function": [], "block": []}
        for _ in range(ROUNDS):
            for name, write in (("function", notes.as_function), ("block", notes.as_block)):
                started = time.perf_counter()
                for i in range(CHANGES):
                    write(f"note {i}")
                timings[name].append((time.perf_counter() - started) / CHANGES * 1e6)
        store.close()
    return statistics.median(timings["function"]), statistics.median(timings["block"])


def mongo_retries() -> list[tuple[str, int, int, int, float]]:
    """(run, faults injected, driver calls, transactions started, seconds) for the office day."""
    rows = []
    expected = None
    for seed in (None, *range(SEEDS)):
        with office_services() as (services, store):
            if seed is not None:
                store.client.faults.at_random(seed, rate=0.25, budget=80)
            started = time.perf_counter()
            office_day(services)
            seconds = time.perf_counter() - started
            result = outcome(services, store)
            if expected is None:
                expected = result
            assert result == expected, f"seed {seed}: the day did not land exactly once"
            calls = sum(n for op, n in store.client.calls.items() if op not in ("ping", "hello", "buildInfo"))
            rows.append(("without faults" if seed is None else f"faults, seed {seed}",
                         sum(store.client.faults.injected.values()), calls, store.client.log.count("start"),
                         seconds))
    return rows


def main() -> None:
    function_us, block_us = sqlite_overhead()
    rows = mongo_retries()
    table = "\n".join(f"| {run} | {faults} | {calls:,} | {starts} | {seconds:.2f} s |"
                      for run, faults, calls, starts, seconds in rows)
    starts_without = rows[0][3]
    body = f"""`uv run python benchmarks/bench_service_retries.py`. Every service change runs through
`Service.change`, which runs its body through `Store.atomic` and, on MongoDB, again after a rollback.

**Overhead on SQLite** ({CHANGES:,} audited inserts per round, median of {ROUNDS} interleaved rounds, same run):
`Service.change` {function_us:.0f} µs per change against {block_us:.0f} µs for the block form
(`Service.changing`, the baseline): the same within run-to-run noise. Nothing is retried on SQLite; the
function form adds one closure and one call per change.

**Retries on MongoDB** (strict replica-set double, no server here): the office day of
`tests/test_service_retries.py` ({starts_without} changes: funds, investors with their KYC cases, a KYC file completed
and approved by two officers, FX, NAVs, a settled subscription, prices, a position, a prospect converted into an
investor), without faults (baseline) and with a
write conflict, an election or an unknown commit result injected at a quarter of all writes and commits. Every
run with faults ended with exactly the records and audit trail of the run without (asserted).

| run | faults injected | driver calls | transactions started | wall-clock (double, in-process) |
|---|---|---|---|---|
{table}

On a server each driver call is a round trip: a rolled-back change costs the calls it had made plus its rerun,
and a pause of 5 ms growing to 0.5 s (jittered) between attempts, which the double's timings include.
"""
    write_section("Service change retries", body)
    print(body)


if __name__ == "__main__":
    main()
