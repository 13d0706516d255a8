"""The Portfolio tab driven by clicks and typing: KPI cards, dealing and NAV dialogs, refresh, statements."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.services.portfolio.dealing import TransactionRequest
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.portfolio.statements_dialog import StatementsDialog
from fidus_desktop.ui.portfolio.tab import PortfolioTab, portfolio_tab
from fidus_desktop.ui.session import UiSession
from tests.portfolio.fixtures import D4, PM, Office
from tests.reports.test_statements import client_of
from tests.ui.form_support import click, fill_form

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def session(office: Office) -> UiSession:
    return UiSession(SimpleNamespace(services=office.services), PM, runner=InlineRunner())  # type: ignore[arg-type]


@pytest.fixture
def tab(qtbot: QtBot, session: UiSession) -> Iterator[PortfolioTab]:
    widget = PortfolioTab(session)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    if widget.dialog is not None:
        widget.dialog.close()


def card(tab: PortfolioTab, name: str) -> str:
    return tab.cards[name].value.text()


def field_error(tab: PortfolioTab, name: str) -> str:
    label = tab.dialog.findChild(QLabel, f"{name}_error")
    return label.text() if label.isVisible() else ""


def test_kpi_cards_show_the_figures_service_values(tab: PortfolioTab, office: Office, qtmodeltester) -> None:
    kpis = office.p.figures.class_kpis(PM, office.eur.class_id)
    aum = office.p.figures.fund_aum(PM, office.fund.fund_id)
    assert tab.fund_combo.currentData() == office.fund.fund_id
    assert card(tab, "nav") == "101.5000"
    assert card(tab, "aum") == fmt.amount(aum.total, "EUR")
    assert card(tab, "ytd") == fmt.percent(kpis.ytd)
    assert card(tab, "max_drawdown") == fmt.percent(kpis.max_drawdown)
    assert card(tab, "volatility") == fmt.percent(kpis.volatility, signed=False)
    # Four days of NAVs: the since-inception return is the period's own, and the card says so (no "p.a.").
    assert card(tab, "since_inception") == fmt.percent(101.5 / 100 - 1)
    assert tab.cards["since_inception"].caption.text() == "Since inception (under a year: not annualised)"
    assert tab.performance_chart.series[0].name == "GLB-A-EUR"
    tab.class_combo.setCurrentIndex(tab.class_combo.findData(office.usd.class_id))
    usd = office.p.figures.class_kpis(PM, office.usd.class_id)
    assert card(tab, "ytd") == fmt.percent(usd.ytd)
    assert tab.cards["nav"].note.text().startswith("GLB-A-USD USD")
    qtmodeltester.check(tab.monthly_model, force_py=True)
    qtmodeltester.check(tab.transactions, force_py=True)


def test_compare_with_another_class_draws_both(tab: PortfolioTab, office: Office) -> None:
    tab.compare_combo.setCurrentIndex(tab.compare_combo.findData(office.usd.class_id))
    assert [s.name for s in tab.performance_chart.series] == ["GLB-A-EUR", "GLB-A-USD"]
    assert tab.overview is not None
    assert tab.overview.report.benchmark is not None  # the comparison statistics from ``performance``
    assert tab.performance_chart.readout_at(D4).startswith("2023-01-05   GLB-A-EUR")


def test_invalid_amount_is_explained_next_to_the_field_and_nothing_is_saved(
        qtbot: QtBot, tab: PortfolioTab, office: Office) -> None:
    before = office.p.dealing.count(PM)
    click(qtbot, tab.buttons["deal"])
    fill_form(qtbot, tab.dialog, investor_id="INV-2", amount="12,5x", trade_date="2023-01-05",
              dealing_date="2023-01-05", settlement_date="2023-01-06")
    click(qtbot, tab.dialog.ok_button)
    assert "amount" in field_error(tab, "amount").lower()
    assert tab.dialog.isVisible()
    fill_form(qtbot, tab.dialog, investor_id="INV-999", amount="500")
    click(qtbot, tab.dialog.ok_button)
    assert "INV-999" in field_error(tab, "investor_id")
    assert field_error(tab, "amount") == ""
    assert office.p.dealing.count(PM) == before


def test_a_valid_subscription_appears_in_the_transactions_table(
        qtbot: QtBot, tab: PortfolioTab, office: Office) -> None:
    before = tab.transactions.total
    click(qtbot, tab.buttons["deal"])
    fill_form(qtbot, tab.dialog, investor_id="inv-2", amount="2500.00", trade_date="2023-01-05",
              dealing_date="2023-01-05", settlement_date="2023-01-06")
    click(qtbot, tab.dialog.ok_button)
    assert not tab.dialog.isVisible()
    entered = tab.dialog.result_value
    assert tab.transactions.total == before + 1
    refs = [tab.transactions.row_at(r).ref for r in range(tab.transactions.rowCount())]
    assert entered.ref in refs
    assert entered.status == "pending"


def test_transactions_filter_by_investor_number_and_status(qtbot: QtBot, tab: PortfolioTab) -> None:
    qtbot.keyClicks(tab.transaction_filter, "INV-2")
    tab.apply_filters()  # what the debounce timer does after typing stops
    assert tab.transactions.total == 1
    tab.transaction_filter.setText("INV-404")
    tab.apply_filters()
    assert tab.transactions.total == 0
    tab.transaction_filter.clear()
    tab.status_filter.setCurrentIndex(tab.status_filter.findData("pending"))
    assert tab.transactions.total == 0
    qtbot.keyClicks(tab.investor_filter, "bob")
    tab.apply_filters()
    assert [tab.investors.row_at(r).number for r in range(tab.investors.rowCount())] == ["INV-2"]


def test_nav_correction_needs_a_reason_then_updates_the_card(qtbot: QtBot, tab: PortfolioTab, office: Office) -> None:
    click(qtbot, tab.buttons["nav"])
    fill_form(qtbot, tab.dialog, nav_date="2023-01-05", nav_per_unit="102.25")
    click(qtbot, tab.dialog.ok_button)
    assert "reason" in field_error(tab, "reason").lower()
    assert office.p.navs.nav_on(office.eur.class_id, D4).nav_per_unit == 101.5
    fill_form(qtbot, tab.dialog, reason="Late price for the bond book")
    click(qtbot, tab.dialog.ok_button)
    assert not tab.dialog.isVisible()
    assert card(tab, "nav") == "102.2500"  # data_changed("nav") reloaded the figures


def test_the_session_watcher_picks_up_changes_made_elsewhere(tab: PortfolioTab, session: UiSession,
                                                             office: Office) -> None:
    session.watcher.poll()  # takes the current token (the main window does this when it starts the watcher)
    before = tab.transactions.total
    office.p.dealing.enter(PM, TransactionRequest("subscription", office.eur.class_id, office.bob.investor_id,
                                                  D4, D4, D4, amount="100"))  # as another workstation would
    assert tab.transactions.total == before
    session.watcher.poll()
    assert tab.transactions.total == before + 1
    session.watcher.poll()  # nothing new: nothing reloads
    assert tab.transactions.total == before + 1


def test_batch_statements_cancel_stops_early(qtbot: QtBot, session: UiSession, office: Office,
                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office.services.statements, "statement_investors",
                        lambda actor: [office.ann.investor_id, office.bob.investor_id] * 3)
    dialog = StatementsDialog(session, "2023-01", tmp_path / "out")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.period.setText("2023-13")
    click(qtbot, dialog.ok_button)
    assert "01 to 12" in dialog.errors["period"].text()
    assert not (tmp_path / "out").exists()
    dialog.period.setText("2023-01")

    def press_cancel(done: int, total: int, label: str) -> None:
        if done == 2:  # the user presses Cancel while the third statement is due
            qtbot.mouseClick(dialog.progress.findChild(QPushButton), Qt.MouseButton.LeftButton)

    dialog._signals.step.connect(press_cancel)
    click(qtbot, dialog.ok_button)
    result = dialog.result_value
    assert result.cancelled
    assert (len(result.written), result.total) == (2, 6)
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 2


def test_a_client_sees_no_fund_wide_tab(office: Office) -> None:
    session = UiSession(SimpleNamespace(services=office.services), client_of(office.ann.investor_id),  # type: ignore[arg-type]
                        runner=InlineRunner())
    widget = portfolio_tab(session)
    assert not isinstance(widget, PortfolioTab)
    widget.deleteLater()
