""""Open investigation…" on a transaction: in the Portfolio tab's and the investor window's context menus for
compliance officers only; a right-clicked row opens the form with its reference, the case links the transaction
and its investor, and the main window then shows the case in the Compliance tab."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.keys import KeyService
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.compliance.tab import ComplianceTab
from fidus_desktop.ui.main_window import MainWindow
from fidus_desktop.ui.portfolio.investor_dialog import InvestorDialog
from fidus_desktop.ui.portfolio.tab import PortfolioTab
from fidus_desktop.ui.session import UiSession
from tests.support.cost import CHEAP_KDF
from tests.support.keys_office import PASSPHRASE
from tests.support.portfolio_office import ADMIN, BACK, PM, Office
from tests.support.readiness import MAKER
from tests.ui.test_compliance_tab import OLGA

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def portfolio(qtbot: QtBot, office: Office, actor: Actor) -> PortfolioTab:
    session = UiSession(SimpleNamespace(services=office.services), actor, runner=InlineRunner())  # type: ignore[arg-type]
    widget = PortfolioTab(session)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def right_click_row(qtbot: QtBot, view, row: int) -> None:  # type: ignore[no-untyped-def]
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.RightButton, pos=rect.center())


@pytest.fixture
def keyed(office: Office) -> Office:
    KeyService(office.services.ctx, office.services.secrets, kdf=CHEAP_KDF).init(ADMIN, PASSPHRASE)
    return office


def test_a_compliance_officer_opens_a_case_from_a_right_clicked_transaction(qtbot: QtBot, keyed: Office) -> None:
    tab = portfolio(qtbot, keyed, MAKER)
    view = tab.transactions_view
    assert tab.investigate is not None
    assert tab.investigate in view.actions()  # in the table's context menu, after Copy and Export
    assert view.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    row = next(r for r in range(tab.transactions.rowCount())
               if tab.transactions.row_at(r).investor_id == keyed.bob.investor_id)
    ref = tab.transactions.row_at(row).ref
    right_click_row(qtbot, view, row)  # selects the row under the pointer, as the menu opens
    assert tab.selected_transaction_ref() == ref
    shown: list[tuple[str, str]] = []
    tab.session.signals.open_record.connect(lambda kind, key: shown.append((kind, key)))
    tab.investigate.trigger()
    dialog = tab.investigate.dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.transactions.text() == ref
    qtbot.keyClicks(dialog.title, "Large corporate subscription")
    qtbot.keyClicks(dialog.summary, "20,000 USD from an account abroad not declared at onboarding.")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    [case] = keyed.services.investigations.list_cases(MAKER)
    assert case.investor_ids == (keyed.bob.investor_id,)  # the transaction's investor, linked by the service
    assert len(case.transaction_ids) == 1
    assert shown == [("investigation", case.ref)]


@pytest.mark.parametrize("actor", [PM, BACK, ADMIN], ids=lambda a: a.role.value)
def test_others_have_no_investigation_action(qtbot: QtBot, office: Office, actor: Actor) -> None:
    tab = portfolio(qtbot, office, actor)
    assert tab.investigate is None
    assert not [a for a in tab.transactions_view.actions() if "investigation" in a.text().lower()]


def test_the_investor_window_offers_it_on_its_transactions(qtbot: QtBot, keyed: Office) -> None:
    session = UiSession(SimpleNamespace(services=keyed.services), MAKER, runner=InlineRunner())  # type: ignore[arg-type]
    dialog = InvestorDialog(session, keyed.ann.investor_id)
    qtbot.addWidget(dialog)
    dialog.show()
    pages = dialog.position
    action = pages.investigate
    assert action is not None
    assert action in pages.transactions_view.actions()
    pages.transactions_view.selectRow(0)
    action.trigger()
    assert action.dialog is not None
    assert action.dialog.transactions.text() == pages.transactions.record(0).ref
    action.dialog.reject()
    clerk = InvestorDialog(UiSession(SimpleNamespace(services=keyed.services), BACK, runner=InlineRunner()),  # type: ignore[arg-type]
                           keyed.ann.investor_id)
    qtbot.addWidget(clerk)
    assert clerk.position.investigate is None


def test_the_main_window_shows_the_case_in_the_compliance_tab(
    qtbot: QtBot, app_context: AppContext, admin: Actor
) -> None:
    app_context.services.keys.kdf = CHEAP_KDF
    app_context.services.keys.init(admin, PASSPHRASE)
    app_context.services.portfolio.investors.create_investor(admin, "INV-1", "Anna Berg", "individual")
    case = app_context.services.investigations.open(OLGA, "Cash deposits", "Deposits in cash above the threshold.",
                                                    investors=["INV-1"])
    session = UiSession(app_context, OLGA, runner=InlineRunner())
    window = MainWindow(session, restore_state=False)
    qtbot.addWidget(window)
    session.signals.open_record.emit("investigation", case.ref)
    assert window.tab_names[window.tabs.currentIndex()] == "compliance"
    compliance = window.tab_widget("compliance")
    assert isinstance(compliance, ComplianceTab)
    assert compliance.pages.currentWidget() is compliance.investigations
    assert compliance.investigations.selected_ref() == case.ref
    assert "Cash deposits" in compliance.investigations.panel.header.text()
    window.close()
