"""Admin → Audit: lazy paging through the model, filters, CSV export through a patched file dialog, and the
"Verify chain" verdict before and after someone edits a stored entry."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QFileDialog, QPushButton
from pytestqt.qtbot import QtBot

from fidus_desktop.security.audit_chain import append_entry
from fidus_desktop.security.audit_seal import SEAL_FIELD, SEAL_KEY_FIELD, derive_seal_key
from fidus_desktop.ui.admin.audit_view import PAGE, AuditModel, AuditView
from fidus_desktop.ui.admin.tab import AdminTab
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.session import UiSession
from tests.support.audit import tamper
from tests.support.cost import CHEAP_KDF
from tests.support.keys_office import PASSPHRASE
from tests.support.ui_session import admin_session

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
EXTRA = PAGE + 50


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UiSession]:
    """alice.admin and bob.pm (two entries), then EXTRA entries by bob, so there are three pages."""
    for ui_session in admin_session(tmp_path):
        audit = ui_session.services.ctx.audit
        bob = ui_session.services.users.by_username(ui_session.actor, "bob.pm").actor()
        for n in range(EXTRA):
            audit.append(bob, "fund.note", "funds", f"f{n}")
        yield ui_session


@pytest.fixture
def view(qtbot: QtBot, session: UiSession) -> AuditView:
    widget = AuditView(session)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def click(qtbot: QtBot, button: QPushButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_model_passes_the_model_tester(qtmodeltester, view: AuditView) -> None:
    qtmodeltester.check(view.model)
    qtmodeltester.check(AuditModel(InlineRunner()))


def test_pages_arrive_as_the_table_asks_for_more(view: AuditView) -> None:
    model = view.model
    assert model.rowCount() == PAGE
    assert model.entry_at(0).seq == EXTRA + 2  # newest first
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == EXTRA + 2
    assert model.entry_at(model.rowCount() - 1).seq == 1
    assert not model.canFetchMore(QModelIndex())


def test_filters_narrow_the_table_and_bad_dates_are_explained(qtbot: QtBot, view: AuditView) -> None:
    qtbot.keyClicks(view.filters["actor"], "alice.admin")
    click(qtbot, view.buttons["apply"])
    assert view.model.rowCount() == 1
    assert view.model.index(0, 5).data() == "user.create"
    qtbot.keyClicks(view.filters["since"], "yesterday")
    click(qtbot, view.buttons["apply"])
    assert view.filter_error.text().startswith("From: ")
    assert "yesterday" in view.filter_error.text()
    view.filters["since"].clear()
    qtbot.keyClicks(view.filters["until"], "01/01/2000")  # the user's locale (en_GB in tests) or ISO
    click(qtbot, view.buttons["apply"])
    assert view.filter_error.text() == ""
    assert view.model.rowCount() == 0
    view.filters["until"].clear()
    qtbot.keyClicks(view.filters["since"], "2000-01-01")
    click(qtbot, view.buttons["apply"])
    assert view.model.rowCount() == 1


def test_export_csv_through_the_file_dialog(
    qtbot: QtBot, view: AuditView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "audit.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "CSV files (*.csv)"))
    qtbot.keyClicks(view.filters["action"], "user.")
    click(qtbot, view.buttons["export"])
    assert view.verdict.text() == f"Exported 2 entries to {out}."
    assert [row["action"] for row in csv.DictReader(out.open(encoding="utf-8"))] == ["user.create", "user.create"]


def test_verify_chain_shows_the_verdict_and_names_a_tampered_entry(
    qtbot: QtBot, view: AuditView, session: UiSession
) -> None:
    click(qtbot, view.buttons["verify"])
    assert "intact" in view.verdict.text()
    assert "Audit seals: not configured" in view.verdict.text()  # the same verdict as `fidus audit verify`
    tamper(session.context.store, 7, entity_id="someone-else")
    click(qtbot, view.buttons["verify"])
    assert "broken at entry 7" in view.verdict.text()
    assert "altered" in view.verdict.text()


def test_admin_tab_lists_the_new_sections(qtbot: QtBot, session: UiSession) -> None:
    tab = AdminTab(session)
    qtbot.addWidget(tab)
    assert [tab.tabText(i) for i in range(tab.count())][:4] == ["Users", "Audit", "Backups", "Keys"]


def test_the_table_exports_what_it_shows_to_excel(
    qtbot: QtBot, view: AuditView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(view.table_export, "choose_path", lambda kind: tmp_path / "audit.xlsx")
    qtbot.keyClicks(view.filters["action"], "user.")
    click(qtbot, view.buttons["apply"])
    next(a for a in view.table_export.button.menu().actions() if "Excel" in a.text()).trigger()
    rows = list(load_workbook(tmp_path / "audit.xlsx").active.values)
    assert rows[0][:3] == ("Seq", "When", "Actor")
    assert [row[5] for row in rows[1:]] == ["user.create", "user.create"]


def test_enter_opens_an_entry_with_its_fields_before_and_after(qtbot: QtBot, view: AuditView) -> None:
    qtbot.keyClicks(view.filters["action"], "user.create")
    click(qtbot, view.buttons["apply"])
    row = next(r for r in range(view.model.rowCount()) if view.model.entry_at(r).entity_id
               and (view.model.entry_at(r).after or {}).get("username") == "bob.pm")
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(row, 0))
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert view.dialog is not None
    assert view.dialog.isVisible()
    table = view.dialog.table
    cells = {table.item(r, 0).text(): (table.item(r, 1).text(), table.item(r, 2).text())
             for r in range(table.rowCount())}
    assert cells["username"] == ("—", "bob.pm")
    assert not any("$argon2" in after for _, after in cells.values())  # no password hash is shown
    view.dialog.close()


def test_a_seal_under_an_already_retired_key_is_shown_as_a_warning(
    qtbot: QtBot, view: AuditView, session: UiSession
) -> None:
    keys = session.services.keys
    keys.kdf = CHEAP_KDF
    keys.init(session.actor, PASSPHRASE)
    [old] = keys.loaded_keys()
    keys.rotate(session.actor, PASSPHRASE, [])
    last = session.services.ctx.audit.last()
    fields = {k: v for k, v in last.items() if k not in ("_id", "version", "seq", "prev_hash", "hash", SEAL_FIELD,
                                                          SEAL_KEY_FIELD)}
    # written straight into the database by someone holding the retired key
    session.context.store.collection("audit").insert(append_entry(last, fields, derive_seal_key(old)))
    click(qtbot, view.buttons["verify"])
    assert "✔ Audit chain intact" in view.verdict.text()
    assert f"Entry {last['seq'] + 1} has a seal under key {old.key_id} although that key was retired" in (
        view.verdict.text())
    assert "#8a5a00" in view.verdict.styleSheet()  # amber, not green
