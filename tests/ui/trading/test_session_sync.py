"""The session's MT5 poller belongs to the main window: it runs from sign-in although the Trading tab is
built only when first shown, the tab shows it when opened, and closing the window (sign-out, quit) stops it."""

from __future__ import annotations

import time

from pytestqt.qtbot import QtBot

from fidus_desktop.ui.main_window import MainWindow
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.trading.mt5_sync import Mt5Sync
from fidus_desktop.ui.trading.tab import TradingView

WAIT_MS = 10_000


def test_the_window_runs_the_poller_from_sign_in_and_stops_it_on_close(qtbot: QtBot, session: UiSession) -> None:
    window = MainWindow(session, restore_state=False)
    qtbot.addWidget(window)
    window.show()
    sync = window.jobs["mt5"]
    assert isinstance(sync, Mt5Sync)
    assert session.jobs["mt5"] is sync
    assert window.lazy_tabs[window.tab_names.index("trading")].content is None  # Trading not opened
    qtbot.waitUntil(lambda: sync.poller is not None and sync.poller.running, timeout=WAIT_MS)

    view = window.tab_widget("trading")
    assert isinstance(view, TradingView)
    assert view.poller is sync.poller  # the tab shows the session's poller, it does not start another
    assert view.shutdown()  # a tab closing leaves the session's poller to the window
    assert sync.poller.running

    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 3.0
    assert not sync.poller.running
