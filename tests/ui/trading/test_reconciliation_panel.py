"""The Reconciliation panel: period, the four lists, refresh after a sync and after classification; only the
back office and admins get it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext, open_context
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.services.trading.reconciliation import MismatchKind
from fidus_desktop.services.trading.sync import Poll
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.trading.reconciliation_panel import ReconciliationPanel
from fidus_desktop.ui.trading.tab import TradingView
from tests.support.mt5_records import snapshot
from tests.support.portfolio_office import ADMIN, BACK, PM
from tests.support.reconciliation_office import ReconciliationOffice, balance_deal, build_reconciliation_office

from .conftest import FAST


@pytest.fixture
def office_context(tmp_path: Path, secrets: SecretStore) -> Iterator[tuple[AppContext, ReconciliationOffice]]:
    ro = build_reconciliation_office(tmp_path)
    ro.office.services.ctx.store.close()
    ctx = open_context(f"sqlite:///{(tmp_path / 't.db').as_posix()}", secrets=secrets, log_to_file=False)
    yield ctx, ro
    ctx.close()


def rows(panel: ReconciliationPanel, kind: MismatchKind) -> list[int | str | None]:
    return [m.ticket or m.flow_id for _, m in panel.lists[kind].records]


def test_lists_the_period_and_refreshes(qtbot: QtBot, office_context: tuple[AppContext, ReconciliationOffice],
                                        inline_runner: InlineRunner) -> None:
    ctx, ro = office_context
    session = UiSession(ctx, BACK, inline_runner)
    panel = ReconciliationPanel(session, today=lambda: date(2023, 1, 31))
    qtbot.addWidget(panel)
    panel.show()
    assert panel.period() == (date(2023, 1, 2), date(2023, 1, 31))
    panel.resize(1000, 700)
    assert panel.export_buttons.height() <= 2 * panel.run_button.height()  # a button in the bar, not a pane
    assert [m.ticket for _, m in panel.matched.records] == [11]
    assert rows(panel, MismatchKind.DEAL_NOT_RECORDED) == [12]
    assert rows(panel, MismatchKind.FLOW_NOT_IN_MT5) == [ro.bob_transaction]
    assert rows(panel, MismatchKind.NEEDS_CLASSIFICATION) == [13]
    assert [panel.tabs.tabText(i) for i in range(4)] == ["Matched", "Deals not recorded (1)", "Flows not in MT5 (1)",
                                                         "Unclassified (1)"]
    summary = panel.summary.text()
    assert "GLB: 1 matched, 3 to check" in summary
    assert "NEW: not configured" in summary

    assert not panel.explain_button.isEnabled()
    panel.tabs.setCurrentIndex(1)
    panel.views[MismatchKind.DEAL_NOT_RECORDED].selectRow(0)
    assert panel.explain_button.isEnabled()
    qtbot.keyClicks(panel.note, "Broker bonus, booked by hand")
    qtbot.mouseClick(panel.explain_button, Qt.MouseButton.LeftButton)
    assert panel.lists[MismatchKind.DEAL_NOT_RECORDED].index(0, 6).data() == "lena: Broker bonus, booked by hand"
    assert panel.tabs.tabText(1) == "Deals not recorded (0)"
    assert panel.note.text() == ""
    assert "GLB: 1 matched, 2 to check, 1 explained" in panel.summary.text()
    panel.tabs.setCurrentIndex(3)
    panel.views[MismatchKind.NEEDS_CLASSIFICATION].selectRow(0)
    assert not panel.explain_button.isEnabled(), "unclassified deals are classified, not explained"

    ctx.services.trading.classification.resolve(ADMIN, 5001002, 13, "fee_rebate", "broker goodwill")
    session.signals.data_changed.emit("mt5_balance_classes")
    assert rows(panel, MismatchKind.NEEDS_CLASSIFICATION) == []

    panel.first.setDate(QDate(2023, 2, 1))
    panel.last.setDate(QDate(2023, 2, 28))
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert [m.rowCount() for m in (panel.matched, *panel.lists.values())] == [0, 0, 0, 0]
    assert "GLB: 0 matched, 0 to check" in panel.summary.text()


def test_back_office_tab_has_the_panel_refreshed_after_a_sync(
    qtbot: QtBot, office_context: tuple[AppContext, ReconciliationOffice], inline_runner: InlineRunner
) -> None:
    ctx, _ = office_context
    pm_view = TradingView(UiSession(ctx, PM, inline_runner), None, FAST)
    qtbot.addWidget(pm_view)
    assert pm_view.shutdown()
    assert pm_view.reconciliation is None
    assert "Reconciliation" not in [pm_view.detail.tabText(i) for i in range(pm_view.detail.count())]
    view = TradingView(UiSession(ctx, BACK, inline_runner), None, FAST)
    qtbot.addWidget(view)
    assert view.shutdown()
    panel = view.reconciliation
    assert panel is not None
    assert view.detail.tabText(view.detail.count() - 1) == "Reconciliation"
    panel.first.setDate(QDate(2023, 1, 1))
    panel.last.setDate(QDate(2023, 1, 31))
    panel.refresh()
    assert rows(panel, MismatchKind.DEAL_NOT_RECORDED) == [12]

    trading = ctx.services.trading
    late = balance_deal(15, "1234", "Deposit", date(2023, 1, 20))
    trading.sync.record_poll(PM, trading.accounts.get(PM, 5001002),
                             Poll(replace(snapshot("21234"), login=5001002, currency="EUR"), [], [late]))  # type: ignore[list-item]
    view._deals_arrived(5001002, 1)  # what the poller thread's signal calls
    assert rows(panel, MismatchKind.DEAL_NOT_RECORDED) == [12], "not on screen: refreshed when next shown"
    view.show()
    view.detail.setCurrentWidget(panel)
    assert rows(panel, MismatchKind.DEAL_NOT_RECORDED) == [12, 15]
    late_too = balance_deal(16, "99", "Deposit", date(2023, 1, 21))
    trading.sync.record_poll(PM, trading.accounts.get(PM, 5001002),
                             Poll(replace(snapshot("21333"), login=5001002, currency="EUR"), [], [late_too]))  # type: ignore[list-item]
    view._deals_arrived(5001002, 1)
    assert rows(panel, MismatchKind.DEAL_NOT_RECORDED) == [12, 15, 16], "on screen: refreshed at once"
