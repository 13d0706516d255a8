"""An office set up from an empty database in the Portfolio tab alone: fund, share class, NAVs, investor.

The "next step" panel says what is missing and offers the action; each dialog is filled by typing and its
result read back from the services; the import wizard shows bad rows before anything is written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from fidus_desktop.services.portfolio.file_imports import ImportKind
from fidus_desktop.ui.portfolio.setup_dialogs import next_number
from fidus_desktop.ui.portfolio.tab import PortfolioTab
from fidus_desktop.ui.session import UiSession
from tests.support.forms import click, field_error, fill_form
from tests.support.ui_session import admin_session

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def session(tmp_path: Path) -> Iterator[UiSession]:
    yield from admin_session(tmp_path)


@pytest.fixture
def tab(qtbot: QtBot, session: UiSession) -> Iterator[PortfolioTab]:
    widget = PortfolioTab(session)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    for dialog in (widget.dialog, widget.import_wizard):
        if dialog is not None:
            dialog.close()


def step_button(qtbot: QtBot, tab: PortfolioTab, name: str) -> None:
    assert tab.next_step.isVisible()
    click(qtbot, tab.next_step.buttons[f"{name}Step"])


def test_an_empty_office_is_set_up_step_by_step(qtbot: QtBot, tab: PortfolioTab, session: UiSession,
                                                tmp_path: Path) -> None:
    portfolio, actor = session.services.portfolio, session.actor
    assert "no fund yet" in tab.next_step.text.text()
    step_button(qtbot, tab, "new_fund")
    fill_form(qtbot, tab.dialog, code="glb", name="Global Fund", base_currency="eur")
    click(qtbot, tab.dialog.ok_button)
    [fund] = portfolio.funds.list_funds(actor)
    assert (fund.code, fund.base_currency) == ("GLB", "EUR")
    assert tab.fund_combo.currentData() == fund.fund_id
    assert "Fund GLB (Global Fund, EUR) created" in tab.message.text()

    assert "has no share class yet" in tab.next_step.text.text()
    step_button(qtbot, tab, "new_class")
    fill_form(qtbot, tab.dialog, code="GLB-A-EUR", name="A EUR", currency="EUR", launch_date="01/01/2023",
              **{"fees.management_rate": "150"})
    click(qtbot, tab.dialog.ok_button)
    assert "percentage from 0 to 100" in field_error(tab.dialog, "fees.management_rate")
    fill_form(qtbot, tab.dialog, **{"fees.management_rate": "1.25", "fees.entry_rate": "2"})
    click(qtbot, tab.dialog.ok_button)
    [share_class] = portfolio.funds.list_classes(actor)
    assert share_class.fees["management_rate"] == Decimal("0.0125")
    assert share_class.fees["entry_rate"] == Decimal("0.02")
    assert str(share_class.launch_date) == "2023-01-01"

    assert "GLB-A-EUR has no NAV yet" in tab.next_step.text.text()
    step_button(qtbot, tab, "import")
    wizard = tab.import_wizard
    wizard.kind.setCurrentIndex(wizard.kind.findData(ImportKind.NAV))
    bad = tmp_path / "navs.csv"
    bad.write_text("class_code,nav_date,nav_per_unit\nGLB-A-EUR,2023-01-02,100\nGLB-X,2023-01-03,x\n")
    fill_form(qtbot, wizard, path=str(bad))
    click(qtbot, wizard.check_button)
    assert "1 problem(s)" in wizard.verdict.text()
    assert wizard.problems.records[0].line == 3
    assert not wizard.import_button.isEnabled()
    # The bad rows go to whoever corrects the file: exported with their line, as shown.
    assert wizard.problems_export.button.isVisibleTo(wizard)
    wizard.problems_export.choose_path = lambda kind: tmp_path / f"refused.{kind}"
    next(a for a in wizard.problems_export.button.menu().actions() if "CSV" in a.text()).trigger()
    with (tmp_path / "refused.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Line", "Problem"]
    assert [row[0] for row in rows[1:]] == ["3"]
    assert rows[1][1] == wizard.problems.records[0].reason
    assert portfolio.navs.latest(share_class.class_id) is None  # the check wrote nothing
    click(qtbot, wizard.back_button)
    bad.write_text("class_code,nav_date,nav_per_unit\nGLB-A-EUR,2023-01-02,100\nGLB-A-EUR,2023-01-03,101.5\n")
    click(qtbot, wizard.check_button)
    assert wizard.verdict.text() == "The file is fine. Importing it will write: 2 rows: 2 new."
    assert wizard.sample.rowCount() == 2
    click(qtbot, wizard.import_button)
    assert portfolio.navs.latest(share_class.class_id).nav_per_unit == Decimal("101.5")
    click(qtbot, wizard.close_button)
    assert tab.message.text() == "Imported navs.csv: 2 rows: 2 new."
    assert tab.cards["nav"].value.text() == "101.5000"

    assert "No investors yet" in tab.next_step.text.text()
    step_button(qtbot, tab, "new_investor")
    assert tab.dialog.number.text() == "INV-00001"
    fill_form(qtbot, tab.dialog, name="Ann Smith", email="not-an-address")
    click(qtbot, tab.dialog.ok_button)
    assert "not an e-mail address" in field_error(tab.dialog, "email")
    fill_form(qtbot, tab.dialog, email="ann@example.com", nationalities="de, xx")
    assert tab.dialog.nationalities.text() == "DE, XX"  # upper-cased as typed
    click(qtbot, tab.dialog.ok_button)
    assert "'XX' is not an ISO country code" in field_error(tab.dialog, "nationalities")
    dialog = tab.dialog
    assert not dialog.incorporation.isEnabled()  # an individual: nationality and residence, no incorporation
    dialog.kind.setCurrentIndex(dialog.kind.findData("corporate"))
    assert (dialog.nationalities.isEnabled(), dialog.residence.isEnabled(), dialog.incorporation.isEnabled()) == (
        False, False, True)
    dialog.kind.setCurrentIndex(dialog.kind.findData("individual"))
    fill_form(qtbot, tab.dialog, nationalities="de, fr", residence_country="lu")
    click(qtbot, tab.dialog.ok_button)
    assert portfolio.investors.by_number("INV-00001").name == "Ann Smith"
    assert portfolio.investors.by_number("INV-00001").nationalities == ("DE", "FR")
    assert portfolio.investors.by_number("INV-00001").residence_country == "LU"
    assert not tab.next_step.isVisible()
    assert tab.investors.total == 1


def test_editing_a_class_keeps_what_is_fixed_and_saves_the_fees(qtbot: QtBot, tab: PortfolioTab,
                                                                 session: UiSession) -> None:
    funds, actor = session.services.portfolio.funds, session.actor
    fund = funds.create_fund(actor, "GLB", "Global", "EUR")
    funds.create_class(actor, fund.fund_id, "GLB-A", "A", "EUR", launch_date="2023-01-01",
                       fees={"management_rate": "0.01"})
    tab.load_funds()
    tab.setup_actions["edit_class"].trigger()
    dialog = tab.dialog
    assert dialog.fees["management_rate"].text() == "1"
    assert not dialog.code.isEnabled()
    fill_form(qtbot, dialog, **{"fees.management_rate": "0.75"})
    click(qtbot, dialog.ok_button)
    assert funds.class_by_code("GLB-A").fees["management_rate"] == Decimal("0.0075")
    tab.setup_actions["new_fund"].trigger()
    fill_form(qtbot, tab.dialog, code="GLB", name="Again", base_currency="EUR")
    click(qtbot, tab.dialog.ok_button)
    assert "already exists" in field_error(tab.dialog, "code")


def test_a_role_that_may_not_set_up_is_told_who_can(qtbot: QtBot, session: UiSession) -> None:
    from dataclasses import replace

    from fidus_desktop.services.permissions import Role
    compliance = UiSession(session.context, replace(session.actor, role=Role.COMPLIANCE_OFFICER),
                           runner=session.runner)
    tab = PortfolioTab(compliance)
    qtbot.addWidget(tab)
    assert "ask a portfolio manager" in tab.next_step.text.text()
    assert not tab.next_step.findChildren(QPushButton)
    assert not tab.setup_actions["new_fund"].isEnabled()
    assert "may not create funds" in tab.setup_actions["new_fund"].toolTip()
    assert tab.setup_actions["new_investor"].isEnabled()


def test_next_number_keeps_prefix_and_width() -> None:
    assert next_number("INV-00017") == "INV-00018"
    assert next_number("C99") == "C100"
    assert next_number(None) == "INV-00001"


def test_a_benchmark_is_linked_and_a_product_defined_and_versioned(qtbot: QtBot, tab: PortfolioTab,
                                                                   session: UiSession) -> None:
    portfolio, actor = session.services.portfolio, session.actor
    fund = portfolio.funds.create_fund(actor, "GLB", "Global", "EUR")
    portfolio.funds.create_class(actor, fund.fund_id, "GLB-A", "A", "EUR", launch_date="2023-01-01")
    portfolio.benchmarks.import_levels(actor, "date,level\n2023-01-02,100\n", "IDX", "An index", "EUR")
    tab.load_funds()
    tab.setup_actions["edit_class"].trigger()
    dialog = tab.dialog
    dialog.benchmark.setCurrentIndex(dialog.benchmark.findText("IDX", Qt.MatchFlag.MatchStartsWith))
    click(qtbot, dialog.ok_button)
    assert portfolio.benchmarks.class_benchmark(portfolio.funds.class_by_code("GLB-A").class_id).code == "IDX"

    tab.setup_actions["products"].trigger()
    dialog = tab.dialog
    fill_form(qtbot, dialog, product_code="FY-12", name="Twelve months", monthly_rate="0.015")
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    assert portfolio.products.list_products(actor)[0].monthly_rate == Decimal("0.00015")  # typed in per cent
    tab.setup_actions["products"].trigger()
    dialog = tab.dialog
    dialog.product.setCurrentIndex(1)
    assert dialog.code.text() == "FY-12"
    assert not dialog.code.isEnabled()
    fill_form(qtbot, dialog, monthly_rate="")
    click(qtbot, dialog.ok_button)
    assert "needs a monthly rate above 0" in field_error(dialog, "monthly_rate")
    fill_form(qtbot, dialog, monthly_rate="1.5")
    click(qtbot, dialog.ok_button)
    [terms] = portfolio.products.list_products(actor)
    assert (terms.version, terms.monthly_rate) == (2, Decimal("0.015"))
    assert "terms version 2 saved" in tab.message.text()


def test_the_wizard_imports_position_trades_after_showing_each_bad_row(qtbot: QtBot, tab: PortfolioTab,
                                                                       session: UiSession, tmp_path: Path) -> None:
    portfolio, actor = session.services.portfolio, session.actor
    fund = portfolio.funds.create_fund(actor, "GLB", "Global Fund", "EUR")
    shares = portfolio.holdings.add_instrument(actor, "EQ-REAL", "Euro equity", "EUR", "equity")
    tab.open_import()
    wizard = tab.import_wizard
    wizard.kind.setCurrentIndex(wizard.kind.findData(ImportKind.TRADES))
    trades = tmp_path / "trades.csv"
    trades.write_text("reference,fund_code,instrument_code,trade_date,quantity,price\n"
                      "B-1,GLB,EQ-REAL,2023-01-02,10,90\nS-1,GLB,EQ-REAL,2023-01-03,-11,91\nB-2,GLB,EQ-X,2023-01-03,1,9\n")
    fill_form(qtbot, wizard, path=str(trades))
    click(qtbot, wizard.check_button)
    assert "2 problem(s)" in wizard.verdict.text()
    assert [p.line for p in wizard.problems.records] == [3, 4]
    assert not wizard.import_button.isEnabled()
    assert portfolio.holdings.trades_of(actor, fund.fund_id) == []  # the check wrote nothing
    click(qtbot, wizard.back_button)
    trades.write_text("reference,fund_code,instrument_code,trade_date,quantity,price\n"
                      "B-1,GLB,EQ-REAL,2023-01-02,10,90\nS-1,GLB,EQ-REAL,2023-01-03,-4,91\n")
    click(qtbot, wizard.check_button)
    assert wizard.verdict.text() == "The file is fine. Importing it will write: 2 rows: 2 new."
    click(qtbot, wizard.import_button)
    assert portfolio.holdings.positions.find_one({"instrument_id": shares["_id"]})["quantity"] == 6
