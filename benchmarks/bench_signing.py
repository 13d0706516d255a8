"""Signing and validating agreements with pyHanko (PAdES B-B, the office's EC P-256 certificate).

Run: ``uv run python benchmarks/bench_signing.py [--no-write]``. A 20-page agreement (reportlab) is signed
and validated 5 times each (best and median reported); then a batch of 100 agreements is signed once in one
process (the baseline) and once across the machine's cores. Targets: one signature and one validation under
1 s each; 100 agreements under 60 s on 2 cores. Writes the "## Signing" section of docs/PERFORMANCE.md.
"""

from __future__ import annotations

import io
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from reportlab.pdfgen import canvas

from fidus_desktop.integrations.signing.certificates import OfficeCertificate, create_self_signed
from fidus_desktop.integrations.signing.pades import SignRequest, sign_pdf
from fidus_desktop.integrations.signing.validation import validate_pdf

PAGES, BATCH, RUNS = 20, 100, 5


def agreement(number: int) -> bytes:
    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    for n in range(1, PAGES + 1):
        text = page.beginText(72, 760)
        for line in range(40):
            text.textLine(f"Agreement {number}, page {n}, clause {line + 1}: the investor subscribes as set out.")
        page.drawText(text)
        page.showPage()
    page.save()
    return buf.getvalue()


def sign_one(args: tuple[int, OfficeCertificate]) -> int:
    number, office = args
    return len(sign_pdf(agreement(number), office, SignRequest("Investor", f"Investor {number}")))


def timed(fn: object, runs: int = RUNS) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - started)
    return out


def main() -> None:
    office = create_self_signed("FIDUS Benchmark Office", "Benchmark")
    pdf = agreement(0)
    signed = sign_pdf(pdf, office, SignRequest("Investor", "Ann Smith"))
    render = timed(lambda: agreement(0))
    signing = timed(lambda: sign_pdf(pdf, office, SignRequest("Investor", "Ann Smith")))
    checking = timed(lambda: validate_pdf(signed, [office.certificate]))
    assert validate_pdf(signed, [office.certificate])[0].good
    started = time.perf_counter()
    for number in range(BATCH):
        sign_one((number, office))
    sequential = time.perf_counter() - started
    cores = os.cpu_count() or 1
    started = time.perf_counter()
    with ProcessPoolExecutor(cores) as pool:
        list(pool.map(sign_one, [(n, office) for n in range(BATCH)]))
    parallel = time.perf_counter() - started
    text = "\n".join([
        f"`uv run python benchmarks/bench_signing.py` on {platform.system()} {platform.machine()}, {cores} cores, "
        f"Python {platform.python_version()}; {time.strftime('%Y-%m-%d')}. A {PAGES}-page agreement "
        f"({len(pdf) // 1024} KB), PAdES B-B with an EC P-256 office certificate, best / median of {RUNS}.",
        "",
        "| what | best | median | target |",
        "| --- | ---: | ---: | ---: |",
        f"| render the agreement (reportlab; for scale) | {min(render):.3f} s | {statistics.median(render):.3f} s | |",
        f"| sign (visible field, incremental update) | {min(signing):.3f} s | {statistics.median(signing):.3f} s "
        "| 1 s |",
        f"| validate (intact, trust, modification analysis) | {min(checking):.3f} s | "
        f"{statistics.median(checking):.3f} s | 1 s |",
        f"| {BATCH} agreements rendered and signed, one process (baseline) | {sequential:.1f} s | | |",
        f"| the same on {cores} processes | {parallel:.1f} s | | 60 s |",
    ])
    print(text)
    if "--no-write" not in sys.argv:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from perf_doc import write_section

        write_section("Signing", text)


if __name__ == "__main__":
    main()
