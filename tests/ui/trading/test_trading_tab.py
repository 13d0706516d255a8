"""The Trading tab driven by the simulated terminal through the real poller thread and services."""

from __future__ import annotations

import csv
import time
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from fidus_desktop.integrations.mt5 import SimulatedTerminal
from fidus_desktop.ui.placeholder import NotAvailablePanel
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.trading.models import AccountsModel
from fidus_desktop.ui.trading.poller_thread import TerminalLink
from fidus_desktop.ui.trading.tab import TradingView, trading_tab
from tests.support.simulated_accounts import FlakyTerminal, stored, truth

from .conftest import open_tab

WAIT_MS = 20_000


def states(model: AccountsModel) -> set[str]:
    return {row.state for row in model.records}


def test_positions_appear_after_a_poll(qtbot: QtBot, session: UiSession, terminal: SimulatedTerminal) -> None:
    view = open_tab(qtbot, session, terminal)
    assert view.accounts.rowCount() == 3
    assert view.selected_account().login == 5001001  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: view.positions.rowCount() > 0, timeout=WAIT_MS)
    assert view.shutdown()
    shown = {p.ticket for p in view.positions.records}
    polled = {d["ticket"] for d in session.services.trading.sync.positions.find({"login": 5001001})}
    assert shown == polled  # the table shows the open positions of the last poll of the selected account
    assert all(p.login == 5001001 for p in view.positions.records)
    row = view.accounts.row_of(5001001)
    assert view.accounts.index(row, 4).data() not in ("", "never")  # last sync time
    assert view.chart.times, "the equity curve got the live snapshot"


def test_disconnect_shows_reconnecting_then_resumes_without_duplicates(
    qtbot: QtBot, session: UiSession, terminal: SimulatedTerminal, status_lines: list[str]
) -> None:
    flaky = FlakyTerminal(terminal)
    view = open_tab(qtbot, session, flaky)
    trading = session.services.trading
    qtbot.waitUntil(lambda: states(view.accounts) == {"connected"} and trading.sync.deal_count(5001001) > 0,
                    timeout=WAIT_MS)
    before = trading.sync.deal_count(5001001)

    flaky.down = True
    qtbot.waitUntil(lambda: "reconnecting" in states(view.accounts), timeout=WAIT_MS)
    row = view.accounts.row_of(5001001)
    qtbot.waitUntil(lambda: view.accounts.index(row, 3).data() == "reconnecting", timeout=WAIT_MS)
    assert "No IPC connection" in view.accounts.index(row, 3).data(Qt.ItemDataRole.ToolTipRole)
    assert any(line.startswith("MT5: reconnecting") for line in status_lines)

    terminal.advance(12 * 3600)  # deals happen while the link is down
    flaky.down = False
    qtbot.waitUntil(lambda: states(view.accounts) == {"connected"} and trading.sync.deal_count(5001001) > before,
                    timeout=WAIT_MS)
    assert status_lines[-1] == "MT5: 3 connected"
    assert view.shutdown()
    for login in (5001001, 5001002, 7002001):
        tickets = stored(trading, login)
        assert len(tickets) == len(set(tickets))
        assert set(tickets) == truth(terminal, login)


def test_acknowledging_an_alert_updates_the_panel_and_is_audited(
    qtbot: QtBot, session: UiSession, terminal: SimulatedTerminal
) -> None:
    view = open_tab(qtbot, session, terminal)
    qtbot.waitUntil(lambda: view.alerts.rowCount() > 0, timeout=WAIT_MS)
    assert view.shutdown()  # keep the list still while we click
    view.refresh_alerts(5001001)
    assert not view.ack_button.isEnabled()
    view.alerts_view.selectRow(0)
    alert = view.alerts.record(0)
    assert view.ack_button.isEnabled()
    qtbot.mouseClick(view.ack_button, Qt.MouseButton.LeftButton)
    row = next(i for i, a in enumerate(view.alerts.records) if a.alert_id == alert.alert_id)
    assert view.alerts.index(row, 4).data().startswith("admin, ")
    entries = [e for e in session.context.store.collection("audit").find({"action": "mt5.alert.acknowledge"})]
    assert [e["entity_id"] for e in entries] == [alert.alert_id]
    assert entries[0]["actor"] == "admin"


def test_poller_stops_within_two_seconds_when_the_tab_closes(
    qtbot: QtBot, session: UiSession, terminal: SimulatedTerminal
) -> None:
    view = open_tab(qtbot, session, terminal)
    assert view.poller is not None
    qtbot.waitUntil(lambda: view.poller.running and view.positions.rowCount() > 0, timeout=WAIT_MS)
    started = time.monotonic()
    view.close()
    assert time.monotonic() - started < 2.0
    assert not view.poller.running
    qtbot.waitUntil(lambda: states(view.accounts) == {"stopped"}, timeout=WAIT_MS)


def test_poller_stops_when_the_main_window_closes(
    qtbot: QtBot, session: UiSession, terminal: SimulatedTerminal
) -> None:
    from PySide6.QtWidgets import QMainWindow

    window = QMainWindow()
    qtbot.addWidget(window)
    view = open_tab(qtbot, session, terminal)
    window.setCentralWidget(view)
    window.show()
    qtbot.waitUntil(lambda: view.poller is not None and view.poller.running, timeout=WAIT_MS)
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 2.0
    assert not view.poller.running  # type: ignore[union-attr]


def test_roles_without_sync_see_stored_data_and_clients_see_no_trading(
    qtbot: QtBot, session: UiSession, terminal: SimulatedTerminal
) -> None:
    users = session.services.users
    officer = users.create_user(session.actor, "james", "a long enough password 123", "compliance_officer").actor()
    client = users.create_user(session.actor, "carla", "a long enough password 456", "client").actor()
    link = TerminalLink(terminal, clock=lambda: terminal.now)
    officer_session = UiSession(session.context, officer, session.runner)
    status_lines: list[str] = []
    officer_session.signals.mt5_status.connect(status_lines.append)
    view = trading_tab(officer_session, link)
    qtbot.addWidget(view)
    assert isinstance(view, TradingView)
    assert view.accounts.rowCount() == 3
    assert view.poller is None
    assert status_lines == ["MT5: not syncing here (your role cannot sync)"]
    assert not view.add_button.isEnabled()
    refused = trading_tab(UiSession(session.context, client, session.runner))
    qtbot.addWidget(refused)
    assert isinstance(refused, NotAvailablePanel)



def test_positions_show_every_column_and_their_totals(
        qtbot: QtBot, session: UiSession, terminal: SimulatedTerminal, tmp_path: Path) -> None:
    view = open_tab(qtbot, session, terminal)
    qtbot.waitUntil(lambda: view.positions.rowCount() > 0, timeout=WAIT_MS)
    assert view.shutdown()
    headers = [view.positions.headerData(c, Qt.Orientation.Horizontal) for c in range(view.positions.columnCount())]
    assert {"SL", "TP", "Swap", "Commission", "Profit"} <= set(headers)
    stored_rows = list(session.services.trading.sync.positions.find({"login": 5001001}))
    profit = sum(Decimal(str(d["profit"])) for d in stored_rows)
    assert view.positions_total.text().startswith(f"{len(stored_rows)} open · profit {profit:,.2f}, swap ")
    # Commission: from the stored deals with each position's id, summed here independently of the service.
    deals = session.services.trading.sync.deals.find({"login": 5001001}, projection=["position_id", "commission"])
    charged = {d["identifier"]: sum((x["commission"] for x in deals if x["position_id"] == d["identifier"]),
                                    Decimal(0)) for d in stored_rows}
    column = headers.index("Commission")
    shown = [view.positions.index(row, column).data() for row in range(view.positions.rowCount())]
    assert any(charged.values()), "the simulator charges commission on opening deals"
    total = sum(charged.values(), Decimal(0))
    assert shown == [*(f"{charged[p.identifier]:,.2f}" for p in view.positions.records), f"{total:,.2f}"]
    assert f"commission {total:,.2f} USD" in view.positions_total.text()
    total_row = view.positions.rowCount() - 1  # one currency: one total row, in bold, under the positions
    assert view.positions.index(total_row, 0).data() == "Total"
    assert view.positions.index(total_row, headers.index("Profit")).data() == f"{profit:,.2f}"
    assert view.positions.index(total_row, 0).data(Qt.ItemDataRole.FontRole).bold()
    view.exports["positions"].export(tmp_path / "positions.csv")
    with (tmp_path / "positions.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [Decimal(row[rows[0].index("Commission")]) for row in rows[1:]] == \
        [*(charged[p.identifier] for p in view.positions.records), total]
    assert (rows[-1][0], rows[-1][1], Decimal(rows[-1][rows[0].index("Profit")])) == (
        "Total", f"{len(stored_rows)} open", profit)


def test_the_summary_bar_shows_the_accounts_figures_with_currency(
        qtbot: QtBot, session: UiSession, terminal: SimulatedTerminal) -> None:
    view = open_tab(qtbot, session, terminal)
    qtbot.waitUntil(lambda: view.positions.rowCount() > 0, timeout=WAIT_MS)
    assert view.shutdown()
    view.refresh_account(5001001)  # the figures of the last stored poll
    figures = session.services.trading.queries.latest_figures(session.actor, 5001001)
    assert figures is not None
    text = view.summary.text()
    assert f"<b>Balance</b> {figures.balance:,.2f} {figures.currency}" in text
    assert f"<b>Equity</b> {figures.equity:,.2f} {figures.currency}" in text
    assert "<b>Margin level</b>" in text
    assert f"<b>Floating P&amp;L</b> {figures.profit:+,.2f} {figures.currency}" in text


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1366, 768)])
def test_every_position_and_account_column_fits_a_laptop_window(
        qtbot: QtBot, session: UiSession, terminal: SimulatedTerminal, width: int, height: int) -> None:
    view = open_tab(qtbot, session, terminal)
    view.resize(width - 16, height - 40 - 60)  # the tab page inside a maximised window, less a 40 px task bar
    qtbot.waitUntil(lambda: view.positions.rowCount() > 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "never" not in {view.accounts.index(r, 4).data() for r in range(3)}, timeout=WAIT_MS)
    assert view.shutdown()
    for table in (view.positions_view, view.accounts_view):  # SL … Commission, Profit, Currency; the last sync
        qtbot.waitUntil(lambda t=table: t.horizontalHeader().length() > 0)
        header = table.horizontalHeader()
        widest = {table.model().headerData(c, Qt.Orientation.Horizontal): header.sectionSize(c)
                  for c in range(header.count())}
        assert header.length() <= table.viewport().width(), (table.objectName(), table.viewport().width(), widest)
        qtbot.waitUntil(lambda t=table: t.horizontalScrollBar().maximum() == 0)  # no scroll bar under it
    row = view.accounts.row_of(5001001)
    assert view.accounts.index(row, 4).data(Qt.ItemDataRole.ToolTipRole).startswith("20")  # the full time


def test_empty_alerts_and_review_pages_say_what_they_mean_and_limits_are_set_in_the_account_dialog(
    qtbot: QtBot, session: UiSession, terminal: SimulatedTerminal
) -> None:
    view = open_tab(qtbot, session, terminal)
    assert view.shutdown()
    view._alerts_loaded([])
    view._review_loaded([])
    assert view.alerts_empty.isVisibleTo(view.alerts_empty.parentWidget())
    text = view.alerts_empty.text()
    assert "No alert for 5001001" in text
    assert "one symbol's exposure above 1" in text
    assert "Edit account" in text
    assert "No balance deal of 5001001 is waiting for review" in view.review_empty.text()

    # The limits are typed in the account dialog; with none left, the page says no alert can be raised.
    qtbot.mouseClick(view.edit_button, Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert dialog.limits["symbol_exposure_above"].text() == "1"
    dialog.limits["symbol_exposure_above"].clear()
    qtbot.keyClicks(dialog.limits["drawdown_above"], "-3")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "above zero" in dialog.errors["alert_thresholds.drawdown_above"].text()
    dialog.limits["drawdown_above"].clear()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    account = session.services.trading.accounts.get(session.actor, 5001001)
    assert account.thresholds.symbol_exposure_above is None
    assert account.thresholds.drawdown_above is None
    view.accounts_view.selectRow(view.accounts.row_of(5001001))
    view._alerts_loaded([])
    assert "No alert limits are set for 5001001" in view.alerts_empty.text()
