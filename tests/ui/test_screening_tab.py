"""The Compliance tab's screening: alerts shown with their explanation, an officer's proposal and a second
officer's confirmation by clicks, buttons following permissions and four eyes, list import through the dialog."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.permissions import Role
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.compliance.screening_tab import ScreeningTab
from fidus_desktop.ui.session import UiSession
from tests.compliance.conftest import sdn_excerpt

OLGA = Actor("officer-1", "olga", Role.COMPLIANCE_OFFICER, "test")
OMAR = Actor("officer-2", "omar", Role.COMPLIANCE_OFFICER, "test")


@pytest.fixture
def office(app_context: AppContext, admin: Actor) -> AppContext:
    app_context.services.screening_lists.import_file(admin, "ofac", sdn_excerpt("3754"), "sdn.csv")
    app_context.services.portfolio.investors.create_investor(admin, "INV-1", "Musa Mohamed Abu Marzuk", "individual")
    return app_context


def tab(qtbot: QtBot, ctx: AppContext, actor: Actor) -> ScreeningTab:
    widget = ScreeningTab(UiSession(ctx, actor, InlineRunner()))
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_a_proposal_then_a_second_officers_confirmation(qtbot: QtBot, office: AppContext) -> None:
    maker = tab(qtbot, office, OLGA)
    assert maker.lists_label.text().startswith("ofac-sdn: 150 entries")
    assert maker.table.rowCount() == 1
    assert maker.table.item(0, 2).text() == "3754"
    maker.table.selectRow(0)
    assert "'Mousa Mohammed ABU MARZOOK'" in maker.detail.toPlainText()
    assert not maker.buttons["confirm"].isEnabled()
    qtbot.keyClicks(maker.reason, "Born 1984 in Lyon, passport seen")
    qtbot.mouseClick(maker.buttons["false_positive"], Qt.MouseButton.LeftButton)
    assert maker.table.item(0, 5).text() == "awaiting second officer"
    assert maker.table.item(0, 6).text() == "false positive by olga"
    maker.table.selectRow(0)
    assert not maker.buttons["confirm"].isEnabled()  # the maker cannot check their own proposal
    assert not maker.buttons["false_positive"].isEnabled()

    checker = tab(qtbot, office, OMAR)
    checker.table.selectRow(0)
    assert checker.buttons["confirm"].isEnabled()
    qtbot.keyClicks(checker.reason, "Agreed")
    qtbot.mouseClick(checker.buttons["confirm"], Qt.MouseButton.LeftButton)
    assert checker.table.rowCount() == 0  # open alerts only
    checker.open_only.setChecked(False)
    assert checker.table.item(0, 5).text() == "closed"
    assert office.services.screening.open_count(OMAR) == 0


def test_the_administrator_imports_and_runs_but_decides_nothing(
    qtbot: QtBot, office: AppContext, admin: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = tab(qtbot, office, admin)
    view.table.selectRow(0)
    assert not any(button.isEnabled() for button in view.buttons.values())
    newer = tmp_path / "sdn-new.csv"
    newer.write_bytes(sdn_excerpt("3754", "35096"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(newer), ""))
    qtbot.mouseClick(view.import_button, Qt.MouseButton.LeftButton)
    assert [v.file_name for v in office.services.screening_lists.versions(admin)] == ["sdn-new.csv", "sdn.csv"]
    assert view.lists_label.text().startswith("ofac-sdn: 151 entries")
