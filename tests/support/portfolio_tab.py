"""The Portfolio tab over a test office, as one user sees it, with every background job run inline."""

from __future__ import annotations

from types import SimpleNamespace

from pytestqt.qtbot import QtBot

from fidus_desktop.services.actor import Actor
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.portfolio.tab import PortfolioTab
from fidus_desktop.ui.session import UiSession
from tests.support.portfolio_office import PM, Office


def tab_for(qtbot: QtBot, office: Office, actor: Actor = PM) -> PortfolioTab:
    session = UiSession(SimpleNamespace(services=office.services), actor, runner=InlineRunner())  # type: ignore[arg-type]
    widget = PortfolioTab(session)
    qtbot.addWidget(widget)
    widget.show()
    return widget
