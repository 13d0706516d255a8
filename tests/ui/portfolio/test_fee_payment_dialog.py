"""The Portfolio tab's "Record fee payment…": what is owed shown first, refusals under the field, then recorded."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from fidus_desktop.domain.fees import FeeKind, FeeLedgerEntry
from fidus_desktop.domain.money import Money
from fidus_desktop.ui.portfolio.tab import PortfolioTab
from tests.support.forms import click, field_error, fill_form, submit_form
from tests.support.portfolio_office import BACK, D1, D3, D4, PM, Office
from tests.support.portfolio_tab import tab_for

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def tab(qtbot: QtBot, office: Office) -> Iterator[PortfolioTab]:
    """Back office's tab; GLB-A-EUR owes a 35.00 EUR management fee charged on 2023-01-04."""
    office.p.fees.record(FeeLedgerEntry(office.fund.fund_id, office.eur.class_id, None, FeeKind.MANAGEMENT, D1, D3,
                                        Money(Decimal(102000), "EUR"), Decimal("0.0125"), Money(Decimal(35), "EUR")))
    widget = tab_for(qtbot, office, BACK)
    yield widget
    if widget.dialog is not None:
        widget.dialog.close()


def owed_text(tab: PortfolioTab) -> str:
    return tab.dialog.findChild(QLabel, "feesOwed").text()


def test_over_payment_is_explained_under_the_amount_then_a_valid_payment_is_recorded(
        qtbot: QtBot, tab: PortfolioTab, office: Office) -> None:
    click(qtbot, tab.buttons["fees"])
    assert tab.dialog.share_class.currentData() == office.eur.class_id
    fill_form(qtbot, tab.dialog, paid_on="2023-01-05")  # what is owed loads once the date is whole
    # One day of management fee accrued since the charge; only what is charged can be paid.
    assert owed_text(tab) == "35.34 EUR on 2023-01-05 (charged 35.00 + accrued 0.34 − paid 0.00); payable 35.00"
    assert tab.dialog.amount.placeholderText() == "at most 35.00 EUR"
    ledger_lines = office.p.ledgers.cash.count()
    submit_form(qtbot, tab.dialog, amount="50", reference="BANK-1")
    assert "GLB-A-EUR owes 35.00 EUR on 2023-01-05" in field_error(tab.dialog, "amount")
    assert tab.dialog.isVisible()
    assert office.p.fees.payments.count() == 0
    submit_form(qtbot, tab.dialog, amount="35.00")
    assert not tab.dialog.isVisible()
    assert office.p.fees.owed(PM, office.eur.class_id, D4).payable.is_zero()
    assert office.p.ledgers.cash.count() == ledger_lines + 1  # this office settles deals: the fee_payment line
    assert tab.message.text() == ("Fee payment 1 of GLB-A-EUR recorded: 35.00 EUR paid on 2023-01-05, "
                                  "reference BANK-1.")


def test_an_unreadable_date_is_explained_under_the_date(qtbot: QtBot, tab: PortfolioTab) -> None:
    click(qtbot, tab.buttons["fees"])
    submit_form(qtbot, tab.dialog, paid_on="5 Jan", amount="10", reference="BANK-1")
    assert owed_text(tab) == "— (give the date as DD/MM/YYYY or YYYY-MM-DD)"
    assert "type it as DD/MM/YYYY or YYYY-MM-DD" in field_error(tab.dialog, "paid_on")
    assert tab.dialog.isVisible()


def test_a_portfolio_manager_cannot_record_fee_payments(qtbot: QtBot, office: Office) -> None:
    assert not tab_for(qtbot, office, PM).buttons["fees"].isEnabled()
