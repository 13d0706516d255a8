"""This folder's ``office``: the reporting office of tests/support/reporting_office.py (settled subscriptions); its
``tab``: the Portfolio tab as the portfolio manager sees it (a test module may define its own)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from fidus_desktop.ui.portfolio.tab import PortfolioTab
from tests.support.portfolio_office import Office
from tests.support.portfolio_tab import tab_for
from tests.support.reporting_office import reporting_office


@pytest.fixture
def office(tmp_path: Path) -> Office:
    return reporting_office(tmp_path)


@pytest.fixture
def tab(qtbot: QtBot, office: Office) -> Iterator[PortfolioTab]:
    widget = tab_for(qtbot, office)
    yield widget
    if widget.dialog is not None:
        widget.dialog.close()
