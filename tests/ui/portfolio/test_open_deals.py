"""Open deals in the Portfolio tab: a deal entered in the app is approved by a colleague, settled or cancelled,
each after a confirmation that shows what will be booked."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from fidus_desktop.ui.portfolio.tab import PortfolioTab
from tests.support.forms import click, fill_form
from tests.support.portfolio_office import PM, PM2, Office
from tests.support.portfolio_tab import tab_for

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def confirm(qtbot: QtBot, tab: PortfolioTab, reason: str | None = None) -> str:
    dialog = tab.deals_panel.confirm
    assert dialog is not None
    assert dialog.isVisible()
    text = dialog.text.text()
    if reason is not None:
        fill_form(qtbot, dialog, reason=reason)
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))
    return text


def open_refs(tab: PortfolioTab) -> list[str]:
    return [d.view.ref for d in tab.deals_panel.deals]


def enter(qtbot: QtBot, tab: PortfolioTab, amount: str) -> str:
    click(qtbot, tab.buttons["deal"])
    fill_form(qtbot, tab.dialog, investor_id="INV-2", amount=amount, trade_date="2023-01-05",
              dealing_date="2023-01-05", settlement_date="2023-01-06")
    click(qtbot, tab.dialog.ok_button)
    return tab.dialog.result_value.ref


def test_a_deal_entered_in_the_app_is_approved_by_a_colleague_and_settled(qtbot: QtBot, office: Office) -> None:
    maker = tab_for(qtbot, office, PM)
    ref = enter(qtbot, maker, "2500.00")
    assert maker.message.text().startswith(f"Entered subscription {ref} for INV-2: 2,500.00 EUR in GLB-A-EUR")
    assert ref in open_refs(maker)
    row = open_refs(maker).index(ref)
    assert maker.deals_panel.table.item(row, 7).text() == "maria"  # who entered it
    maker.deals_panel.select(ref)
    click(qtbot, maker.deals_panel.buttons["approve"])
    confirm(qtbot, maker)
    assert "Four-eyes rule: maria entered" in maker.deals_panel.status.text()  # the service refuses the maker

    checker = tab_for(qtbot, office, PM2)
    checker.deals_panel.select(ref)
    assert not checker.deals_panel.buttons["settle"].isEnabled()  # pending: approve first
    click(qtbot, checker.deals_panel.buttons["approve"])
    # 2 % entry fee: 2,450.00 at the NAV of 2023-01-05 (101.5) = 24.1379 units.
    text = confirm(qtbot, checker)
    assert "at NAV 101.5000 EUR: 24.1379 units, gross 2,500.00 − fee 50.00 = net 2,450.00 EUR" in text
    assert "Entered by maria." in text
    assert checker.message.text() == f"Approved subscription {ref} of INV-2 in GLB-A-EUR."
    checker.deals_panel.select(ref)
    click(qtbot, checker.deals_panel.buttons["settle"])
    assert "approved by peter" in confirm(qtbot, checker)
    assert checker.message.text() == f"Settled subscription {ref} of INV-2 in GLB-A-EUR."
    assert ref not in open_refs(checker)
    assert str(office.p.dealing.by_ref(PM, ref).deal["units"]) == "24.1379"


def test_cancelling_needs_a_reason(qtbot: QtBot, office: Office) -> None:
    tab = tab_for(qtbot, office, PM)
    ref = enter(qtbot, tab, "800")
    tab.deals_panel.select(ref)
    click(qtbot, tab.deals_panel.buttons["cancel"])
    confirm(qtbot, tab, reason="")
    assert "reason" in tab.deals_panel.status.text().lower()
    assert ref in open_refs(tab)
    tab.deals_panel.select(ref)
    click(qtbot, tab.deals_panel.buttons["cancel"])
    confirm(qtbot, tab, reason="investor changed their mind")
    assert tab.message.text() == f"Cancelled subscription {ref} of INV-2 in GLB-A-EUR."
    assert ref not in open_refs(tab)
    assert office.p.dealing.by_ref(PM, ref).cancel_reason == "investor changed their mind"
