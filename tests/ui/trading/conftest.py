"""Trading-tab fixtures: the simulator's accounts set up in a real app context, a session, a fast poller."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.integrations.mt5 import SimulatedTerminal
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.trading.poller import PollerSettings
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.trading.poller_thread import TerminalLink
from fidus_desktop.ui.trading.tab import TradingView
from tests.support.simulated_accounts import RECENT_ACCOUNTS, SIM_NOW, sim_account_input

# Polls every 0.1 s and retries a lost terminal after 0.1–0.3 s, so a test sees a whole cycle quickly.
FAST = PollerSettings(poll_seconds=0.1, deals_poll_seconds=0.1, backoff_initial_seconds=0.2, backoff_max_seconds=0.3)
LIMITS = {"symbol_exposure_above": "1"}  # any open position raises an exposure alert


@pytest.fixture
def terminal() -> SimulatedTerminal:
    return SimulatedTerminal(seed=11, accounts=RECENT_ACCOUNTS, now=SIM_NOW)


@pytest.fixture
def session(app_context: AppContext, admin: Actor, inline_runner: InlineRunner) -> UiSession:
    for sim in RECENT_ACCOUNTS:
        app_context.services.trading.accounts.create(
            admin, sim_account_input(sim.login, alert_thresholds=LIMITS), password=sim.password
        )
    return UiSession(app_context, admin, inline_runner)


def open_tab(qtbot: QtBot, session: UiSession, terminal: object) -> TradingView:
    link = TerminalLink(terminal, clock=lambda: terminal.now)  # type: ignore[arg-type, attr-defined]
    view = TradingView(session, link, FAST)
    qtbot.addWidget(view)
    view.resize(1400, 800)
    view.show()
    return view


@pytest.fixture
def status_lines(session: UiSession) -> list[str]:
    lines: list[str] = []
    session.signals.mt5_status.connect(lines.append)
    return lines
