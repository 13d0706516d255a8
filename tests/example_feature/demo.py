"""Demo memos: one per demo fund, written by the portfolio manager."""

from __future__ import annotations

from fidus_desktop.services.demo import DemoRun


def demo_memos(run: DemoRun) -> None:
    manager = run.made["maria.costa"].actor()
    for code in ("FIDUS-GLOBAL", "FIDUS-US", "FIDUS-INCOME"):
        run.services.memos.write(manager, code, f"Quarterly review of {code} booked with the board.")
