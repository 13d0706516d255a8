"""The prospects list: a lazy table over ``ProspectService.count``/``page`` (a page of 200 at a time, sorted
and filtered by the service through its indexes), overdue follow-ups in red."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.services.crm.prospects import Prospect
from fidus_desktop.ui.common.lazy_table import RIGHT, Column, LazyTableModel
from fidus_desktop.ui.crm.cards import OVERDUE_COLOUR
from fidus_desktop.ui.session import UiSession

Index = QModelIndex | QPersistentModelIndex
# sort keys are the service's (``ProspectService.SORTABLE``): amounts sort by currency, then value
COLUMNS: list[Column[Prospect]] = [
    Column("Name", lambda p: p.display_name, sort_key="name_key"),
    Column("Organisation", lambda p: p.organisation or "", sort_key="organisation"),
    Column("Stage", lambda p: p.stage, sort_key="stage"),
    Column("Expected amount", lambda p: fmt.amount(p.expected_amount, p.currency), sort_key="expected_amount",
           align=RIGHT, value=lambda p: p.expected_amount),
    Column("Currency", lambda p: p.currency or "", sort_key="currency"),
    Column("Owner", lambda p: p.owner or "", sort_key="owner"),
    Column("Next follow-up", lambda p: fmt.day(p.next_follow_up), sort_key="next_follow_up",
           value=lambda p: p.next_follow_up),
    Column("Source", lambda p: p.source or "", sort_key="source"),
    Column("Country", lambda p: p.country or "", sort_key="country"),
    Column("Investor", lambda p: "converted" if p.investor_id else "", sort_key="investor_id"),
]


class ProspectTableModel(LazyTableModel[Prospect]):
    def __init__(self, session: UiSession) -> None:
        prospects, actor = session.services.prospects, session.actor
        super().__init__(COLUMNS, count=lambda filters: prospects.count(actor, filters),
                         fetch=lambda filters, sort, offset, limit, _after: prospects.page(actor, filters, sort,
                                                                                             offset, limit),
                         runner=session.runner, initial_filter={})
        self.today = session.today

    def prospect(self, row: int) -> Prospect:
        return self.row_at(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        overdue = (role == Qt.ItemDataRole.ForegroundRole and index.isValid() and index.row() < self.rowCount()
                   and self.row_at(index.row()).overdue(self.today()))
        if overdue:
            return QBrush(QColor(OVERDUE_COLOUR))
        return super().data(index, role)
