"""The risk model page driven by clicks: the shipped model shown with its dated country lists, a version
exported as JSON (owner-only), edited and imported with a reason as the next version (the list shows it, the
changes are said), an invalid file refused under its field with nothing saved, and no import for back office."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from tests.ui.test_compliance_tab import LENA, OLGA, click, office, tab  # noqa: F401 - the fixture

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_the_model_shown_exported_edited_and_imported_as_the_next_version(
    qtbot: QtBot, office: AppContext, tmp_path: Path  # noqa: F811 - the fixture imported above
) -> None:
    view = tab(qtbot, office, OLGA)
    page = view.risk_model
    assert page is not None
    view.pages.setCurrentWidget(page)
    assert [v.version for v in page.versions.records] == ["shipped"]
    assert "<b>Risk model version shipped</b>, shipped with FIDUS" in page.summary.text()
    names = [c.name for c in page.countries.records]
    assert "FATF call for action" in names
    call = page.countries.records[names.index("FATF call for action")]
    assert page.countries.data(page.countries.index(names.index("FATF call for action"), 3)) == ", ".join(
        sorted(call.codes))

    exported = tmp_path / "model.json"
    page.choose_export_path = lambda _version: exported  # type: ignore[method-assign]
    click(qtbot, view, "model_export")
    if os.name == "posix":
        assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    data = json.loads(exported.read_text(encoding="utf-8"))
    data["pep_points"] = 35

    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    click(qtbot, view, "model_import")
    dialog = page.dialog
    qtbot.keyClicks(dialog.path, str(broken))
    qtbot.keyClicks(dialog.reason, "PEP weight raised by the board")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "not a JSON risk model" in dialog.errors["model"].text()
    assert office.services.risk_models.versions(OLGA) == []

    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data), encoding="utf-8")
    dialog.path.clear()
    qtbot.keyClicks(dialog.path, str(edited))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert page.told is not None
    assert "Risk model version 1 saved" in page.told.text()
    assert [v.version for v in page.versions.records] == ["1", "shipped"]
    assert "<b>Risk model version 1</b>, saved" in page.summary.text()
    assert "PEP +35" in page.summary.text()
    page.versions_view.selectRow(1)
    assert "PEP +35" not in page.summary.text()  # an old version stays readable as it was


def test_back_office_reads_the_model_but_cannot_import(qtbot: QtBot, office: AppContext) -> None:  # noqa: F811
    view = tab(qtbot, office, LENA)
    assert view.risk_model is not None
    view.pages.setCurrentWidget(view.risk_model)
    assert view.risk_model.versions.rowCount() == 1
    assert not view.risk_model.import_button.isEnabled()
    assert "kyc.model" in view.risk_model.import_button.toolTip()
    assert not view.risk_model.countries_button.isEnabled()
    assert "kyc.model" in view.risk_model.countries_button.toolTip()


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")  # the completer's popup, offscreen
def test_one_country_list_edited_in_the_form_and_saved_as_the_next_version(
    qtbot: QtBot, office: AppContext  # noqa: F811 - the fixture imported above
) -> None:
    view = tab(qtbot, office, OLGA)
    page = view.risk_model
    assert page is not None
    view.pages.setCurrentWidget(page)
    names = [c.name for c in page.countries.records]
    page.countries_view.selectRow(names.index("FATF increased monitoring"))
    assert "fatf-gafi.org" in page.countries.data(page.countries.index(names.index("FATF increased monitoring"), 4))
    click(qtbot, view, "model_countries")
    dialog = page.country_dialog
    assert dialog is not None
    assert dialog.chooser.currentText() == "FATF increased monitoring"
    assert dialog.points.value() == 25
    codes = dialog.codes
    assert "NG" in codes.codes()
    assert codes.countries.item(0).text() == "Algeria (DZ)"  # by name, with the code

    # add France by typing part of its name and picking the completion; Monaco by its code
    qtbot.keyClicks(codes.entry, "franc")
    completer = codes.entry.completer()
    assert "France (FR)" in [completer.completionModel().index(i, 0).data()
                             for i in range(completer.completionModel().rowCount())]
    codes.entry.setText("France (FR)")
    qtbot.keyClick(codes.entry, Qt.Key.Key_Return)  # adds it; Enter does not save the form
    assert dialog.isVisible()
    assert "FR" in codes.codes()
    qtbot.keyClicks(codes.entry, "Atlantis")
    qtbot.mouseClick(codes.add_button, Qt.MouseButton.LeftButton)
    assert "'Atlantis' is not a country" in codes.problem.text()
    codes.entry.clear()
    # remove Nigeria
    codes.countries.setCurrentRow(codes.codes().index("NG"))
    qtbot.mouseClick(codes.remove_button, Qt.MouseButton.LeftButton)
    assert "NG" not in codes.codes()
    dialog.as_of.clear()
    qtbot.keyClicks(dialog.as_of, "2099-01-01")
    dialog.source.clear()
    qtbot.keyClicks(dialog.source, "FATF public statement, 21 February 2025")
    qtbot.keyClicks(dialog.reason, "FATF plenary February 2025")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "is in the future" in dialog.errors["as_of"].text()
    assert office.services.risk_models.versions(OLGA) == []  # nothing saved

    dialog.as_of.clear()
    qtbot.keyClicks(dialog.as_of, "2025-02-21")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert page.told is not None
    assert "FATF increased monitoring: as of 2025-02-21, added FR, removed NG" in page.told.text()
    assert [v.version for v in page.versions.records] == ["1", "shipped"]
    saved = {c.name: c for c in office.services.risk_models.current(OLGA).model.country_lists}
    grey = saved["FATF increased monitoring"]
    assert ("FR" in grey.codes, "NG" in grey.codes, grey.source) == (
        True, False, "FATF public statement, 21 February 2025")
    assert saved["FATF call for action"].codes == {"IR", "KP", "MM"}  # the other list unchanged
    audit = office.services.ctx.store.collection("audit").find({"action": "kyc.risk_model"})
    assert len(audit) == 1
    assert audit[0]["actor"] == "olga"
