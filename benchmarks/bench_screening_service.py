"""The screening service over a store: what importing, rebuilding the index and screening investors cost on
top of the matcher itself.

Run: ``uv run python benchmarks/bench_screening_service.py [--no-write]`` (needs ../shared/data beside the
repository). On a fresh SQLite file: import the full OFAC SDN file as a list version; rebuild the index from
the stored entries, side by side with building it from the parsed file (baseline); screen 2,000 investors with
``ScreeningService.run`` (reads each investor, writes alerts and audit entries), side by side with
``ScreeningIndex.screen`` on the same subjects (baseline); one investor's ``screen_investor``. Writes the
"## Screening service" section of docs/PERFORMANCE.md.
"""

from __future__ import annotations

import csv
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import keyring

from fidus_desktop.bootstrap import open_context
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.domain.compliance.lists import EntityKind
from fidus_desktop.domain.compliance.screening import ScreeningIndex, Subject
from fidus_desktop.integrations.sanctions.ofac import parse_sdn_csv
from fidus_desktop.security.keyring_memory import InMemoryKeyring

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_screening import LABELLED, SDN, investors
from perf_doc import write_section

INVESTORS = 2_000


def main() -> None:
    os.environ["FIDUS_HOME"] = tempfile.mkdtemp()
    keyring.set_keyring(InMemoryKeyring())
    data = SDN.read_bytes()
    people = investors(list(csv.DictReader(LABELLED.open(encoding="utf-8"))))[:INVESTORS]
    ctx = open_context(f"sqlite:///{tempfile.mkdtemp()}/bench.db", secrets=SecretStore(InMemoryKeyring()),
                       log_to_file=False)
    try:
        admin = ctx.services.users.create_first_admin("admin", "correct horse battery staple 42").actor()
        started = time.perf_counter()
        version = ctx.services.screening_lists.import_file(admin, "ofac", data, SDN.name).version
        imported = time.perf_counter() - started

        started = time.perf_counter()
        ctx.services.screening.index()
        from_store = time.perf_counter() - started
        started = time.perf_counter()
        index = ScreeningIndex(parse_sdn_csv(data))
        from_file = time.perf_counter() - started

        service = ctx.services.portfolio.investors
        docs = [service.investor_doc(f"INV-{i:05d}", p.name, "individual") for i, p in enumerate(people)]
        ctx.store.collection("investors").insert_many(docs)  # bulk, as the demo does: no screening on save
        started = time.perf_counter()
        summary = ctx.services.screening.run(admin)
        ran = time.perf_counter() - started
        started = time.perf_counter()
        hits = sum(len(index.screen(Subject(p.name, EntityKind.PERSON))) for p in people)
        matcher = time.perf_counter() - started
        ids = [d["_id"] for d in ctx.store.collection("investors").find(limit=200, projection=["number"])]
        singles = []
        for investor_id in ids:
            t = time.perf_counter()
            ctx.services.screening.screen_investor(admin, investor_id)
            singles.append((time.perf_counter() - t) * 1000)
    finally:
        ctx.close()
    body = "\n".join([
        f"`uv run python benchmarks/bench_screening_service.py` on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLite; {time.strftime('%Y-%m-%d')}.",
        "",
        "| what | time | baseline in the same run |",
        "| --- | ---: | ---: |",
        f"| import the OFAC SDN file as a list version ({version.entry_count:,} entries stored) | {imported:.2f} s | |",
        f"| screening index rebuilt from the stored entries (once per set of list versions) | {from_store:.2f} s "
        f"| {from_file:.2f} s reading and indexing the file |",
        f"| {INVESTORS:,} investors, `ScreeningService.run` (reads, alerts, audit; {summary.hits} hits) | "
        f"{ran:.2f} s | {matcher:.2f} s `ScreeningIndex.screen` alone ({hits} hits) |",
        f"| one investor, `screen_investor`: median / max of {len(singles)} | {statistics.median(singles):.1f} / "
        f"{max(singles):.1f} ms | |",
    ])
    print(body)
    if "--no-write" not in sys.argv:
        write_section("Screening service", body)


if __name__ == "__main__":
    main()
