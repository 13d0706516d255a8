"""The Trading tab's Exposure panel: symbols and currencies of the open positions after a poll of the simulated
terminal, a missing conversion quote named, positions that cannot be valued listed, and honest empty states."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from fidus_desktop.domain.trading.models import Position, Quote, Side
from fidus_desktop.integrations.mt5 import SimulatedTerminal
from fidus_desktop.services.trading.sync import Poll
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.trading.exposure_panel import NEGATIVE
from fidus_desktop.ui.trading.tab import TradingView
from tests.support.mt5_records import snapshot

from .conftest import FAST, open_tab

WAIT_MS = 20_000
WHEN = datetime(2024, 6, 3, 12, tzinfo=UTC)


def test_lists_the_symbols_and_currencies_of_the_polled_positions(
    qtbot: QtBot, session: UiSession, terminal: SimulatedTerminal
) -> None:
    view = open_tab(qtbot, session, terminal)
    panel = view.exposure_panel
    view.detail.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.symbols.rowCount() > 0 and panel.currencies.rowCount() > 0, timeout=WAIT_MS)
    assert view.shutdown()
    panel.refresh()  # the last poll is stored: compare with what it left
    stored = session.services.trading.queries.open_positions(session.actor, 5001001)
    assert [s.symbol for s in panel.symbols.records] == sorted({p.symbol for p in stored})
    assert "Margin level" in panel.levels.text()
    assert "Drawdown from peak" in panel.levels.text()
    assert "Notional in USD" in panel.exposure_note.text()
    currencies = [panel.currencies.index(row, 0).data() for row in range(panel.currencies.rowCount())]
    assert "USD" in currencies
    for row in range(panel.symbols.rowCount()):
        assert panel.symbols.index(row, 4).data() not in ("", "0.00")  # net notional valued


def position(ticket: int, symbol: str, side: Side, lots: str, price: str) -> Position:
    return Position(5001001, ticket, ticket, WHEN, WHEN, side, symbol, D(lots), D(price), D(price), D(0), D(0),
                    D(0), D(0), "USD")


def test_a_missing_quote_is_named_not_converted(qtbot: QtBot, session: UiSession) -> None:
    officer = session.services.users.create_user(session.actor, "james", "a long enough password 123",
                                                 "compliance_officer").actor()
    view = TradingView(UiSession(session.context, officer, session.runner), None, FAST)  # reads stored polls only
    qtbot.addWidget(view)
    panel = view.exposure_panel
    assert view.selected_account().login == 5001001  # type: ignore[union-attr]
    assert panel.levels.text() == "Not synced yet: no poll has been stored for this account."
    assert panel.symbols.rowCount() == panel.currencies.rowCount() == 0

    trading = session.services.trading
    account = trading.accounts.get(session.actor, 5001001)
    positions = [position(1, "EURGBP", Side.BUY, "1", "0.85"), position(2, "EURUSD", Side.SELL, "0.5", "1.08")]
    quotes = [Quote("EURUSD", WHEN, D("1.0799"), D("1.0801"))]  # no GBPUSD: the GBP leg cannot be valued
    trading.sync.record_poll(session.actor, account, Poll(snapshot("10000", "350"), positions, quotes=quotes))
    view.show()
    view.detail.setCurrentWidget(panel)
    panel.refresh()
    rows = {c.currency: c for c in panel.currencies.records}
    assert set(rows) == {"EUR", "GBP", "USD"}
    gbp = list(rows).index("GBP")
    assert panel.currencies.index(gbp, 1).data() == "-85,000.00"
    assert panel.currencies.index(gbp, 1).data(Qt.ItemDataRole.ForegroundRole) == NEGATIVE
    assert panel.currencies.index(gbp, 2).data() == "not convertible: no GBPUSD quote"
    assert panel.currencies.index(list(rows).index("EUR"), 2).data() == "54,000.00"  # +50 000 EUR at 1.08
    assert [s.symbol for s in panel.symbols.records] == ["EURUSD"]  # EURGBP's notional needs the GBP rate
    assert panel.exposure_note.text().startswith("Notional in USD, at the last poll's prices · gross 54,000.00 USD "
                                                 "of valued positions")
    assert not panel.unvalued_note.isHidden()
    assert "EURGBP (1 position): not convertible: no GBPUSD quote" in panel.unvalued_note.text()
    assert "Margin level <b>350.00 %</b>" in panel.levels.text()

    trading.sync.record_poll(session.actor, account, Poll(snapshot("10000", None, WHEN), []))
    panel.refresh()
    assert panel.exposure_note.text() == "No open positions."
    assert panel.unvalued_note.isHidden()
    assert "no margin in use" in panel.levels.text()
    assert view.shutdown()


def test_positions_without_a_contract_specification_are_listed_next_to_the_valued_ones(
    qtbot: QtBot, session: UiSession
) -> None:
    view = TradingView(session, None, FAST)  # reads stored polls only
    qtbot.addWidget(view)
    panel = view.exposure_panel
    trading = session.services.trading
    account = trading.accounts.get(session.actor, 5001001)
    positions = [position(1, "EURUSD", Side.BUY, "1", "1.08"), position(2, "BTCUSD", Side.BUY, "1", "60000"),
                 position(3, "US30.cash", Side.SELL, "2", "39000"), position(4, "BTCUSD", Side.SELL, "1", "60000")]
    quotes = [Quote("EURUSD", WHEN, D("1.0799"), D("1.0801"))]
    trading.sync.record_poll(session.actor, account, Poll(snapshot("10000", "350"), positions, quotes=quotes))
    view.show()
    view.detail.setCurrentWidget(panel)
    panel.refresh()
    assert [s.symbol for s in panel.symbols.records] == ["EURUSD"]
    assert panel.symbols.index(0, 4).data() == "108,000.00"  # EURUSD valued as if it were held alone
    assert "gross 108,000.00 USD of valued positions" in panel.exposure_note.text()
    assert panel.unvalued_note.isVisible()
    assert panel.unvalued_note.text() == (
        "<b>Not valued: 3 positions</b>, left out of the notionals, the total and the exposure limits<br>"
        "BTCUSD (2 positions): no contract specification for BTCUSD<br>"
        "US30.cash (1 position): no contract specification for US30.cash")
    assert view.shutdown()
