"""Charts read honestly: an empty chart shows no made-up scale, a filled drawdown keeps its legend off the fill."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from fidus_desktop.ui.common.charts import Series, TimeSeriesChart, period_start

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def chart(qtbot: QtBot, series: list[Series]) -> TimeSeriesChart:
    widget = TimeSeriesChart("t")
    qtbot.addWidget(widget)
    widget.set_series(series)
    widget.show()
    return widget


def test_an_empty_chart_has_no_ticks_and_says_so(qtbot: QtBot) -> None:
    empty = chart(qtbot, [])
    assert not any(empty.plot.getAxis(a).style["showValues"] for a in ("left", "bottom"))
    assert empty.readout.text() == "No data for this selection."
    empty.set_series([Series("A", [date(2026, 1, 2), date(2026, 1, 5)], [1.0, 2.0])])
    assert all(empty.plot.getAxis(a).style["showValues"] for a in ("left", "bottom"))


def test_the_drawdown_legend_sits_at_the_bottom_away_from_the_fill(qtbot: QtBot) -> None:
    days = [date(2026, 1, d) for d in (2, 5, 6)]
    drawdown = chart(qtbot, [Series("A", days, [0.0, -0.05, -0.02], fill=True)])
    legend_box = drawdown.legend.mapRectToScene(drawdown.legend.boundingRect())
    view_box = drawdown.plot.getPlotItem().getViewBox().sceneBoundingRect()
    assert legend_box.center().y() > view_box.center().y()
    line = chart(qtbot, [Series("A", days, [100.0, 101.0, 99.0])])
    legend_box = line.legend.mapRectToScene(line.legend.boundingRect())
    assert legend_box.center().y() < line.plot.getPlotItem().getViewBox().sceneBoundingRect().center().y()


@pytest.mark.parametrize(("period", "start"), [("MTD", date(2026, 4, 1)), ("YTD", date(2026, 1, 1)),
                                               ("1Y", date(2025, 4, 10)), ("3Y", date(2023, 4, 10)), ("Max", None)])
def test_period_starts_end_on_the_last_date(period: str, start: date | None) -> None:
    assert period_start(period, date(2026, 4, 10)) == start


def test_the_ytd_button_zooms_to_the_year_and_max_shows_everything(qtbot: QtBot) -> None:
    days = [date(2023, 1, 2), date(2025, 6, 30), date(2026, 1, 5), date(2026, 4, 10)]
    widget = chart(qtbot, [Series("A", days, [100.0, 110.0, 120.0, 125.0])])
    qtbot.mouseClick(widget.period_buttons["YTD"], Qt.MouseButton.LeftButton)
    first, last = widget.x_range()
    assert date(2025, 12, 28) <= first <= date(2026, 1, 2)  # a little padding either side
    assert date(2026, 4, 10) <= last <= date(2026, 4, 14)
    qtbot.mouseClick(widget.period_buttons["Max"], Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert widget.x_range()[0] <= date(2023, 1, 2)


def test_custom_shows_from_and_to_fields_starting_on_the_view_and_zooms_to_what_is_typed(qtbot: QtBot) -> None:
    days = [date(2023, 1, 2), date(2025, 6, 30), date(2026, 1, 5), date(2026, 4, 10)]
    widget = chart(qtbot, [Series("A", days, [100.0, 110.0, 120.0, 125.0])])
    assert not widget.custom_from.isVisible()
    qtbot.mouseClick(widget.custom_button, Qt.MouseButton.LeftButton)
    assert widget.custom_from.isVisible()
    assert widget.custom_to.isVisible()
    assert widget.custom_from.date() == widget.x_range()[0]  # they start on what the chart shows
    for edit, text in ((widget.custom_from, "2024-07-01"), (widget.custom_to, "2025-12-31")):
        edit.clear()
        qtbot.keyClicks(edit, text)
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert widget.x_range() == (date(2024, 7, 1), date(2025, 12, 31))
    qtbot.mouseClick(widget.custom_button, Qt.MouseButton.LeftButton)
    assert not widget.custom_from.isVisible()


def visible_first(widget: TimeSeriesChart) -> list[tuple[date, float]]:
    """Each line's first point inside the time axis shown now."""
    start, end = widget.x_range()
    return [next((d, v) for d, v in zip(s.dates, s.values, strict=True) if start <= d <= end) for s in widget.series]


def test_a_growth_chart_rebases_its_lines_to_100_at_the_period_start_and_max_restores_them(qtbot: QtBot) -> None:
    """Fund 110 → 120 (31 Dec) → 126 → 132 and a benchmark 95 → 100 (30 Dec) → 104: YTD reads from the year's
    last close, 100 for both, then +5 % and +10 % for the fund (126 / 120, 132 / 120), +4 % for the benchmark."""
    fund_days = [date(2025, 6, 30), date(2025, 12, 31), date(2026, 1, 5), date(2026, 4, 10)]
    bench_days = [date(2025, 6, 30), date(2025, 12, 30), date(2026, 4, 10)]
    widget = TimeSeriesChart("Growth of 100", rebase=100)
    qtbot.addWidget(widget)
    widget.show()
    widget.set_series([Series("Fund", fund_days, [110.0, 120.0, 126.0, 132.0]),
                       Series("Bench", bench_days, [95.0, 100.0, 104.0])])
    qtbot.mouseClick(widget.period_buttons["YTD"], Qt.MouseButton.LeftButton)
    assert [round(v, 9) for _, v in visible_first(widget)] == [100.0, 100.0]
    fund, bench = widget.series
    assert [round(v, 9) for v in fund.values] == [100.0, 105.0, 110.0]
    assert [round(v, 9) for v in bench.values] == [100.0, 104.0]
    assert widget.x_range()[0] <= date(2025, 12, 30)  # the base points are in view
    assert "Fund 110.00" in widget.readout_at(date(2026, 4, 10))
    qtbot.mouseClick(widget.period_buttons["Max"], Qt.MouseButton.LeftButton)
    assert [s.values[-1] for s in widget.series] == [132.0, 104.0]  # as given again
    qtbot.mouseClick(widget.custom_button, Qt.MouseButton.LeftButton)
    for edit, text in ((widget.custom_from, "2026-01-05"), (widget.custom_to, "2026-04-10")):
        edit.clear()
        qtbot.keyClicks(edit, text)
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert [round(v, 9) for _, v in visible_first(widget)] == [100.0, 100.0]  # fund 126, benchmark 100 there
    assert round(widget.series[0].values[-1], 9) == round(132 / 126 * 100, 9)
