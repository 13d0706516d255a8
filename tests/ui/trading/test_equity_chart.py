"""The balance/equity chart marks deposits and withdrawals and reads out values under the crosshair."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pytestqt.qtbot import QtBot

from fidus_desktop.ui.trading.equity_chart import EquityChart, MoneyAxis

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
T = [datetime(2024, 6, day, 12, tzinfo=UTC) for day in (1, 2, 3, 4)]


def test_flows_are_marked_on_the_balance_line_and_the_crosshair_reads_values(qtbot: QtBot) -> None:
    chart = EquityChart()
    qtbot.addWidget(chart)
    balance = [(T[0], Decimal("100000")), (T[1], Decimal("101500.50")), (T[2], Decimal("91500.50")),
               (T[3], Decimal("92000"))]
    flows = [(T[0], Decimal("100000")), (T[2], Decimal("-10000"))]
    chart.set_curves(balance, [(T[3], Decimal("92100.25"))], flows)
    assert list(zip(*chart.deposits.getData(), strict=True)) == [(T[0].timestamp(), 100000.0)]
    assert list(zip(*chart.withdrawals.getData(), strict=True)) == [(T[2].timestamp(), 91500.5)]
    names = [label.text for _, label in chart.plot.getPlotItem().legend.items]
    assert {"Deposit", "Withdrawal"} <= set(names)
    text = chart.readout_at(T[3].timestamp() + 60)
    assert text.endswith("Balance 92,000.00   Equity 92,100.25")
    assert "Balance 101,500.50" in chart.readout_at(T[1].timestamp() + 3600)
    chart.set_curves(balance, [(T[3], Decimal("92100.25"))], flows, "USD")  # the account's currency: axis and read-out
    assert chart.plot.getPlotItem().getAxis("left").labelText == "USD"
    assert chart.readout_at(T[3].timestamp() + 60).endswith("Balance 92,000.00 USD   Equity 92,100.25 USD")


def test_the_money_axis_writes_thousands_separators() -> None:
    assert MoneyAxis("left").tickStrings([185000.0, 190000.0], 1.0, 5000.0) == ["185,000", "190,000"]


def test_equity_drawdown_is_drawn_from_its_peak_or_said_to_be_not_measured(qtbot: QtBot) -> None:
    chart = EquityChart()
    qtbot.addWidget(chart)
    assert "not measured yet" in chart.drawdown_plot.getPlotItem().titleLabel.text
    chart.set_curves([(T[0], Decimal("100000"))], [(T[0], Decimal("100000")), (T[1], Decimal("110000"))])
    chart.add_point(T[2], Decimal("99000"))
    chart.add_point(T[3], Decimal("115000"))
    assert chart.drawdown_values == pytest.approx([0.0, 0.0, -10.0, 0.0])  # 99,000 is 10 % under 110,000
    assert chart.drawdown_plot.getPlotItem().titleLabel.text == "Equity drawdown from its peak (%)"
