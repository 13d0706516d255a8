"""The investigations list at volume: 10,000 cases (texts sealed) about 2,000 investors on SQLite.

Run: ``uv run python benchmarks/bench_investigations.py [--no-write]``. Loads the cases in bulk (sealed with the
office's data key like the service does, inserted with ``insert_many``, not measured), then times, as the median
of 5 runs each:

* the list's first screen (not closed, newest first): ``InvestigationService.count`` and the first ``page`` of
  100, beside ``list_cases`` (every case read and opened at once: what the page did before);
* one investor's cases: ``count`` + first page with ``investor_id`` (the store's ``$contains``, SQLite
  ``json_each``), beside the baseline of reading every case and keeping those whose ``investor_ids`` hold the
  investor in Python (what ``list_cases(investor_id=)`` did before); both give the same cases, checked in the run.

Writes the "## Investigations list (10,000 cases)" section of docs/PERFORMANCE.md.
"""

from __future__ import annotations

import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import keyring

from fidus_desktop.bootstrap import open_context
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.compliance.investigations import NOT_CLOSED, NOTES, SUMMARY
from fidus_desktop.services.permissions import Role

sys.path.insert(0, str(Path(__file__).resolve().parent))
from perf_doc import write_section

CASES, INVESTORS, RUNS = 10_000, 2_000, 5
OFFICER = Actor("bench-officer", "olga", Role.COMPLIANCE_OFFICER, workstation="bench")


def median_ms(fn: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def load(ctx: Any, rng: random.Random) -> None:
    service = ctx.services.investigations
    investor_ids = [f"investor-{i:05d}" for i in range(INVESTORS)]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    docs = []
    for i in range(CASES):
        at = start + timedelta(hours=i)
        docs.append({
            "ref": f"INQ-{i + 1:06d}", "title": f"Case {i + 1}", "status": rng.choice(["open", "investigating",
                                                                                     "closed", "closed"]),
            "summary": service.vault.seal(f"What prompted case {i + 1}.", SUMMARY.context),
            "investor_ids": rng.sample(investor_ids, rng.randint(1, 3)), "transaction_ids": [], "alert_ids": [],
            "opened_by": "olga", "opened_by_id": OFFICER.user_id, "opened_at": at,
            "notes": [{"at": at, "by": "olga", "text": service.vault.seal(f"Note {n}.", NOTES.context)}
                      for n in range(rng.randint(0, 3))],
            "proposed_outcome": None, "proposed_by": None, "proposed_by_id": None, "outcome": None,
            "outcome_reason": None, "closed_by": None, "history": [{"at": at, "by": "olga", "step": "opened"}]})
    for first in range(0, CASES, 2_000):
        service.cases.insert_many(docs[first:first + 2_000])


def main() -> None:
    os.environ["FIDUS_HOME"] = tempfile.mkdtemp()
    keyring.set_keyring(InMemoryKeyring())
    ctx = open_context(f"sqlite:///{tempfile.mkdtemp()}/bench.db", secrets=SecretStore(InMemoryKeyring()),
                       log_to_file=False)
    try:
        admin = ctx.services.users.create_first_admin("admin", "correct horse battery staple 42").actor()
        ctx.services.keys.init(admin, "a long office passphrase for the benchmark")
        started = time.perf_counter()
        load(ctx, random.Random(15))
        loaded_s = time.perf_counter() - started
        service = ctx.services.investigations

        def first_page(filters: dict[str, Any]) -> list[Any]:  # what the lazy list asks for a new filter
            service.count(OFFICER, filters)
            return service.page(OFFICER, filters, None, 0, 100)

        investor = "investor-00042"
        list_ms, _ = median_ms(lambda: first_page({"status": NOT_CLOSED}))
        whole_ms, everyone = median_ms(lambda: service.list_cases(OFFICER, open_only=True))
        contains_ms, _ = median_ms(lambda: first_page({"investor_id": investor}))

        def python_filter() -> list[str]:
            return [d["ref"] for d in service.cases.find({}, sort=[("opened_at", -1)])
                    if investor in d["investor_ids"]]

        baseline_ms, expected = median_ms(python_filter)
        found = [c.ref for c in service.page(OFFICER, {"investor_id": investor}, None, 0, 1000)]
        if found != expected:
            raise AssertionError("$contains and the Python filter disagree on the investor's cases.")
    finally:
        ctx.close()

    rows = [
        ("List first screen (not closed): count and first page of 100, texts opened", list_ms),
        (f"List baseline: all {len(everyone):,} cases not closed read and opened at once", whole_ms),
        (f"One investor's cases ({len(found)}): count and first page, `$contains` (`json_each`)", contains_ms),
        ("One investor's cases, baseline: every case read, filtered in Python", baseline_ms),
    ]
    table = "\n".join(f"| {label} | {ms:,.1f} |" for label, ms in rows)
    body = f"""Measured by `benchmarks/bench_investigations.py` on {platform.system()} {platform.machine()}, Python
{platform.python_version()}, SQLite {sqlite3.sqlite_version}, {date.today()}: {CASES:,} cases about {INVESTORS:,}
investors (1 to 3 each, 0 to 3 sealed notes, the summary sealed) loaded in bulk ({loaded_s:.1f} s, not measured
below), median of {RUNS} runs, on a 2-core machine shared with other work.

| What | ms |
| --- | ---: |
{table}

The paged list shows its first screen **{whole_ms / list_ms:,.1f}×** faster than reading every case; an
investor's cases are found **{baseline_ms / contains_ms:,.1f}×** faster by `$contains` in SQLite than by reading
every case into Python (the same cases, checked in the run). `$contains` has no index on SQLite (it walks each
document's list with `json_each`), so it still reads every case's row: enough for an office's thousands of cases;
on MongoDB a multikey index on `investor_ids` would serve it.
"""
    print(body)
    if "--no-write" not in sys.argv:
        write_section("Investigations list (10,000 cases)", body)


if __name__ == "__main__":
    main()
