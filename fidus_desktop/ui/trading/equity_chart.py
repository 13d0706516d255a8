"""Balance and equity of one MT5 account over time; equity grows live as snapshots arrive.

Balance comes from the deal history (every deal, so the curve covers the account's whole life); equity from
the stored snapshots (only since FIDUS started following the account) plus each live snapshot. Deposits and
withdrawals are marked on the balance line (▲ green, ▼ red) so a jump from new money is not read as trading;
a crosshair reads out the time, balance and equity under the mouse. Below, equity's drawdown from its running
peak, zoomed with the chart above; "not measured yet" until FIDUS has recorded equity. Intraday
on purpose: snapshots come every minute, while ``ui.common.charts.TimeSeriesChart`` plots one value per day.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

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
        self.deposits = pg.ScatterPlotItem(name="Deposit", symbol="t1", size=11, brush="#2e8b57", pen=None)
        self.withdrawals = pg.ScatterPlotItem(name="Withdrawal", symbol="t", size=11, brush="#c0392b", pen=None)
        for markers in (self.deposits, self.withdrawals):
            self.plot.addItem(markers)  # named: the legend lists it
        self.currency = ""
        self.times: list[float] = []
        self.values: list[float] = []
        self.balance_points: list[tuple[float, float]] = []
        self._vline = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#999", style=Qt.PenStyle.DashLine))
        self.plot.addItem(self._vline, ignoreBounds=True)
        self.readout = QLabel(" ", objectName="equityReadout")
        self.readout.setStyleSheet("color: #555;")
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.drawdown_plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()}, background="w")
        self.drawdown_plot.setObjectName("equityDrawdown")
        self.drawdown_plot.showGrid(x=True, y=True, alpha=0.2)
        self.drawdown_plot.setXLink(self.plot)  # zoom and pan with the balance and equity
        self.drawdown_plot.setMouseEnabled(x=True, y=False)
        fill = pg.mkBrush(QColor(192, 57, 43, 70))
        self.drawdown = self.drawdown_plot.plot(pen=pg.mkPen("#c0392b", width=1), fillLevel=0, brush=fill)
        self.drawdown_values: list[float] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.drawdown_plot, 1)
        layout.addWidget(self.readout)
        self._show_drawdown()

    def clear(self) -> None:
        self.set_curves([], [])

    def set_curves(self, balance: Curve, equity: Curve, flows: Curve = (), currency: str = "") -> None:
        """``currency`` names the amounts on the axis and in the read-out (the account's currency)."""
        self.currency = currency
        self.plot.getPlotItem().setLabel("left", currency)  # "USD" beside the money axis; none when unknown
        # floats for plotting only; every figure shown as text stays Decimal
        self.balance_points = [(t.timestamp(), float(v)) for t, v in balance]
        self.balance.setData([t for t, _ in self.balance_points], [v for _, v in self.balance_points])
        after = dict(self.balance_points)  # the balance right after each deal, where a flow's marker sits
        for markers, wanted in ((self.deposits, lambda a: a > 0), (self.withdrawals, lambda a: a < 0)):
            spots = [(t.timestamp(), after.get(t.timestamp())) for t, amount in flows if wanted(amount)]
            markers.setData([x for x, y in spots if y is not None], [y for _, y in spots if y is not None])
        self.times = [t.timestamp() for t, _ in equity]
        self.values = [float(v) for _, v in equity]
        self.equity.setData(self.times, self.values)
        self._show_drawdown()

    def _show_drawdown(self) -> None:
        """Equity's fall from its running peak, in %; only where equity was recorded (balance alone would hide
        the open trades' losses)."""
        peak, values = 0.0, []
        for value in self.values:
            peak = max(peak, value)
            values.append(100.0 * (value / peak - 1.0) if peak > 0 else 0.0)
        self.drawdown_values = values
        self.drawdown.setData(self.times, values)
        measured = len(values) > 1
        self.drawdown_plot.setTitle("Equity drawdown from its peak (%)" if measured else
                                    "Equity drawdown: not measured yet", color="#1f3a5f", size="9pt")
        self.drawdown_plot.setToolTip("" if measured else "FIDUS records equity from when it starts following "
                                                          "the account; the drawdown is drawn from then on.")
        for axis in ("left", "bottom"):  # no made-up scale while there is nothing to draw
            self.drawdown_plot.getAxis(axis).setStyle(showValues=measured)

    def value_at(self, points: Sequence[tuple[float, float]], stamp: float) -> float | None:
        """The last value at or before ``stamp`` (a step line: a balance holds until the next deal)."""
        index = bisect_right([t for t, _ in points], stamp) - 1
        return points[index][1] if index >= 0 else None

    def readout_at(self, stamp: float) -> str:
        parts = [datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M")]
        for name, points in (("Balance", self.balance_points), ("Equity", list(zip(self.times, self.values,
                                                                                      strict=True)))):
            value = self.value_at(points, stamp)
            if value is not None:
                parts.append(f"{name} {value:,.2f}" + (f" {self.currency}" if self.currency else ""))
        return "   ".join(parts)

    def _mouse_moved(self, position: QPointF) -> None:
        if not self.balance_points or not self.plot.sceneBoundingRect().contains(position):
            return
        stamp = self.plot.getPlotItem().getViewBox().mapSceneToView(position).x()
        self._vline.setPos(stamp)
        try:
            self.readout.setText(self.readout_at(stamp))
        except (OverflowError, OSError, ValueError):  # far outside any real time
            self.readout.setText(" ")

    def add_point(self, moment: datetime, equity: Decimal) -> None:
        stamp = moment.timestamp()
        if self.times and stamp <= self.times[-1]:
            return  # the same snapshot seen twice (stored, then live)
        self.times.append(stamp)
        self.values.append(float(equity))
        self.equity.setData(self.times, self.values)
        self._show_drawdown()
