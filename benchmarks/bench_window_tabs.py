"""Benchmark: opening the main window on the demo office, tabs built when first shown vs every tab at once.

Builds the demo database once, then opens the main window as the demo administrator ``ROUNDS`` times each
way, alternating: as shipped (the tab on screen is built, the others when first shown; the MT5 poller runs
from sign-in either way) and the baseline that builds every tab, as start-up did before. It counts the time
the GUI thread is busy constructing and showing the window (the tabs' data then loads in the background).

    uv run python benchmarks/bench_window_tabs.py            # writes the section in docs/PERFORMANCE.md
    uv run python benchmarks/bench_window_tabs.py --no-write # prints only
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from perf_doc import write_section
from PySide6.QtWidgets import QApplication

from fidus_desktop.bootstrap import open_context
from fidus_desktop.services.demo import load_demo
from fidus_desktop.ui.background import runner
from fidus_desktop.ui.main_window import MainWindow
from fidus_desktop.ui.session import UiSession

ROUNDS = 9


def open_window(session: UiSession, app: QApplication, build_all: bool) -> float:
    started = time.perf_counter()
    window = MainWindow(session, restore_state=False)
    if build_all:
        for frame in window.lazy_tabs:
            frame.build()
    window.show()
    elapsed = time.perf_counter() - started
    runner().wait(60_000)  # let this window's loads land before the next opening
    app.processEvents()
    window.close()
    window.deleteLater()
    app.processEvents()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/PERFORMANCE.md alone")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FIDUS_HOME"] = tmp
        ctx = open_context(f"sqlite:///{(Path(tmp) / 'demo.db').as_posix()}", log_to_file=False)
        try:
            admin = load_demo(ctx.services).made["admin"].actor()
            session = UiSession(ctx, admin, runner())
            times: dict[bool, list[float]] = {False: [], True: []}
            for _ in range(ROUNDS):
                for build_all in (False, True):
                    times[build_all].append(open_window(session, app, build_all))
        finally:
            runner().wait(10_000)
            ctx.close()
    lazy, eager = statistics.median(times[False]), statistics.median(times[True])
    body = (
        f"Main window on the demo office as its administrator, median of {ROUNDS} openings each, alternating "
        f"({platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, offscreen Qt; "
        "`uv run python benchmarks/bench_window_tabs.py`). GUI-thread time to construct and show the window; each "
        "tab's data loads in the background afterwards either way.\n\n"
        "| Start-up builds | GUI thread busy |\n|---|---|\n"
        f"| every tab (baseline, as before) | {eager * 1000:.0f} ms |\n"
        f"| the tab on screen; others when first shown | {lazy * 1000:.0f} ms |\n"
        "\nThe window opens on Portfolio; Trading, Admin and the CRM/Compliance/Signing placeholders are built "
        "when first shown. The saving grows with every tab the coming features add.\n"
    )
    print(body)
    if not args.no_write:
        write_section("Main window start-up (tabs built when first shown)", body)


if __name__ == "__main__":
    main()
