"""The prospects list: a table model over what ``ProspectService.list`` returned (one stage or all)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.services.crm.prospects import Prospect
from fidus_desktop.ui.crm.cards import OVERDUE_COLOUR, is_overdue

Index = QModelIndex | QPersistentModelIndex
COLUMNS: list[tuple[str, Callable[[Prospect], Any]]] = [
    ("Name", lambda p: p.display_name),
    ("Organisation", lambda p: p.organisation or ""),
    ("Stage", lambda p: p.stage),
    ("Expected amount", lambda p: fmt.amount(p.expected_amount, p.currency)),
    ("Currency", lambda p: p.currency or ""),
    ("Owner", lambda p: p.owner or ""),
    ("Next follow-up", lambda p: fmt.day(p.next_follow_up)),
    ("Source", lambda p: p.source or ""),
    ("Investor", lambda p: "converted" if p.investor_id else ""),
]
AMOUNT_COLUMN = 3


class ProspectTableModel(QAbstractTableModel):
    def __init__(self, today: Callable[[], date] = date.today) -> None:
        super().__init__()
        self.rows: list[Prospect] = []
        self.today = today

    def set_rows(self, rows: list[Prospect]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def prospect(self, row: int) -> Prospect:
        return self.rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        prospect = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[index.column()][1](prospect)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == AMOUNT_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and is_overdue(prospect, self.today()):
            return QBrush(QColor(OVERDUE_COLOUR))
        return None
