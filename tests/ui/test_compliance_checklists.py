"""The KYC checklists page driven by clicks: the shipped list shown as version 0, edited in the dialog (an item
added with its fields, one removed, one moved up), an invalid entry refused under the list with the domain's
message and nothing saved, a valid save listed as version 1 (cases opened afterwards copy it, open cases keep
theirs), and the editor disabled with its reason for back office."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTableWidget
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.ui.compliance.checklists_view import CODE, EXPIRES, LABEL, MAX_AGE, REQUIRED, ChecklistsView
from fidus_desktop.ui.compliance.tab import ComplianceTab
from tests.ui.test_compliance_tab import LENA, OLGA, OMAR, click, office, tab  # noqa: F401 - the fixture

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def page_of(view: ComplianceTab) -> ChecklistsView:
    page = view.checklists
    assert page is not None
    view.pages.setCurrentWidget(page)
    return page


def type_cell(qtbot: QtBot, table: QTableWidget, row: int, column: int, text: str) -> None:
    """Open the cell's editor (as a double-click or F2 does) and type, as an officer does."""
    table.setCurrentCell(row, column)
    table.editItem(table.item(row, column))
    editors = [w for w in table.viewport().findChildren(QLineEdit) if w.isVisible()]
    assert editors, "no cell editor open"
    editors[-1].selectAll()
    qtbot.keyClicks(editors[-1], text)
    qtbot.keyClick(editors[-1], Qt.Key.Key_Return)  # commits (queued) and must not press the dialog's Save
    qtbot.waitUntil(lambda: table.state() != QAbstractItemView.State.EditingState)
    assert table.item(row, column).text() == text


def test_a_checklist_edited_refused_when_invalid_and_saved_as_the_next_version(
    qtbot: QtBot, office: AppContext  # noqa: F811 - the fixture imported above
) -> None:
    investor = office.services.portfolio.investors.by_number("INV-1")
    assert investor is not None
    view = tab(qtbot, office, OLGA)
    page = page_of(view)
    assert page.kind.currentData() == "individual"
    assert [v.version for v in page.versions.records] == [0]
    assert "checklist version 0</b>, shipped with FIDUS" in page.summary.text()
    assert [r.code for r in page.items.records][:2] == ["identity", "address"]
    assert page.items.data(page.items.index(1, 4)) == "92"  # proof of address: at most 3 months old

    click(qtbot, view, "checklist_edit")
    dialog = page.dialog
    assert dialog is not None
    table = dialog.editor.table
    assert table.rowCount() == 6
    # add a tax residence self-certification: required, no expiry, at most a year old
    qtbot.mouseClick(dialog.editor.buttons["item_add"], Qt.MouseButton.LeftButton)
    assert table.rowCount() == 7
    type_cell(qtbot, table, 6, CODE, "Tax-Residence")  # not a valid code: refused below
    assert dialog.errors["checklist"].isHidden()  # Enter ended the cell's edit without saving
    type_cell(qtbot, table, 6, LABEL, "Tax residence self-certification")
    type_cell(qtbot, table, 6, MAX_AGE, "365")
    assert table.item(6, REQUIRED).checkState() == Qt.CheckState.Checked
    # the bank statement is no longer asked for; source of wealth becomes optional; suitability moves up
    codes = [table.item(r, CODE).text() for r in range(table.rowCount())]
    table.selectRow(codes.index("bank_statement"))
    qtbot.mouseClick(dialog.editor.buttons["item_remove"], Qt.MouseButton.LeftButton)
    codes = [table.item(r, CODE).text() for r in range(table.rowCount())]
    table.item(codes.index("source_of_wealth"), REQUIRED).setCheckState(Qt.CheckState.Unchecked)
    table.selectRow(codes.index("suitability"))
    qtbot.mouseClick(dialog.editor.buttons["item_up"], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.reason, "MLRO decision: tax residence evidence for CRS")

    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "Item 6 (Tax-Residence): the code must be lower-case letters" in dialog.errors["checklist"].text()
    assert office.services.kyc_checklists.versions(OLGA, "individual") == []  # nothing saved

    type_cell(qtbot, table, 5, MAX_AGE, "a year")  # read by the dialog before the service is asked
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "whole number of days" in dialog.errors["checklist"].text()

    type_cell(qtbot, table, 5, CODE, "tax_residence")
    type_cell(qtbot, table, 5, MAX_AGE, "365")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert [v.version for v in page.versions.records] == [1, 0]
    assert "checklist version 1</b>, saved" in page.summary.text()
    assert "added tax_residence" in page.notice.text()
    shown = [r.code for r in page.items.records]
    assert shown == ["identity", "address", "source_of_funds", "suitability", "source_of_wealth", "tax_residence"]
    tax = page.items.records[-1]
    assert (tax.label, tax.required, tax.expires, tax.max_age_days) == (
        "Tax residence self-certification", True, False, 365)
    assert not page.items.records[shown.index("source_of_wealth")].required
    saved = office.services.kyc_checklists.current(OLGA, "individual")
    assert saved.version == 1
    assert saved.reason == "MLRO decision: tax residence evidence for CRS"
    page.versions_view.selectRow(1)  # the old version stays readable as it was
    assert "bank_statement" in [r.code for r in page.items.records]

    # INV-1's case was open before the save and keeps its items
    case = office.services.kyc.case_of(OLGA, investor.investor_id)
    assert case is not None
    assert "bank_statement" in [e.code for e in case.items]


def test_a_save_by_another_officer_meanwhile_is_reported_not_undone(
    qtbot: QtBot, office: AppContext  # noqa: F811 - the fixture imported above
) -> None:
    view = tab(qtbot, office, OLGA)
    page = page_of(view)
    click(qtbot, view, "checklist_edit")
    dialog = page.dialog
    assert dialog is not None
    data = [{"code": "identity", "label": "Passport", "expires": True}]
    office.services.kyc_checklists.save(OMAR, "individual", data, "Omar's edit meanwhile")
    dialog.editor.table.selectRow(5)
    qtbot.mouseClick(dialog.editor.buttons["item_remove"], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.reason, "suitability no longer asked")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "omar saved individual version 1 after you started from version 0" in dialog.errors["checklist"].text()
    assert [v.version for v in office.services.kyc_checklists.versions(OLGA, "individual")] == [1]


def test_the_corporate_checklist_is_chosen_by_kind(qtbot: QtBot, office: AppContext) -> None:  # noqa: F811
    view = tab(qtbot, office, OLGA)
    page = page_of(view)
    page.kind.setCurrentIndex(page.kind.findData("corporate"))
    assert "Companies: checklist version 0" in page.summary.text()
    assert "ubo" in [r.code for r in page.items.records]
    click(qtbot, view, "checklist_edit")
    assert page.dialog is not None
    assert page.dialog.editor.table.rowCount() == 6
    assert page.dialog.editor.table.item(4, EXPIRES).checkState() == Qt.CheckState.Unchecked


def test_back_office_reads_the_checklists_but_cannot_edit(qtbot: QtBot, office: AppContext) -> None:  # noqa: F811
    view = tab(qtbot, office, LENA)
    page = page_of(view)
    assert [v.version for v in page.versions.records] == [0]
    assert not page.edit_button.isEnabled()
    assert "kyc.checklist" in page.edit_button.toolTip()
