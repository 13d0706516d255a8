"""How fast Cancel stops the reading of a sanctions list file.

Run: ``uv run python benchmarks/bench_list_cancel.py [--no-write]`` (needs ../shared/data beside the
repository). For the real OFAC SDN CSV and consolidated XML: the full read (baseline, never cancelled), then
reads cancelled from another thread after 50 ms — the latency is from the moment the token turns true to the
moment the reader has stopped (``ReadCancelled``). Writes the "## Cancelling a list read" section of
docs/PERFORMANCE.md.
"""

from __future__ import annotations

import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from fidus_desktop.domain.compliance.lists import ListEntry, ReadCancelled
from fidus_desktop.integrations.sanctions.ofac import parse_sdn_csv, parse_sdn_xml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from perf_doc import write_section

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FILES = (("OFAC SDN CSV", "ofac-sdn-2024-05-03.csv", parse_sdn_csv),
         ("OFAC consolidated XML", "ofac-consolidated-2024-05-06.xml", parse_sdn_xml))
RUNS = 5
AFTER = 0.05


def cancelled_read(reader: Callable[..., list[ListEntry]], data: bytes) -> float:
    """Seconds from the cancel to the reader's stop."""
    flag = threading.Event()
    said: list[float] = []
    timer = threading.Timer(AFTER, lambda: (said.append(time.perf_counter()), flag.set()))
    timer.start()
    try:
        reader(data, cancelled=flag.is_set)
    except ReadCancelled:
        return time.perf_counter() - said[0]
    finally:
        timer.cancel()
    raise RuntimeError("the read finished before the cancel: nothing measured")


def main() -> None:
    rows = []
    for label, name, reader in FILES:
        data = (DATA / name).read_bytes()
        full = []
        for _ in range(RUNS):
            start = time.perf_counter()
            reader(data)
            full.append(time.perf_counter() - start)
        latency = [cancelled_read(reader, data) for _ in range(RUNS)]
        rows.append(f"| {label} ({len(data) / 1e6:.1f} MB) | {statistics.median(full) * 1000:.0f} ms | "
                    f"{statistics.median(latency) * 1000:.1f} ms | {max(latency) * 1000:.1f} ms |")
    body = (f"Measured by `benchmarks/bench_list_cancel.py` ({platform.python_version()}, {platform.machine()}, "
            f"median of {RUNS}; cancel set from another thread {AFTER * 1000:.0f} ms into the read). The readers "
            "ask the token every 200 rows or elements and between 256 KB chunks of XML.\n\n"
            "| file | full read (baseline) | cancel → stopped (median) | worst |\n| --- | ---: | ---: | ---: |\n"
            + "\n".join(rows) + "\n")
    print(body)
    if "--no-write" not in sys.argv:
        write_section("Cancelling a list read", body)


if __name__ == "__main__":
    main()
