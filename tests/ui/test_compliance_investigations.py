"""The Investigations page driven by clicks: a case opened, started, noted, a file attached and previewed, a
bad link refused under its field, the closure proposed by one officer and confirmed by another (four eyes in
the buttons), reopened; the SAR draft saved as PDF and CSV readable by the owner only; and no page at all for
back office (no tipping off)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.domain.compliance.investigations import InvestigationStatus
from fidus_desktop.ui.compliance.tab import ComplianceTab
from tests.compliance.conftest import sdn_excerpt
from tests.ui.test_compliance_tab import LENA, OLGA, OMAR, click, office, tab, two_page_pdf  # noqa: F401

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def investigations(view: ComplianceTab):  # type: ignore[no-untyped-def]
    assert view.investigations is not None
    view.pages.setCurrentWidget(view.investigations)
    return view.investigations


def test_an_investigation_from_opening_to_a_confirmed_closure_and_its_sar_draft(
    qtbot: QtBot, office: AppContext, tmp_path: Path  # noqa: F811 - the fixture imported above
) -> None:
    view = tab(qtbot, office, OLGA)
    page = investigations(view)
    assert page.model.rowCount() == 0
    click(qtbot, view, "investigation_new")
    dialog = page.dialog
    qtbot.keyClicks(dialog.title, "Structured subscriptions")
    qtbot.keyClicks(dialog.summary, "Three subscriptions just under the reporting threshold in one week.")
    qtbot.keyClicks(dialog.investors, "INV-9")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "INV-9" in dialog.errors["investor"].text()
    dialog.investors.clear()
    qtbot.keyClicks(dialog.investors, "INV-1")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    panel = page.panel
    assert page.selected_ref() == "INQ-000001"
    assert "<b>INQ-000001</b> · Structured subscriptions" in panel.header.text()
    assert [i.number for i in panel.investors.records] == ["INV-1"]

    click(qtbot, view, "investigation_start")
    assert panel.case.status is InvestigationStatus.INVESTIGATING
    click(qtbot, view, "investigation_note")
    qtbot.keyClicks(panel.dialog.text, "Called the investor; source of funds letter requested.")
    qtbot.mouseClick(panel.dialog.ok_button, Qt.MouseButton.LeftButton)
    assert [n.text for n in panel.notes.records] == ["Called the investor; source of funds letter requested."]

    letter = tmp_path / "letter.pdf"
    letter.write_bytes(two_page_pdf())
    panel.choose_attachment = lambda: letter  # type: ignore[method-assign]
    click(qtbot, view, "investigation_attach")
    assert [d.name for d in panel.attachments.records] == ["letter.pdf"]
    panel.tabs.setCurrentIndex(1)
    panel.attachments_view.selectRow(0)
    assert panel.preview.page_label.text() == "Page 1 of 2"

    click(qtbot, view, "investigation_link")
    qtbot.keyClicks(panel.dialog.transactions, "GLB-999999")
    qtbot.mouseClick(panel.dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "GLB-999999" in panel.dialog.errors["transaction"].text()
    panel.dialog.reject()

    click(qtbot, view, "investigation_propose")
    propose = panel.dialog
    propose.outcome.setCurrentIndex(propose.outcome.findData("sar_filed"))
    qtbot.keyClicks(propose.reason, "Pattern consistent with structuring; reported.")
    qtbot.mouseClick(propose.ok_button, Qt.MouseButton.LeftButton)
    assert "awaits a second officer" in panel.header.text()
    assert not panel.buttons["confirm"].isEnabled()  # four eyes: the proposer does not confirm
    assert "second officer" in panel.buttons["confirm"].toolTip()
    assert not panel.buttons["note"].isEnabled()

    for name in ("sar.pdf", "sar.csv"):
        out = tmp_path / name
        panel.choose_sar_path = lambda out=out: out  # type: ignore[method-assign]
        click(qtbot, view, "investigation_sar")
        assert panel.saved is not None
        assert str(out) in panel.saved.text()
        if os.name == "posix":
            assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert (tmp_path / "sar.pdf").read_bytes().startswith(b"%PDF")
    csv_text = (tmp_path / "sar.csv").read_text(encoding="utf-8-sig")
    assert "Anna Berg" in csv_text
    assert "source of funds letter requested" in csv_text

    checker = tab(qtbot, office, OMAR)
    their_page = investigations(checker)
    their_page.view.selectRow(0)
    click(qtbot, checker, "investigation_confirm")
    assert their_page.panel.case.status is InvestigationStatus.CLOSED
    assert their_page.selected_ref() == "INQ-000001"  # still shown though the list shows open cases by default
    assert "Outcome <b>sar filed</b>" in their_page.panel.header.text()
    click(qtbot, checker, "investigation_reopen")
    qtbot.keyClicks(their_page.panel.dialog.text, "A fourth subscription arrived.")
    qtbot.mouseClick(their_page.panel.dialog.ok_button, Qt.MouseButton.LeftButton)
    assert their_page.panel.case.status is InvestigationStatus.INVESTIGATING
    assert [h["step"] for h in their_page.panel.history.records][-1] == "reopened (reason in the notes)"
    assert their_page.panel.notes.records[-1].text == "Reopened: A fourth subscription arrived."


def test_back_office_has_no_investigations_page(qtbot: QtBot, office: AppContext) -> None:  # noqa: F811
    view = tab(qtbot, office, LENA)
    assert view.investigations is None
    assert "Investigations" not in [view.pages.tabText(i).replace("&", "") for i in range(view.pages.count())]


def test_an_investigation_opened_from_a_screening_alert_links_its_investor(
    qtbot: QtBot, office: AppContext, admin  # noqa: F811 - the fixture imported above
) -> None:
    office.services.screening_lists.import_file(admin, "ofac", sdn_excerpt("3754"), "sdn.csv")
    office.services.portfolio.investors.create_investor(admin, "INV-2", "Musa Mohamed Abu Marzuk", "individual")
    view = tab(qtbot, office, OLGA)
    view.pages.setCurrentWidget(view.screening)
    view.screening.table.selectRow(0)
    alert = view.screening._alert()
    assert alert is not None
    click(qtbot, view, "screening_investigate")
    page = view.investigations
    assert view.pages.currentWidget() is page
    dialog = page.dialog
    assert dialog.alert_id == alert.alert_id
    qtbot.keyClicks(dialog.title, "Possible sanctions match")
    qtbot.keyClicks(dialog.summary, "Name and date of birth close to an SDN entry.")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    case = page.panel.case
    assert case.alert_ids == (alert.alert_id,)
    assert [i.number for i in page.panel.investors.records] == ["INV-2"]
