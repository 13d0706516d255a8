"""Item models (qtmodeltester), the deals table's symbol filter, and the account mapping dialog."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from fidus_desktop.integrations.mt5 import SimulatedTerminal
from fidus_desktop.services.trading.poller import Mt5Poller
from fidus_desktop.services.trading.queries import DealFilter
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.trading.deals_panel import period_range
from fidus_desktop.ui.trading.mapping_dialog import NOT_MAPPED, AccountMappingDialog
from fidus_desktop.ui.trading.models import AccountRow, AccountsModel, figures_model, positions_model

from .conftest import open_tab


def synced(session: UiSession, terminal: SimulatedTerminal) -> None:
    Mt5Poller(session.services.trading, terminal, session.actor, terminal_clock=lambda: terminal.now).sync_to_now()


def test_every_trading_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, session: UiSession, terminal: SimulatedTerminal
) -> None:
    synced(session, terminal)
    view = open_tab(qtbot, session, terminal)
    qtbot.waitUntil(lambda: view.positions.rowCount() > 0 and view.alerts.rowCount() > 0, timeout=20_000)
    assert view.shutdown()
    for model in (view.accounts, view.positions, view.alerts, view.figures, view.deals_panel.model):
        assert model.rowCount() > 0, model
        qtmodeltester.check(model)
    qtmodeltester.check(view.review)  # empty unless a balance deal matched no rule
    accounts = AccountsModel()
    accounts.set_records([AccountRow(session.services.trading.accounts.all()[0], "FUND")])
    accounts.update_row(5001001, state="reconnecting", detail="IPC timeout")
    qtmodeltester.check(accounts)
    qtmodeltester.check(positions_model())
    qtmodeltester.check(figures_model())


def test_filtering_deals_by_symbol_requeries(qtbot: QtBot, session: UiSession, terminal: SimulatedTerminal) -> None:
    synced(session, terminal)
    view = open_tab(qtbot, session, terminal)
    assert view.shutdown()
    panel, queries, actor = view.deals_panel, session.services.trading.queries, session.actor
    everything = queries.count_deals(actor, DealFilter(login=5001001))
    assert panel.model.total == everything
    assert panel.count.text() == f"{everything:,} deals"
    assert panel.symbol.findText("EURUSD") > 0
    with qtbot.waitSignal(panel.model.loaded):
        panel.symbol.setCurrentText("EURUSD")
    expected = queries.count_deals(actor, DealFilter(login=5001001, symbol="EURUSD"))
    assert 0 < expected < everything
    assert panel.model.current_filter == DealFilter(login=5001001, symbol="EURUSD")
    assert panel.model.total == expected
    assert {panel.model.row_at(i).symbol for i in range(panel.model.rowCount())} == {"EURUSD"}
    while panel.model.canFetchMore():
        panel.model.fetchMore()
    assert panel.model.rowCount() == expected


def test_mapping_dialog_validates_then_maps_an_account_to_a_fund(
    qtbot: QtBot, session: UiSession, terminal: SimulatedTerminal
) -> None:
    fund = session.services.portfolio.funds.create_fund(session.actor, "FIDUS-US", "FIDUS US Equity", "USD")
    view = open_tab(qtbot, session, terminal)
    assert view.shutdown()
    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, AccountMappingDialog)
    for field, text in (("login", "8003001"), ("server", "Broker-Live"), ("name", "Gamma"), ("currency", "usd"),
                        ("initial_allocation", "-5")):
        qtbot.keyClicks(getattr(dialog, field), text) if field != "initial_allocation" else \
            dialog.initial_allocation.setText(text)
    dialog.fund.setCurrentIndex(dialog.fund.findData(fund.fund_id))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "cannot be negative" in dialog.errors["initial_allocation"].text()
    dialog.initial_allocation.setText("250000")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    account = session.services.trading.accounts.get(session.actor, 8003001)
    assert (account.fund_id, account.currency, str(account.initial_allocation.amount)) == (fund.fund_id, "USD",
                                                                                           "250000")
    row = view.accounts.row_of(8003001)
    assert view.accounts.index(row, 2).data() == "FIDUS-US"
    audit = session.context.store.collection("audit").find({"action": "mt5_account.create"})
    assert any(e["actor"] == "admin" for e in audit)

    view.accounts_view.selectRow(row)
    qtbot.mouseClick(view.edit_button, Qt.MouseButton.LeftButton)
    edit = view.dialog
    assert edit is not dialog
    assert edit.login.isReadOnly()
    edit.maps_to.setCurrentText(NOT_MAPPED)
    assert not edit.fund.isVisibleTo(edit)
    qtbot.mouseClick(edit.ok_button, Qt.MouseButton.LeftButton)
    assert session.services.trading.accounts.get(session.actor, 8003001).fund_id is None
    assert view.accounts.index(view.accounts.row_of(8003001), 2).data() == "not mapped"



@pytest.mark.parametrize(("period", "expected"), [
    ("All history", None), ("Custom", None),
    ("Today", (date(2026, 4, 15), date(2026, 4, 16))),
    ("This week", (date(2026, 4, 13), date(2026, 4, 16))),  # Monday to today
    ("This month", (date(2026, 4, 1), date(2026, 4, 16))),
    ("Last 3 months", (date(2026, 1, 14), date(2026, 4, 16))),
])
def test_history_presets_are_periods_up_to_today(period: str, expected: tuple[date, date] | None) -> None:
    assert period_range(period, date(2026, 4, 15)) == expected


def test_the_deals_period_defaults_to_all_history_and_custom_takes_the_dates(
        qtbot: QtBot, session: UiSession, terminal: SimulatedTerminal) -> None:
    synced(session, terminal)
    view = open_tab(qtbot, session, terminal)
    assert view.shutdown()
    panel, queries, actor = view.deals_panel, session.services.trading.queries, session.actor
    assert panel.period.currentText() == "All history"  # the default shows the account's deals
    assert panel.model.total == queries.count_deals(actor, DealFilter(login=5001001)) > 0
    assert not panel.start.isEnabled()
    first = panel.model.row_at(panel.model.rowCount() - 1).time if panel.model.rowCount() else None
    assert first is not None
    with qtbot.waitSignal(panel.model.loaded):
        panel.period.setCurrentText("Custom")
    assert panel.start.isEnabled()
    day = first.date()
    with qtbot.waitSignal(panel.model.loaded):
        panel.start.setDate(QDate(day.year, day.month, day.day))
    with qtbot.waitSignal(panel.model.loaded):
        panel.end.setDate(QDate(day.year, day.month, day.day).addDays(1))
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    expected = queries.count_deals(actor, DealFilter(login=5001001, start=start, end=start + timedelta(days=1)))
    assert panel.model.total == expected > 0


def test_history_presets_end_on_the_accounts_last_synced_day(
        qtbot: QtBot, session: UiSession, terminal: SimulatedTerminal) -> None:
    """The simulator's clock is in 2024: "This week" means its week, not the wall clock's (no empty period)."""
    synced(session, terminal)
    view = open_tab(qtbot, session, terminal)
    assert view.shutdown()
    panel, queries, actor = view.deals_panel, session.services.trading.queries, session.actor
    assert panel.data_day is not None
    assert panel.data_day.year == terminal.now.year
    with qtbot.waitSignal(panel.model.loaded):
        panel.period.setCurrentText("This week")
    start, end = period_range("This week", panel.data_day)
    assert panel.start.date().toPython() == start
    utc = [datetime.combine(d, datetime.min.time(), tzinfo=UTC) for d in (start, end)]
    assert panel.model.total == queries.count_deals(actor, DealFilter(login=5001001, start=utc[0], end=utc[1])) > 0
