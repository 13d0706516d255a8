"""A risk alert that fires after the first look at an account is announced once; known ones are not."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from fidus_desktop.integrations.mt5 import SimulatedTerminal
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.trading.alert_notifier import AlertNotifier

from .conftest import open_tab

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def alert(alert_id: str, message: str = "Margin level 95 % below 100 %") -> SimpleNamespace:
    return SimpleNamespace(alert_id=alert_id, login=5001001, message=message)


def test_only_alerts_that_appear_later_are_announced_once(qtbot: QtBot) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    notifier = AlertNotifier(window)
    fired: list[str] = []
    notifier.fired.connect(fired.append)
    notifier.notice(5001001, [alert("a1")])  # already active when the window opened: in the table, no toast
    notifier.notice(5001001, [alert("a1"), alert("a2", "Drawdown 12 % above 10 %")])
    notifier.notice(5001001, [alert("a2", "Drawdown 12 % above 10 %")])  # seen: not again
    assert fired == ["MT5 5001001: Drawdown 12 % above 10 %"]
    assert window.statusBar().currentMessage() == "Risk alert: MT5 5001001: Drawdown 12 % above 10 %"


def test_the_trading_tab_hands_every_polled_account_to_the_notifier(
        qtbot: QtBot, session: UiSession, terminal: SimulatedTerminal) -> None:
    view = open_tab(qtbot, session, terminal)
    qtbot.waitUntil(lambda: {5001001, 5001002, 7002001} <= view.notifier.seen.keys(), timeout=20_000)
    assert view.shutdown()
    active = {a.alert_id for a in session.services.trading.risk.active(session.actor, 5001001)}
    assert active <= view.notifier.seen[5001001]
