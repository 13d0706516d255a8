"""The equity curve of one MT5 account: stored snapshots first, then each live snapshot appended."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget


class EquityChart(QWidget):
    """A date-axis line of equity; ``set_curve`` replaces it, ``add_point`` extends it as snapshots arrive."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("equityChart")
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()}, background="w")
        self.plot.setLabel("left", "Equity")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setTitle("Equity")
        self.line = self.plot.plot(pen=pg.mkPen("#1f5fa8", width=2))
        self.times: list[float] = []
        self.values: list[float] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def clear(self) -> None:
        self.set_curve([])

    def set_curve(self, points: Sequence[tuple[datetime, Decimal]]) -> None:
        self.times = [t.timestamp() for t, _ in points]
        self.values = [float(v) for _, v in points]  # plotting only; the figures stay Decimal
        self.line.setData(self.times, self.values)

    def add_point(self, moment: datetime, equity: Decimal) -> None:
        stamp = moment.timestamp()
        if self.times and stamp <= self.times[-1]:
            return  # the same snapshot seen twice (stored, then live)
        self.times.append(stamp)
        self.values.append(float(equity))
        self.line.setData(self.times, self.values)
