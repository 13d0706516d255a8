"""The Portfolio tab driven by clicks and typing: KPI cards, dealing and NAV dialogs, refresh, statements."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QScrollArea
from pytestqt.qtbot import QtBot

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.portfolio.dealing import TransactionQuery, TransactionRequest
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.portfolio.statements_dialog import StatementsDialog
from fidus_desktop.ui.portfolio.tab import PortfolioTab, portfolio_tab
from fidus_desktop.ui.session import UiSession
from tests.support.forms import click, fill_form
from tests.support.portfolio_office import ADMIN, D4, PM, Office, client_of

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
    assert "'12,5x' is not a number" in field_error(tab, "amount")
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


def test_charts_and_tables_are_seen_together_at_1280x720(tab: PortfolioTab) -> None:
    tab.resize(1280, 720 - 160)  # what the tab gets of a 1280×720 window (menu, tab bar, status bar)
    QApplication.processEvents()
    scroll = tab.findChild(QScrollArea)
    assert not scroll.verticalScrollBar().isVisible()  # no page scrolling pushing the tables down
    for widget, least in ((tab.performance_chart, 150), (tab.investors_view, 100)):
        top = widget.mapTo(scroll.viewport(), widget.rect().topLeft()).y()
        assert widget.height() >= least
        assert 0 <= top
        assert top + widget.height() <= scroll.viewport().height()
    assert all(button.isVisible() for button in tab.buttons.values())


def test_a_deal_typed_as_a_british_user_writes_it_is_entered(qtbot: QtBot, tab: PortfolioTab) -> None:
    click(qtbot, tab.buttons["deal"])
    assert tab.dialog.dates["trade_date"].date() == D4  # the latest NAV date, not a today without data
    assert not tab.dialog.units.isEnabled()  # a subscription is an amount
    fill_form(qtbot, tab.dialog, investor_id="INV-2", amount="2,500.00", trade_date="05/01/2023",
              dealing_date="5/1/2023", settlement_date="06/01/2023")
    click(qtbot, tab.dialog.ok_button)
    assert not tab.dialog.isVisible()
    entered = tab.dialog.result_value
    assert (entered.amount, entered.trade_date.isoformat(), entered.settlement_date.isoformat()) == (
        Decimal("2500.00"), "2023-01-05", "2023-01-06")


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


def test_export_writes_every_filtered_transaction_not_only_the_loaded_page(
        tab: PortfolioTab, office: Office, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(3):
        office.p.dealing.enter(PM, TransactionRequest("subscription", office.eur.class_id, office.bob.investor_id,
                                                      D4, D4, D4, amount="100.00", ref=f"EXPORT-{n}"))
    tab.transactions.page_size = 2  # the table holds one small page; the export reads them all
    tab.transaction_filter.setText(office.bob.number)
    tab.apply_filters()
    assert tab.transactions.rowCount() == 2
    expected = office.p.dealing.count(PM, TransactionQuery(investor_id=office.bob.investor_id))
    assert expected > 2
    export = tab.exports["transactions"]
    monkeypatch.setattr(export, "choose_path", lambda kind: tmp_path / "deals")  # typed without an extension
    export.actions["csv"].trigger()
    with (tmp_path / "deals.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == expected
    assert {(r["Trade date"], r["Amount"]) for r in rows} >= {(D4.isoformat(), "100.00")}  # ISO, plain decimals


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
    history = tab.nav_history
    row = next(r for r in range(history.rowCount()) if history.record(r).nav_date == D4)
    assert history.index(row, 1).data() == "102.2500"
    assert history.index(row, 4).data() == "101.5000 → 102.2500 by maria: Late price for the bond book"


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


def test_keyboard_f5_refreshes_ctrl_f_finds_enter_opens(qtbot: QtBot, tab: PortfolioTab, office: Office) -> None:
    tab.activateWindow()
    qtbot.keyClick(tab, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert tab.investor_filter.hasFocus()
    tab.table_tabs.setCurrentIndex(1)
    qtbot.keyClick(tab, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert tab.transaction_filter.hasFocus()
    office.p.investors.create_investor(ADMIN, "INV-3", "Carla Added Elsewhere", "individual")
    qtbot.keyClick(tab, Qt.Key.Key_F5)
    assert tab.investors.total == 3  # read again
    tab.table_tabs.setCurrentIndex(0)
    tab.investors_view.setFocus()
    tab.investors_view.setCurrentIndex(tab.investors.index(1, 0))
    qtbot.keyClick(tab.investors_view, Qt.Key.Key_Return)
    assert tab.investor_dialog is not None
    assert tab.investor_dialog.isVisible()
    tab.investor_dialog.close()


def test_disabled_buttons_say_why(qtbot: QtBot, office: Office) -> None:
    analyst = UiSession(SimpleNamespace(services=office.services), replace(PM, role=Role.COMPLIANCE_OFFICER),
                        runner=InlineRunner())  # type: ignore[arg-type]
    widget = PortfolioTab(analyst)
    qtbot.addWidget(widget)
    assert not widget.buttons["deal"].isEnabled()
    assert widget.buttons["deal"].toolTip() == "Your role (Compliance officer) may not enter deals."


def test_the_monthly_table_calls_the_calendar_year_column_year(tab: PortfolioTab) -> None:
    columns = tab.monthly_model.columnCount()
    assert tab.monthly_model.headerData(columns - 1, Qt.Orientation.Horizontal) == "Year"


def test_the_investor_is_found_by_name_and_picked_from_the_list(
        qtbot: QtBot, tab: PortfolioTab, office: Office) -> None:
    click(qtbot, tab.buttons["deal"])
    dialog = tab.dialog
    qtbot.keyClicks(dialog.investor, "bob")
    dialog.look_up_investors()  # what the debounce timer does once typing pauses
    assert dialog.matches.stringList() == ["INV-2 — Bob Corp"]
    dialog.investor.setText(dialog.matches.stringList()[0])  # the user picks the suggestion
    fill_form(qtbot, dialog, amount="1,000.00")
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    assert dialog.result_value.investor_id == office.bob.investor_id


def test_transactions_show_the_investor_and_filter_by_trade_date(
        qtbot: QtBot, tab: PortfolioTab, office: Office) -> None:
    tab.table_tabs.setCurrentIndex(1)
    headers = [tab.transactions.headerData(c, Qt.Orientation.Horizontal) for c in range(tab.transactions.columnCount())]
    number, name = headers.index("Investor"), headers.index("Name")
    shown = {(tab.transactions.index(r, number).data(), tab.transactions.index(r, name).data())
             for r in range(tab.transactions.rowCount())}
    assert ("INV-2", "Bob Corp") in shown
    before = tab.transactions.total
    qtbot.keyClicks(tab.trade_from, (D4 + timedelta(days=1)).strftime("%d/%m/%Y"))
    qtbot.keyClick(tab.trade_from, Qt.Key.Key_Return)
    later = office.p.dealing.count(PM, TransactionQuery(fund_id=office.fund.fund_id, start=D4 + timedelta(days=1)))
    assert tab.transactions.total == later < before
    tab.trade_from.clear()
    qtbot.keyClicks(tab.trade_from, "sometime")
    qtbot.keyClick(tab.trade_from, Qt.Key.Key_Return)
    assert tab.transactions.total == before  # an unreadable date is no limit, and says so
    assert "is not a date" in tab.trade_from.toolTip()


def test_a_factsheet_name_typed_without_pdf_gets_the_extension(tab: PortfolioTab, office: Office,
                                                                tmp_path: Path) -> None:
    tab.write_factsheet(office.fund.fund_id, tmp_path / "April factsheet")
    written = tmp_path / "April factsheet.pdf"
    assert written.read_bytes().startswith(b"%PDF")
    assert tab.message.text() == f"Factsheet written to {written}."


def test_holdings_table_and_aum_flows_chart_show_the_services_figures(qtbot: QtBot, office: Office,
                                                                     tmp_path: Path) -> None:
    """Shares bought in two trades and cash: average cost, book cost, unrealised P&L worked out by hand
    (tests/portfolio/test_holdings_cost.py), weights, a bold total row, and the same rows in the export."""
    from tests.portfolio.test_holdings_cost import bought_and_sold
    bought_and_sold(office)
    cash = office.p.holdings.add_instrument(PM, "CASH-EUR", "Cash EUR", "EUR", "cash")
    office.p.holdings.set_position(PM, office.fund.fund_id, cash["_id"], "24535.42")
    widget = PortfolioTab(UiSession(SimpleNamespace(services=office.services), PM, runner=InlineRunner()))
    qtbot.addWidget(widget)
    model = widget.holdings
    titles = [c.title for c in model.columns]

    def cell(row: int, title: str) -> str:
        return model.index(row, titles.index(title)).data()

    assert [cell(r, "Instrument") for r in range(model.rowCount())] == ["CASH-EUR", "EQ-US", "Total"]
    assert [cell(1, t) for t in ("Quantity", "Average cost", "Value (EUR)", "Book cost (EUR)",
                                 "Unrealised P&L (EUR)", "P&L %")] == [
        "800.0000", "92.0100", "75,464.58", "69,127.58", "6,337.00", "+9.17 %"]  # 6,337.00 / 69,127.58
    assert [cell(0, t) for t in ("Book cost (EUR)", "Unrealised P&L (EUR)", "P&L %")] == ["", "", ""]  # cash
    assert [cell(2, t) for t in ("Value (EUR)", "Weight", "Book cost (EUR)", "Unrealised P&L (EUR)")] == [
        "100,000.00", "100.00 %", "69,127.58", "6,337.00"]
    assert cell(1, "Weight") == "75.46 %"
    assert model.index(2, 0).data(Qt.ItemDataRole.FontRole).bold()
    assert ("unrealised P&L 6,337.00 EUR, realised P&L (all sales to that date) 1,584.25 EUR"
            in widget.holdings_note.text())
    assert [cell(r, "Realised P&L (EUR)") for r in range(3)] == ["", "1,584.25", "1,584.25"]  # by hand there
    widget.holdings_view.resize(1920, 400)  # a wide screen: the last column keeps its content's width
    header, last = widget.holdings_view.horizontalHeader(), model.columnCount() - 1
    assert header.sectionSize(last) <= max(widget.holdings_view.sizeHintForColumn(last), header.sectionSizeHint(last))
    widget.exports["holdings"].export(tmp_path / "holdings.csv")
    with (tmp_path / "holdings.csv").open(encoding="utf-8-sig") as file:
        rows = list(csv.reader(file))
    assert rows[0][titles.index("Unrealised P&L (EUR)")] == "Unrealised P&L (EUR)"
    assert [r[0] for r in rows[1:]] == ["CASH-EUR", "EQ-US", "Total"]
    assert Decimal(rows[3][titles.index("Book cost (EUR)")]) == Decimal("69127.58")
    assert Decimal(rows[3][titles.index("Realised P&L (EUR)")]) == Decimal("1584.25")
    values, flows = office.p.figures.aum_history(PM, office.fund.fund_id, end=D4)
    [aum] = widget.aum_chart.series
    assert aum.values[-1] == pytest.approx(float(values.iloc[-1]) / 1e6)  # charted in millions
    [net] = widget.flows_chart.series
    assert net.bars
    assert sum(net.values) == pytest.approx(float(sum(flows)) / 1e3)  # in thousands
    assert len(net.values) == 3  # three settled subscriptions on three days


def test_a_position_without_trades_shows_its_cost_as_unknown(qtbot: QtBot, office: Office) -> None:
    from tests.support.portfolio_office import positions
    positions(office)
    widget = PortfolioTab(UiSession(SimpleNamespace(services=office.services), PM, runner=InlineRunner()))
    qtbot.addWidget(widget)
    titles = [c.title for c in widget.holdings.columns]
    row = [widget.holdings.index(r, 0).data() for r in range(widget.holdings.rowCount())].index("EQ-US")
    index = widget.holdings.index(row, titles.index("Unrealised P&L (EUR)"))
    assert index.data() == fmt.MISSING
    assert "cost is not known" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert "No cost recorded for EQ-US" in widget.holdings_note.text()


def test_the_dealing_dialog_shows_what_it_will_book_before_saving(qtbot: QtBot, tab: PortfolioTab,
                                                                  office: Office) -> None:
    """10,000 EUR into the EUR class (2 % entry fee) dealt at 101.5: fee 200, net 9,800, 96.5517 units."""
    before = office.p.dealing.count(PM)
    click(qtbot, tab.buttons["deal"])
    dialog = tab.dialog
    assert "Give the investor" in dialog.preview.text()
    fill_form(qtbot, dialog, investor_id="INV-1", amount="10,000", trade_date="05/01/2023",
              dealing_date="05/01/2023", settlement_date="06/01/2023")
    dialog.update_preview()  # what the typing timer does after a pause
    text = dialog.preview.text()
    assert text.startswith("At NAV 101.5000 EUR: 96.5517 units; gross 10,000.00 − fee 200.00 = net 9,800.00 EUR; "
                           "the class's management fee of ")
    assert office.p.dealing.count(PM) == before  # the preview wrote nothing
    fill_form(qtbot, dialog, dealing_date="09/01/2023", settlement_date="10/01/2023")
    dialog.update_preview()
    assert dialog.preview.text().startswith("Priced at the NAV of its dealing date once that NAV is in")
    fill_form(qtbot, dialog, investor_id="INV-404")
    dialog.update_preview()
    assert "INV-404" in dialog.preview.text()


def test_the_investors_list_shows_readiness_with_the_blocking_reasons(tab: PortfolioTab, office: Office) -> None:
    office.p.investors.create_investor(ADMIN, "INV-3", "Carla Not Yet", "individual")
    tab.investors.refresh()
    column = [tab.investors.headerData(c, Qt.Orientation.Horizontal) for c in range(tab.investors.columnCount())
              ].index("Readiness")
    shown = {tab.investors.row_at(r).number: tab.investors.index(r, column) for r in range(tab.investors.rowCount())}
    assert shown["INV-2"].data() == "Ready"  # made ready by the office, as the service says
    assert shown["INV-3"].data() == "Not ready"
    assert "subscription agreement not signed" in shown["INV-3"].data(Qt.ItemDataRole.ToolTipRole)


def test_transactions_filter_by_part_of_a_name_and_enter_opens_the_investor(
        qtbot: QtBot, tab: PortfolioTab, office: Office) -> None:
    tab.table_tabs.setCurrentIndex(1)
    qtbot.keyClicks(tab.transaction_filter, "smith")  # Ann Smith, by part of her name
    tab.apply_filters()
    expected = office.p.dealing.count(PM, TransactionQuery(fund_id=office.fund.fund_id,
                                                           investor_id=office.ann.investor_id))
    assert tab.transactions.total == expected > 0
    assert {tab.transactions.row_at(r).investor_id for r in range(tab.transactions.rowCount())} == {
        office.ann.investor_id}
    tab.transactions_view.setFocus()
    tab.transactions_view.setCurrentIndex(tab.transactions.index(0, 0))
    qtbot.keyClick(tab.transactions_view, Qt.Key.Key_Return)
    dialog = tab.investor_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.investor_id == office.ann.investor_id
    assert dialog.tabs.currentWidget() is dialog.position.transactions_page
    dialog.close()


def test_ctrl_f_on_a_page_without_a_filter_does_nothing(qtbot: QtBot, tab: PortfolioTab) -> None:
    tab.activateWindow()
    for page in (2, 3):  # holdings, open deals
        tab.table_tabs.setCurrentIndex(page)
        qtbot.keyClick(tab, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)  # was an IndexError
        assert not tab.investor_filter.hasFocus()
        assert not tab.transaction_filter.hasFocus()


def test_units_are_asked_for_a_redemption_only(qtbot: QtBot, tab: PortfolioTab) -> None:
    click(qtbot, tab.buttons["deal"])
    dialog = tab.dialog
    assert not dialog.units.isEnabled()
    assert "units are given for redemptions" in dialog.units.toolTip()
    dialog.kind.setCurrentIndex(dialog.kind.findData("redemption"))
    assert dialog.units.isEnabled()
    qtbot.keyClicks(dialog.units, "5")
    dialog.kind.setCurrentIndex(dialog.kind.findData("subscription"))
    assert not dialog.units.isEnabled()
    assert dialog.units.text() == ""


def test_every_portfolio_table_exports_to_csv_and_excel_from_its_menu_and_button(
        qtbot: QtBot, office: Office, tmp_path: Path) -> None:
    """Investors, transactions, holdings, open deals, monthly returns, NAV history and the investor window's
    holdings and transactions: Copy, Export to CSV and Excel in the context menu, an Export button with both,
    and an Excel file holding the rows the table shows."""
    import openpyxl

    from tests.support.portfolio_office import positions
    positions(office)
    office.p.dealing.enter(PM, TransactionRequest("subscription", office.eur.class_id, office.bob.investor_id,
                                                  D4, D4, D4, amount="100.00", ref="OPEN-1"))
    widget = PortfolioTab(UiSession(SimpleNamespace(services=office.services), PM, runner=InlineRunner()))
    qtbot.addWidget(widget)
    widget.open_investor(widget.investors.index(0, 0))
    exports = {**widget.exports, "open deals": widget.deals_panel.export,
               **{f"investor {name}": e for name, e in widget.investor_dialog.position.exports.items()}}
    assert len(exports) == 8
    for name, export in exports.items():
        actions = [a.text() for a in export.view.actions() if not a.isSeparator()]
        assert actions == ["&Copy", "Export to CSV…", "Export to Excel workbook…"], name
        assert [a.text() for a in export.button.menu().actions()] == actions[1:], name
        assert export.view.model().rowCount() > 0, f"{name} is empty"
        target = tmp_path / f"{name}.xlsx"
        export.export(target)
        sheet = openpyxl.load_workbook(target).active
        assert sheet.max_row == export.view.model().rowCount() + 1, name  # a header and every row shown
    widget.investor_dialog.close()


def test_a_fund_without_positions_says_so_and_draws_no_holdings(tab: PortfolioTab) -> None:
    assert tab.holdings.rowCount() == 0
    assert tab.holdings_note.text().startswith("No positions recorded for this fund: record the trades")
    assert tab.holdings_allocation.plot.getPlotItem().titleLabel.text.endswith("no positions recorded")


def test_the_tool_bar_buttons_have_distinct_mnemonics(tab: PortfolioTab) -> None:
    """Alt+N, Alt+V, Alt+F, Alt+S, Alt+T, Alt+U; Positions and Export on the table pages have theirs."""
    from PySide6.QtWidgets import QAbstractButton, QToolBar
    bar = tab.findChild(QToolBar, "portfolioActions")
    texts = [b.text() for b in bar.findChildren(QAbstractButton)
             if b.text() and b.objectName() != "qt_toolbar_ext_button"]
    letters = [t[t.index("&") + 1].lower() for t in texts if "&" in t]
    assert len(letters) == len(texts) == len(set(letters)) == 6, texts
    page_buttons = [tab.findChild(QAbstractButton, name).text()
                    for name in ("positionsButton", "holdingsTableExportButton", "transactionsTableExportButton")]
    assert all("&" in text for text in page_buttons)


def test_ytd_rebases_the_growth_line_to_100_at_the_years_last_nav(qtbot: QtBot, office: Office) -> None:
    """NAVs 101.5 (D4, January 2023) … 105 (29 Dec 2023), 107.1 and 110.25 in 2024: YTD 2024 starts from the
    29 December NAV at 100, then 102 (107.1 / 105) and 105 (110.25 / 105)."""
    for day, nav in ((date(2023, 12, 29), "105"), (date(2024, 1, 3), "107.1"), (date(2024, 2, 1), "110.25")):
        office.p.navs.set_nav(PM, office.eur.class_id, day, nav)
        office.p.fx.set_manual_rate(PM, "EUR", "USD", day, "1.08", "the ECB extract ends in January 2023")
    widget = PortfolioTab(UiSession(SimpleNamespace(services=office.services), PM, runner=InlineRunner()))
    qtbot.addWidget(widget)
    widget.show()
    chart = widget.performance_chart
    [given] = chart.series
    assert given.values[0] == pytest.approx(100)  # growth of 100 from the first NAV
    qtbot.mouseClick(chart.period_buttons["YTD"], Qt.MouseButton.LeftButton)
    start, end = chart.x_range()
    [line] = chart.series
    visible = [(d, v) for d, v in zip(line.dates, line.values, strict=True) if start <= d <= end]
    assert visible[0] == (date(2023, 12, 29), pytest.approx(100))
    assert [v for _, v in visible[1:]] == [pytest.approx(102), pytest.approx(105)]
