"""The dealing dialog refuses a subscription for an investor who is not ready to invest: the service's reason
under the investor field, the dialog stays open, nothing entered."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from fidus_desktop.ui.portfolio.tab import PortfolioTab
from tests.support.forms import click, fill_form
from tests.support.portfolio_office import ADMIN, PM, Office

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_a_subscription_for_an_investor_not_ready_is_refused_under_the_investor_field(
    qtbot: QtBot, tab: PortfolioTab, office: Office
) -> None:
    office.p.investors.create_investor(ADMIN, "INV-3", "Carl Newman", "individual")
    before = office.p.dealing.count(PM)
    click(qtbot, tab.buttons["deal"])
    fill_form(qtbot, tab.dialog, investor_id="INV-3", amount="2500", trade_date="05/01/2023",
              dealing_date="5/1/2023", settlement_date="06/01/2023")
    click(qtbot, tab.dialog.ok_button)
    assert tab.dialog.isVisible()
    error = tab.dialog.findChild(QLabel, "investor_id_error")
    assert error.isVisible()
    assert "Investor INV-3 (Carl Newman) is not ready to invest: KYC case open" in error.text()
    assert office.p.dealing.count(PM) == before
