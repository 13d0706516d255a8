"""Balance and equity of one MT5 account over time; equity grows live as snapshots arrive.

Balance comes from the deal history (every deal, so the curve covers the account's whole life); equity from
the stored snapshots (only since FIDUS started following the account) plus each live snapshot. Intraday
on purpose: snapshots come every minute, while ``ui.common.charts.TimeSeriesChart`` plots one value per day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

Curve = Sequence[tuple[datetime, Decimal]]


class MoneyAxis(pg.AxisItem):
    """Tick labels with thousands separators (``185,000``), as amounts are written everywhere else."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        decimals = 0 if spacing * scale >= 1 else 2
        return [f"{value * scale:,.{decimals}f}" for value in values]


class EquityChart(QWidget):
    """Two date-axis lines; ``set_curves`` replaces them, ``add_point`` extends the equity line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("equityChart")
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(), "left": MoneyAxis("left")}, background="w")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setTitle("Balance and equity", color="#1f3a5f", size="10pt")
        self.plot.addLegend(offset=(10, 10))
        item = self.plot.getPlotItem()
        item.setDownsampling(auto=True, mode="peak")  # a million-deal balance line stays fluid
        item.setClipToView(True)
        self.balance = self.plot.plot(name="Balance", pen=pg.mkPen("#d9822b", width=1))
        self.equity = self.plot.plot(name="Equity", pen=pg.mkPen("#1f5fa8", width=2),
                                     symbol="o", symbolSize=4, symbolBrush="#1f5fa8")
        self.times: list[float] = []
        self.values: list[float] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def clear(self) -> None:
        self.set_curves([], [])

    def set_curves(self, balance: Curve, equity: Curve) -> None:
        # floats for plotting only; every figure shown as text stays Decimal
        self.balance.setData([t.timestamp() for t, _ in balance], [float(v) for _, v in balance])
        self.times = [t.timestamp() for t, _ in equity]
        self.values = [float(v) for _, v in equity]
        self.equity.setData(self.times, self.values)

    def add_point(self, moment: datetime, equity: Decimal) -> None:
        stamp = moment.timestamp()
        if self.times and stamp <= self.times[-1]:
            return  # the same snapshot seen twice (stored, then live)
        self.times.append(stamp)
        self.values.append(float(equity))
        self.equity.setData(self.times, self.values)
