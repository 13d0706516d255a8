"""The NAV history grid of a share class: every NAV, newest first, with its source and its corrections.

Why corrections are shown: a NAV corrected after statements went out is what an auditor asks about first;
the grid says how often a NAV was corrected, the last change (old → new, by whom, why) and, in the tooltip,
every change. Values come from ``NavService.history`` (loaded in the worker by the Portfolio tab).
"""

from __future__ import annotations

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.services.portfolio.nav import NavCorrection, NavPoint
from fidus_desktop.ui.common.lazy_table import RIGHT, Column
from fidus_desktop.ui.common.record_table import RecordTableModel


def _correction(change: NavCorrection) -> str:
    reason = f": {change.reason}" if change.reason else ""
    return f"{fmt.nav(change.old)} → {fmt.nav(change.new)} by {change.by}{reason}"


def corrections_text(point: NavPoint) -> str:
    if not point.corrections:
        return ""
    times = f"{len(point.corrections)}×, last " if len(point.corrections) > 1 else ""
    return times + _correction(point.corrections[-1])


NAV_COLUMNS: list[Column[NavPoint]] = [
    Column("NAV date", lambda p: fmt.day(p.nav_date), value=lambda p: p.nav_date),
    Column("NAV per unit", lambda p: fmt.nav(p.nav_per_unit), align=RIGHT, value=lambda p: p.nav_per_unit),
    Column("Ccy", lambda p: p.currency),
    Column("Source", lambda p: p.source),
    Column("Corrections", corrections_text,
           tooltip=lambda p: "\n".join(_correction(c) for c in p.corrections) or None),
]


def nav_history_model() -> RecordTableModel[NavPoint]:
    return RecordTableModel(NAV_COLUMNS)
