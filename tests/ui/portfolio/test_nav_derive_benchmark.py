"""The NAV dialog's "Derive from holdings" and the Portfolio tab's benchmark curve and comparison card."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from fidus_desktop.ui.portfolio.tab import BENCHMARK_PREFIX, PortfolioTab
from tests.support.portfolio_office import D4, DATA, PM, Office, positions

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def click(qtbot: QtBot, button: QPushButton) -> None:
    assert button.isEnabled(), f"{button.objectName()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def typed(qtbot: QtBot, tab: PortfolioTab, name: str, text: str) -> None:
    edit = tab.dialog.findChild(QLineEdit, name)
    edit.clear()
    qtbot.keyClicks(edit, text)


def test_derive_fills_the_value_shows_the_breakdown_and_saves_as_derived(
        qtbot: QtBot, tab: PortfolioTab, office: Office) -> None:
    positions(office)
    expected = office.p.nav_derivation.derive_nav(PM, office.fund.fund_id, D4).classes[0].share
    click(qtbot, tab.buttons["nav"])
    typed(qtbot, tab, "nav_date", "2023-01-05")
    click(qtbot, tab.dialog.findChild(QPushButton, "deriveButton"))
    assert tab.dialog.value.text() == str(expected.nav_per_unit)
    breakdown = tab.dialog.findChild(QLabel, "derivation")
    assert breakdown.isVisible()
    assert "net assets" in breakdown.text()
    assert "source: derived" in breakdown.text()
    assert office.p.navs.nav_on(office.eur.class_id, D4).source == "entered"  # nothing saved before Save
    typed(qtbot, tab, "reason", "Valued from holdings")
    click(qtbot, tab.dialog.ok_button)
    assert not tab.dialog.isVisible()
    stored = office.p.navs.nav_on(office.eur.class_id, D4)
    assert (stored.nav_per_unit, stored.source) == (expected.nav_per_unit, "derived")


def test_derive_without_prices_explains_under_the_date(qtbot: QtBot, tab: PortfolioTab, office: Office) -> None:
    positions(office, price_dates=())
    click(qtbot, tab.buttons["nav"])
    typed(qtbot, tab, "nav_date", "2023-01-05")
    click(qtbot, tab.dialog.findChild(QPushButton, "deriveButton"))
    error = tab.dialog.findChild(QLabel, "nav_date_error")
    assert error.isVisible()
    assert "no price for EQ-US" in error.text()
    assert tab.dialog.value.text() == ""
    assert not tab.dialog.findChild(QLabel, "derivation").isVisible()


def test_the_chart_shows_the_class_against_its_benchmark(tab: PortfolioTab, office: Office) -> None:
    assert tab.cards["benchmark"].value.text() == "—"
    benchmark = office.p.benchmarks.import_levels(PM, (DATA / "portfolio" / "benchmark-example.csv").read_text(),
                                                  "DEMO-EUR", "Demo index EUR", "EUR").benchmark
    office.p.benchmarks.set_class_benchmark(PM, office.eur.class_id, office.eur.version, benchmark.benchmark_id)
    tab.reload({"benchmark"})
    assert [s.name for s in tab.performance_chart.series] == ["GLB-A-EUR", "DEMO-EUR"]
    bench = tab.performance_chart.series[1]
    assert bench.values[0] == 100.0
    assert bench.values[-1] == pytest.approx(101.175)  # rebased: 1011.75 / 1000 × 100
    comparison = tab.overview.report.benchmark
    assert tab.cards["benchmark"].value.text() != "—"
    assert "vs DEMO-EUR · TE" in tab.cards["benchmark"].note.text()
    assert f"β {comparison.beta:.2f}" in tab.cards["benchmark"].note.text()
    tab.class_combo.setCurrentIndex(tab.class_combo.findData(office.usd.class_id))  # USD class: not linked
    assert [s.name for s in tab.performance_chart.series] == ["GLB-A-USD"]
    tab.compare_combo.setCurrentIndex(tab.compare_combo.findData(BENCHMARK_PREFIX + benchmark.benchmark_id))
    assert [s.name for s in tab.performance_chart.series] == ["GLB-A-USD", "DEMO-EUR"]
