"""The monthly-returns table (years × months + year) with a red–white–green colour scale.

Takes ``PerformanceReport.monthly_returns`` as computed by the analytics domain; this model only shows it.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.ui.common.lazy_table import EXPORT_ROLE

Index = QModelIndex | QPersistentModelIndex
FULL_SCALE = 0.05  # a month of ±5 % or more gets the strongest colour


def scale_colour(value: float) -> QColor:
    """White at 0, deepening to green for gains and red for losses, saturated at ±``FULL_SCALE``."""
    strength = min(abs(value) / FULL_SCALE, 1.0)
    target = (46, 139, 87) if value >= 0 else (192, 57, 43)
    return QColor(*(round(255 + (t - 255) * strength * 0.75) for t in target))


class MonthlyReturnsModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._table = pd.DataFrame()

    def set_table(self, table: pd.DataFrame) -> None:
        self.beginResetModel()
        self._table = table.sort_index(ascending=False)
        self.endResetModel()

    def value(self, row: int, column: int) -> float | None:
        value = float(self._table.iat[row, column])
        return None if math.isnan(value) else value

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._table.index)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._table.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self.value(index.row(), index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if value is None else fmt.percent(value, signed=False, decimals=1)
        if role == Qt.ItemDataRole.BackgroundRole and value is not None:
            return scale_colour(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == EXPORT_ROLE and value is not None:
            return round(Decimal(value) * 100, 2)  # in per cent, as shown (the export's title says so)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        labels = self._table.columns if orientation == Qt.Orientation.Horizontal else self._table.index
        if not 0 <= section < len(labels):
            return None
        # The domain's "YTD" column is each calendar year's return: "Year" is right for full past years too.
        return "Year" if str(labels[section]) == "YTD" and orientation == Qt.Orientation.Horizontal \
            else str(labels[section])
