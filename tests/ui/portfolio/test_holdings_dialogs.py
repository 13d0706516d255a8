"""Holdings kept in the GUI: a new instrument, its price and the trades that build the position, then the
holdings table shows the book cost worked out by hand (tests/portfolio/test_holdings_cost.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pytestqt.qtbot import QtBot

from fidus_desktop.services.permissions import Role
from fidus_desktop.ui.portfolio.tab import PortfolioTab
from tests.support.forms import field_error, submit_form
from tests.support.portfolio_office import PM, Office
from tests.support.portfolio_tab import tab_for

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def trade(qtbot: QtBot, tab: PortfolioTab, side: str, **fields: str) -> None:
    tab.setup_actions["tradeAction"].trigger()
    dialog = tab.dialog
    dialog.side.setCurrentIndex(dialog.side.findText(side))
    submit_form(qtbot, dialog, **fields)


def test_an_instrument_its_price_and_three_trades_give_the_book_cost(qtbot: QtBot, tab: PortfolioTab) -> None:
    tab.setup_actions["tradeAction"].trigger()
    assert "no instrument to trade" in tab.message.text()
    tab.setup_actions["instrumentAction"].trigger()
    submit_form(qtbot, tab.dialog, code="EQ-US", name="US equity", currency="usd")
    assert not tab.dialog.isVisible()
    assert "Instrument EQ-US created" in tab.message.text()
    tab.setup_actions["priceAction"].trigger()
    submit_form(qtbot, tab.dialog, price_date="05/01/2023", price="100")
    assert not tab.dialog.isVisible()
    trade(qtbot, tab, "Purchase", reference="T-1", trade_date="02/01/2023", quantity="600", price="90")
    trade(qtbot, tab, "Purchase", reference="T-2", trade_date="04/01/2023", quantity="400", price="95", fees="10")
    trade(qtbot, tab, "Sale", reference="T-3", trade_date="05/01/2023", quantity="200", price="100")
    assert "sale of 200 EQ-US" in tab.message.text()
    titles = [c.title for c in tab.holdings.columns]
    [row] = [r for r in range(tab.holdings.rowCount()) if tab.holdings.index(r, 0).data() == "EQ-US"]
    assert [tab.holdings.index(row, titles.index(t)).data() for t in ("Quantity", "Book cost (EUR)",
                                                                      "Unrealised P&L (EUR)")] == [
        "800.0000", "69,127.58", "6,337.00"]


def test_a_sale_of_more_than_is_held_is_explained_under_the_quantity(qtbot: QtBot, tab: PortfolioTab,
                                                                     office: Office) -> None:
    shares = office.p.holdings.add_instrument(PM, "EQ-US", "US equity", "USD", "equity")
    office.p.holdings.record_trade(PM, office.fund.fund_id, shares["_id"], "T-1", "2023-01-02", "10", "90")
    trade(qtbot, tab, "Sale", reference="T-2", trade_date="05/01/2023", quantity="11", price="100")
    assert tab.dialog.isVisible()
    assert "more than the 10 held" in field_error(tab.dialog, "quantity")
    assert office.p.holdings.positions.find_one({"instrument_id": shares["_id"]})["quantity"] == 10


def test_a_role_that_may_not_manage_holdings_is_told_why(qtbot: QtBot, office: Office) -> None:
    widget = tab_for(qtbot, office, replace(PM, role=Role.COMPLIANCE_OFFICER))
    action = widget.setup_actions["tradeAction"]
    assert not action.isEnabled()
    assert action.toolTip() == "Your role (Compliance officer) may not manage holdings."
