"""Investment readiness in the Compliance tab, driven by clicks: the list's Ready / Not ready column with the
blocking reasons as tooltip and its filter, the file's Readiness page, a paper agreement recorded, and an
override asked by one officer, confirmed by a second (four eyes in the buttons) and revoked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.compliance.queue import Section
from fidus_desktop.ui.compliance.tab import ComplianceTab
from tests.ui.test_compliance_tab import OLGA, OMAR, click, office, open_file, tab  # noqa: F401 - the fixture

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
READINESS_COLUMN = 3


def list_cell(view: ComplianceTab, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> str:
    assert view.files is not None
    return view.files.proxy.index(0, READINESS_COLUMN).data(role)


def test_readiness_in_the_list_and_the_file_with_an_agreement_and_a_four_eyes_override(
    qtbot: QtBot, office: AppContext  # noqa: F811 - the fixture imported above
) -> None:
    view = tab(qtbot, office, OLGA)
    assert view.files is not None
    assert view.files.model.headerData(READINESS_COLUMN, Qt.Orientation.Horizontal) == "Readiness"
    assert list_cell(view) == "Not ready"
    tip = list_cell(view, Qt.ItemDataRole.ToolTipRole)
    assert "KYC case open" in tip
    assert "subscription agreement not signed" in tip
    view.files.ready.setCurrentIndex(view.files.ready.findText("Ready"))
    assert view.files.proxy.rowCount() == 0
    view.files.ready.setCurrentIndex(view.files.ready.findText("Not ready"))
    assert view.files.proxy.rowCount() == 1

    open_file(view, "INV-1")
    panel = view.files.panel
    page = panel.readiness
    assert "Not ready to invest</b>" in panel.header.text()
    assert "Not ready to invest" in page.summary.text()
    assert "No signed subscription agreement" in page.summary.text()
    assert not page.buttons["confirm"].isEnabled()
    assert not page.buttons["revoke"].isEnabled()

    click(qtbot, view, "readiness_agreement")
    dialog = page.dialog
    assert dialog is not None
    assert dialog.received_on.date() == office.services.readiness.now().date()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    today = office.services.readiness.now().date()
    assert f"agreement received on {today}" in page.summary.text()
    assert "subscription agreement not signed" not in list_cell(view, Qt.ItemDataRole.ToolTipRole)

    click(qtbot, view, "readiness_request")
    request = page.dialog
    qtbot.keyClicks(request.reason, "soon")
    qtbot.keyClicks(request.expires_on, (today + timedelta(days=30)).isoformat())
    qtbot.mouseClick(request.ok_button, Qt.MouseButton.LeftButton)
    assert request.isVisible()
    assert "at least 10 characters" in request.errors["reason"].text()
    assert office.services.readiness.readiness(OLGA, panel.file.investor.investor_id).readiness.override is None
    qtbot.keyClicks(request.reason, ": passport seen in person, certified copy on its way")
    qtbot.mouseClick(request.ok_button, Qt.MouseButton.LeftButton)
    assert not request.isVisible()
    assert "awaits a second officer" in page.summary.text()
    assert not page.buttons["confirm"].isEnabled()  # four eyes: the requester does not confirm
    assert "second officer" in page.buttons["confirm"].toolTip()
    assert not page.buttons["request"].isEnabled()
    assert list_cell(view) == "Not ready"

    checker = tab(qtbot, office, OMAR)
    assert checker.queue is not None
    waiting = [i.what for i in checker.queue.queue.of(Section.CASES) if i.mine]
    assert waiting == [f"Readiness override until {today + timedelta(days=30)} asked by olga"]
    open_file(checker, "INV-1")
    their_page = checker.files.panel.readiness  # type: ignore[union-attr]
    click(qtbot, checker, "readiness_confirm")
    assert "Ready to invest by override" in their_page.summary.text()
    assert "confirmed by omar" in their_page.summary.text()
    assert list_cell(checker) == "Ready (override)"
    assert "ready by override" in list_cell(checker, Qt.ItemDataRole.ToolTipRole)
    assert office.services.readiness.readiness(OMAR, checker.files.panel.file.investor.investor_id).ready  # type: ignore[union-attr]

    click(qtbot, checker, "readiness_revoke")
    revoke = their_page.dialog
    qtbot.mouseClick(revoke.ok_button, Qt.MouseButton.LeftButton)
    assert revoke.isVisible()
    assert revoke.errors["reason"].text()
    qtbot.keyClicks(revoke.reason, "Certified copy never arrived")
    qtbot.mouseClick(revoke.ok_button, Qt.MouseButton.LeftButton)
    assert not revoke.isVisible()
    assert list_cell(checker) == "Not ready"
    assert not their_page.buttons["revoke"].isEnabled()


def test_the_readiness_page_lists_the_dealing_the_gate_refused(
    qtbot: QtBot, office: AppContext, admin: Actor  # noqa: F811 - the fixture imported above
) -> None:
    """What the dealing service reports after a refused subscription (tests/compliance/test_gate_refusals.py
    drives the real refusals) is shown in the investor's file, newest first."""
    from decimal import Decimal

    from fidus_desktop.services.permissions import Permission
    from fidus_desktop.services.portfolio.dealing import GateRefusal

    anna = office.services.portfolio.investors.by_number("INV-1")
    assert anna is not None
    office.services.readiness.record_refusals(admin, "import", Permission.DEALING_ENTER, [
        GateRefusal(anna.investor_id, "subscription", Decimal("2500"), None, "EUR", "IMP-7",
                    "KYC case open; subscription agreement not signed")])
    view = tab(qtbot, office, OLGA)
    open_file(view, "INV-1")
    assert view.files is not None
    text = view.files.panel.readiness.refused.text()
    assert "Dealing refused while not ready" in text
    assert "admin: subscription 2,500.00 EUR (IMP-7) refused at import: KYC case open" in text
