"""The prospects list: a table model over what ``ProspectService.list`` returned (one stage or all)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.services.crm.prospects import Prospect
from fidus_desktop.ui.crm.cards import OVERDUE_COLOUR

Index = QModelIndex | QPersistentModelIndex
# (header, display text, sort key): amounts sort by currency then value, never by their text
COLUMNS: list[tuple[str, Callable[[Prospect], Any], Callable[[Prospect], Any]]] = [
    ("Name", lambda p: p.display_name, lambda p: p.display_name.casefold()),
    ("Organisation", lambda p: p.organisation or "", lambda p: (p.organisation or "").casefold()),
    ("Stage", lambda p: p.stage, lambda p: p.stage),
    ("Expected amount", lambda p: fmt.amount(p.expected_amount, p.currency),
     lambda p: (p.currency or "", p.expected_amount or 0)),
    ("Currency", lambda p: p.currency or "", lambda p: p.currency or ""),
    ("Owner", lambda p: p.owner or "", lambda p: p.owner or ""),
    ("Next follow-up", lambda p: fmt.day(p.next_follow_up), lambda p: p.next_follow_up or date.max),
    ("Source", lambda p: p.source or "", lambda p: p.source or ""),
    ("Country", lambda p: p.country or "", lambda p: p.country or ""),
    ("Investor", lambda p: "converted" if p.investor_id else "", lambda p: bool(p.investor_id)),
]
AMOUNT_COLUMN = 3


class ProspectTableModel(QAbstractTableModel):
    def __init__(self, today: Callable[[], date] = date.today) -> None:
        super().__init__()
        self.rows: list[Prospect] = []
        self.today = today
        self.sorted_by: tuple[int, Qt.SortOrder] | None = None

    def set_rows(self, rows: list[Prospect]) -> None:
        self.beginResetModel()
        self.rows = self._ordered(rows)
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sorted_by = (column, order) if 0 <= column < len(COLUMNS) else None  # -1: the service's order
        self.set_rows(self.rows)

    def _ordered(self, rows: list[Prospect]) -> list[Prospect]:
        if self.sorted_by is None:
            return rows
        column, order = self.sorted_by
        return sorted(rows, key=COLUMNS[column][2], reverse=order == Qt.SortOrder.DescendingOrder)

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
        if role == Qt.ItemDataRole.ForegroundRole and prospect.overdue(self.today()):
            return QBrush(QColor(OVERDUE_COLOUR))
        return None
