"""pyqtgraph charts for figures over time and for allocations.

``TimeSeriesChart``: a date axis, one or more lines (optionally a filled area, used for drawdowns), a
crosshair that reads out the date and the values under the mouse, period buttons (MTD, YTD, 1Y, 3Y, Max)
that zoom to the period ending on the last date shown, and "Custom" for any period: From and To date fields
(typed or picked from a calendar; they start on what the chart shows) besides pyqtgraph's mouse zoom (wheel
or right-drag; "Max" fits the data again). A chart made with ``rebase=100`` (growth of 100) also rebases its
lines to 100 at a period's start (the last point on or before it), so the line reads as the growth over that
period; "Max" shows the lines as given again.
``AllocationChart``: horizontal bars of weights with their labels and percentages. Both take plain Python
data; the tab gets it from the services.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from fidus_desktop.ui.common.editors import DateEdit

PALETTE = ["#1f3a5f", "#d9822b", "#2e8b57", "#8e44ad", "#c0392b", "#7f8c8d"]


@dataclass(frozen=True)
class Series:
    name: str
    dates: Sequence[date]
    values: Sequence[float]
    fill: bool = False  # shade between the line and zero (drawdown)
    bars: bool = False  # one bar per date instead of a line (flows)


def _timestamp(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def _day(timestamp: float) -> date:
    return datetime.fromtimestamp(timestamp, UTC).date()


PERIODS = ["MTD", "YTD", "1Y", "3Y", "Max"]
BAR_WIDTH = 0.8 * 86400  # a bar covers most of its day (the x axis is in seconds)


def rebased(series: Series, start: date, base: float) -> Series:
    """``series`` from its last point on or before ``start`` (or its first point), scaled so that point is
    ``base``; unchanged where that point is zero (nothing to scale by)."""
    index = next((i for i in range(len(series.dates) - 1, -1, -1) if series.dates[i] <= start), 0)
    anchor = series.values[index]
    if not anchor:
        return series
    return replace(series, dates=series.dates[index:], values=[v / anchor * base for v in series.values[index:]])


def period_start(period: str, last: date) -> date | None:
    """The first day a period button shows, ending on ``last`` (None: everything)."""
    if period == "MTD":
        return last.replace(day=1)
    if period == "YTD":
        return date(last.year, 1, 1)
    if period in ("1Y", "3Y"):
        years = int(period[0])
        try:
            return last.replace(year=last.year - years)
        except ValueError:  # 29 February
            return last.replace(year=last.year - years, day=28)
    return None


class TimeSeriesChart(QWidget):
    """Lines over a date axis with a crosshair read-out; ``value_format`` renders a y value as text."""

    def __init__(self, title: str, value_format: str = "{:.2f}", parent: QWidget | None = None, *,
                 rebase: float | None = None) -> None:
        super().__init__(parent)
        self.value_format, self.rebase = value_format, rebase
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot.setBackground("w")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setTitle(title, color="#1f3a5f", size="10pt")
        self.legend = self.plot.addLegend(offset=(10, 10))
        self.plot.setMouseEnabled(x=True, y=False)  # zoom and pan along time; y follows the data
        self.plot.getPlotItem().getViewBox().setAutoVisible(y=True)
        self.readout = QLabel(" ")
        self.readout.setObjectName("chartReadout")
        self.readout.setStyleSheet("color: #555;")
        footer = QHBoxLayout()
        footer.addWidget(self.readout, 1)
        self.period_buttons: dict[str, QToolButton] = {}
        for period in PERIODS:
            button = QToolButton(text=period, objectName=f"period{period}", autoRaise=True)
            button.setToolTip("Zoom to all the data" if period == "Max"
                              else f"Zoom to {period}, ending on the last date"
                              + (f", lines rebased to {rebase:g} at its start" if rebase is not None else ""))
            button.clicked.connect(lambda _=False, p=period: self.show_period(p))
            footer.addWidget(button)
            self.period_buttons[period] = button
        footer.addWidget(self._custom_period())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        layout.addLayout(footer)
        pen = pg.mkPen("#999", width=1, style=Qt.PenStyle.DashLine)
        self._vline = pg.InfiniteLine(angle=90, movable=False, pen=pen)
        self._hline = pg.InfiniteLine(angle=0, movable=False, pen=pen)
        self._series: list[Series] = []  # as drawn (rebased to a period's start)
        self._given: list[Series] = []  # as set
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.set_series([])  # empty until data comes: no made-up scale

    @property
    def series(self) -> list[Series]:
        return list(self._series)

    def set_series(self, series: Sequence[Series]) -> None:
        """Replace what is drawn and fit the view to it."""
        self._given = [s for s in series if len(s.dates)]
        self._draw(self._given)
        self.reset_zoom()

    def _draw(self, series: list[Series]) -> None:
        self._series = series
        self.plot.clear()
        for i, item in enumerate(self._series):
            colour = QColor(PALETTE[i % len(PALETTE)])
            xs = [_timestamp(d) for d in item.dates]
            if item.bars:
                bars = pg.BarGraphItem(x=xs, height=list(item.values), width=BAR_WIDTH, brush=pg.mkBrush(colour),
                                       pen=pg.mkPen(colour))
                self.plot.addItem(bars)  # no legend swatch: a bar chart's title says what its bars are
                continue
            curve = self.plot.plot(xs, list(item.values), name=item.name, pen=pg.mkPen(colour, width=1.6))
            if item.fill:
                fill = QColor(colour)
                fill.setAlpha(70)
                curve.setFillLevel(0)
                curve.setBrush(pg.mkBrush(fill))
        if self._series:
            self.plot.addItem(self._vline, ignoreBounds=True)
            self.plot.addItem(self._hline, ignoreBounds=True)
        # A filled area (drawdown, below zero) hangs from the top: its legend goes to the bottom, off the fill.
        bottom = any(item.fill for item in self._series)
        self.legend.anchor(itemPos=(0, 1 if bottom else 0), parentPos=(0, 1 if bottom else 0),
                           offset=(10, -10 if bottom else 10))
        for axis in ("left", "bottom"):  # an empty chart shows no made-up scale or grid
            self.plot.getAxis(axis).setStyle(showValues=bool(self._series))
        self.plot.showGrid(x=bool(self._series), y=bool(self._series), alpha=0.2)
        self.readout.setText(" " if self._series else "No data for this selection.")

    def reset_zoom(self) -> None:
        self.plot.enableAutoRange()

    def show_period(self, period: str) -> None:
        """Zoom the time axis to ``period`` (``PERIODS``) ending on the last date; y follows what is visible."""
        last = max((item.dates[-1] for item in self._given), default=None)
        start = period_start(period, last) if last is not None else None
        if last is None or start is None:
            if self.rebase is not None and self._series != self._given:
                self._draw(self._given)
            self.reset_zoom()
            return
        self.plot.setXRange(_timestamp(self._rebase_at(start)), _timestamp(last), padding=0.01)
        self.plot.enableAutoRange(axis="y")

    def _rebase_at(self, start: date) -> date:
        """Redraw the lines rebased at ``start`` (a chart with ``rebase``); the first day drawn then."""
        if self.rebase is None:
            return start
        lines = [item if item.bars else rebased(item, start, self.rebase) for item in self._given]
        self._draw(lines)
        return min(min(item.dates[0] for item in lines), start)

    def _custom_period(self) -> QWidget:
        """"Custom": From and To fields beside the buttons, shown while the button is down."""
        self.custom_button = QToolButton(text="Custom", objectName="periodCustom", autoRaise=True, checkable=True)
        self.custom_button.setToolTip("Zoom to the dates you choose")
        self.custom_from, self.custom_to = DateEdit(), DateEdit()
        fields = QWidget(objectName="customPeriod")
        row = QHBoxLayout(fields)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.custom_button)
        for label, edit, name in (("From", self.custom_from, "customFrom"), ("to", self.custom_to, "customTo")):
            edit.setObjectName(name)
            edit.setMaximumWidth(130)
            edit.editingFinished.connect(self._custom_changed)
            caption = QLabel(label)
            row.addWidget(caption)
            row.addWidget(edit)
            self.custom_button.toggled.connect(caption.setVisible)
            self.custom_button.toggled.connect(edit.setVisible)
            caption.hide()
            edit.hide()
        self.custom_button.toggled.connect(self._custom_toggled)
        return fields

    def _custom_toggled(self, on: bool) -> None:
        if on and self._series:
            first, last = self.x_range()
            self.custom_from.set_date(first)
            self.custom_to.set_date(last)
            self.custom_from.setFocus()

    def _custom_changed(self) -> None:
        first, last = self.custom_from.date(), self.custom_to.date()
        if first is not None and last is not None and self._series:
            self.show_range(min(first, last), max(first, last))

    def show_range(self, first: date, last: date) -> None:
        """Zoom the time axis to ``first`` … ``last``; y follows what is visible."""
        self.plot.setXRange(_timestamp(self._rebase_at(first)), _timestamp(last), padding=0)
        self.plot.enableAutoRange(axis="y")

    def x_range(self) -> tuple[date, date]:
        """The first and last day the time axis shows now."""
        low, high = self.plot.getPlotItem().getViewBox().viewRange()[0]
        return _day(low), _day(high)

    def readout_at(self, day: date) -> str:
        """The text the crosshair shows for ``day``: each series' last value on or before it."""
        parts = [day.isoformat()]
        for item in self._series:
            index = next((i for i in range(len(item.dates) - 1, -1, -1) if item.dates[i] <= day), None)
            if index is not None:
                parts.append(f"{item.name} {self.value_format.format(item.values[index])}")
        return "   ".join(parts)

    def _mouse_moved(self, position: QPointF) -> None:
        view = self.plot.getPlotItem().getViewBox()
        if not self._series or not self.plot.sceneBoundingRect().contains(position):
            return
        point = view.mapSceneToView(position)
        self._vline.setPos(point.x())
        self._hline.setPos(point.y())
        try:
            self.readout.setText(self.readout_at(_day(point.x())))
        except (OverflowError, OSError, ValueError):  # the mouse is far outside any real date
            self.readout.setText(" ")


class AllocationChart(QWidget):
    """Horizontal bars, one per part, labelled with the name and the share of the whole."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setBackground("w")
        self.plot.setTitle(title, color="#1f3a5f", size="10pt")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.getAxis("bottom").setLabel("% of total")
        self.plot.getAxis("left").setWidth(110)  # room for the part names
        self.plot.invertY(True)  # the first part on top
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.parts: list[tuple[str, float]] = []

    def set_parts(self, parts: Sequence[tuple[str, float]], title: str | None = None) -> None:
        """``[(label, value)]`` in any unit; bars show each value's percentage of the sum."""
        self.plot.clear()
        if title:
            self.plot.setTitle(title, color="#1f3a5f", size="10pt")
        total = sum(v for _, v in parts)
        self.parts = [(label, 100.0 * v / total if total else 0.0) for label, v in parts]
        if not self.parts:
            return
        ys = list(range(len(self.parts)))
        widths = [p for _, p in self.parts]
        brushes = [pg.mkBrush(PALETTE[i % len(PALETTE)]) for i in ys]
        self.plot.addItem(pg.BarGraphItem(x0=0, y=ys, height=0.6, width=widths, brushes=brushes))
        self.plot.getAxis("left").setTicks([[(y, label) for y, (label, _) in zip(ys, self.parts, strict=True)]])
        for y, share in zip(ys, widths, strict=True):
            text = pg.TextItem(f"{share:.1f} %", color="#333", anchor=(0, 0.5))
            text.setPos(share, y)
            self.plot.addItem(text)
        self.plot.setXRange(0, max(widths) * 1.2 or 1)
        self.plot.setYRange(-0.6, len(ys) - 0.4)
