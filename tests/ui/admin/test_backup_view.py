"""Admin → Backups and the scheduler: the passphrase prompt, back up now, restore into a new database file
through patched file dialogs, and the daily rule with retention."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from fidus_desktop.services.audit_query import AuditFilter
from fidus_desktop.services.backup import backup_files
from fidus_desktop.store.sqlite import SqliteStore
from fidus_desktop.ui.admin.backup_view import AUTOMATIC_OFF_TEXT, BackupsView
from fidus_desktop.ui.session import UiSession
from tests.support.cost import CHEAP_KDF
from tests.support.forms import click, field_error, submit_form
from tests.support.ui_session import admin_session

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
BACKUP_PASSPHRASE = "blue ledger on the shelf"


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UiSession]:
    for ui_session in admin_session(tmp_path):
        ui_session.services.backup.kdf = CHEAP_KDF
        yield ui_session


@pytest.fixture
def view(qtbot: QtBot, session: UiSession) -> BackupsView:
    widget = BackupsView(session)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_without_a_passphrase_it_says_so_and_offers_to_set_it(
    qtbot: QtBot, view: BackupsView, session: UiSession
) -> None:
    assert view.passphrase_label.text() == AUTOMATIC_OFF_TEXT
    assert not view.buttons["backup_now"].isEnabled()
    assert view.buttons["backup_now"].toolTip().startswith("Set the backup passphrase first")
    assert view.last_label.text() == "Last backup: never"
    assert str(session.context.paths.default_backup_dir) in view.folder_label.text()
    click(qtbot, view.buttons["set_passphrase"])
    submit_form(qtbot, view.dialog, passphrase="short", repeat="short")
    assert "at least 12" in field_error(view.dialog, "passphrase")
    submit_form(qtbot, view.dialog, passphrase=BACKUP_PASSPHRASE, repeat=BACKUP_PASSPHRASE)
    assert not view.dialog.isVisible()
    assert view.passphrase_label.text() == "Automatic backups are on."
    assert view.scheduler.passphrase() == BACKUP_PASSPHRASE


def test_back_up_now_then_restore_into_a_new_database(
    qtbot: QtBot, view: BackupsView, session: UiSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    view.scheduler.set_passphrase(BACKUP_PASSPHRASE)
    view.refresh()
    click(qtbot, view.buttons["backup_now"])
    [archive] = backup_files(session.context.paths.default_backup_dir)
    assert view.message.text() == f"Backed up to {archive}."
    assert view.last_label.text() != "Last backup: never"

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(archive), ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "ui.db"), ""))
    click(qtbot, view.buttons["restore"])
    assert "never overwrites" in view.message.text()  # the open database is refused

    target = tmp_path / "restored.db"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    click(qtbot, view.buttons["restore"])
    submit_form(qtbot, view.dialog, passphrase="not the backup passphrase")
    assert "does not open this backup" in field_error(view.dialog, "passphrase")
    submit_form(qtbot, view.dialog, passphrase=BACKUP_PASSPHRASE)
    assert not view.dialog.isVisible()
    assert "close FIDUS Desktop and start it with" in view.message.text()
    assert view.findChild(QMessageBox, "restoredBox") is not None
    restored = SqliteStore(target)
    assert restored.collection("users").count() == 2
    restored.close()
    assert session.services.ctx.audit.last()["action"] == "backup.restore"


def test_the_scheduler_runs_once_a_day_and_keeps_the_newest_copies(
    session: UiSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "auto"
    session.context.settings.set("backup.folder", str(folder))
    session.context.settings.set("backup.keep", 2)
    scheduler = session.backups
    messages: list[str] = []
    scheduler.finished.connect(messages.append)
    scheduler.check()
    assert messages == []  # no passphrase: nothing runs
    scheduler.set_passphrase(BACKUP_PASSPHRASE)
    folder.mkdir()
    old = [folder / f"fidus-2020010{day}-000000.fidusbak" for day in (1, 2, 3)]
    for path in old:
        path.write_bytes(b"an older backup")
    now = datetime.now(UTC)
    assert scheduler.due(now)
    scheduler.check()
    assert len(messages) == 1
    [kept_old, newest] = backup_files(folder)
    assert kept_old == old[-1]
    assert messages == [f"Backed up to {newest}."]
    assert not scheduler.due(now)
    assert scheduler.due(now + timedelta(days=1, minutes=1))


def test_backups_are_listed_and_the_selected_one_verifies(qtbot: QtBot, view: BackupsView, session: UiSession) -> None:
    assert not view.buttons["verify"].isEnabled()
    assert view.buttons["verify"].toolTip() == "Select a backup in the list first."
    view.scheduler.set_passphrase(BACKUP_PASSPHRASE)
    view.refresh()
    click(qtbot, view.buttons["backup_now"])
    [archive] = backup_files(session.context.paths.default_backup_dir)
    assert view.files.rowCount() == 1
    assert view.files.index(0, 0).data() == archive.name
    assert view.files.index(0, 2).data().endswith(" MB")
    view.table.selectRow(0)
    click(qtbot, view.buttons["verify"])
    assert view.message.text() == f"✔ {archive.name} opens and every checksum matches."
    archive.write_bytes(archive.read_bytes()[:-200])  # damaged since
    click(qtbot, view.buttons["verify"])
    assert view.message.text().startswith(f"✘ {archive.name}: ")


def test_a_second_administrator_approves_a_restore_request(
    qtbot: QtBot, session: UiSession, tmp_path: Path
) -> None:
    from fidus_desktop.services.restore_approval import RequestStatus
    from tests.support.users import USER_PASSWORD

    services = session.services
    dora = services.users.create_user(session.actor, "dora.admin", USER_PASSWORD, "admin", "Dora Admin").actor()
    archive = tmp_path / "old.fidusbak"
    report = services.backup.create(session.actor, archive, BACKUP_PASSPHRASE)
    theirs = services.restore_approvals.request(dora, archive, report, "the NAV import of today was wrong")
    mine = services.restore_approvals.request(session.actor, archive, report, "a second one, by alice herself")
    view = BackupsView(session)
    qtbot.addWidget(view)
    view.show()
    panel = view.requests
    rows = {panel.model.record(r).request_id: r for r in range(panel.model.rowCount())}
    assert set(rows) == {theirs.request_id, mine.request_id}
    panel.table.selectRow(rows[mine.request_id])
    assert not panel.buttons["approve"].isEnabled()
    assert "second person" in panel.buttons["approve"].toolTip()
    panel.table.selectRow(rows[theirs.request_id])
    assert panel.buttons["approve"].isEnabled()
    qtbot.keyClicks(panel.note, "called Dora back to confirm")
    click(qtbot, panel.buttons["approve"])
    assert "Approved: dora.admin's restore of old.fidusbak" in panel.message.text()
    [decided] = [r for r in services.restore_approvals.open_requests(session.actor) if r.request_id ==
                 theirs.request_id]
    assert (decided.status, decided.decided_by, decided.decision_note) == (
        RequestStatus.APPROVED, "alice.admin", "called Dora back to confirm")
    panel.table.selectRow(next(r for r in range(panel.model.rowCount())
                               if panel.model.record(r).request_id == theirs.request_id))
    assert "already approved" in panel.buttons["reject"].toolTip()


def test_a_compliance_officer_decides_restore_requests_from_the_file_menu(
    qtbot: QtBot, session: UiSession, tmp_path: Path
) -> None:
    from PySide6.QtGui import QAction

    from fidus_desktop.ui.admin.restore_requests import RestoreRequestsDialog
    from fidus_desktop.ui.background import InlineRunner
    from fidus_desktop.ui.main_window import MainWindow
    from tests.support.users import USER_PASSWORD

    services = session.services
    archive = tmp_path / "old.fidusbak"
    report = services.backup.create(session.actor, archive, BACKUP_PASSPHRASE)
    services.restore_approvals.request(session.actor, archive, report, "the FX import used the wrong day")
    carol = services.users.create_user(session.actor, "carol", USER_PASSWORD, "compliance_officer").actor()
    window = MainWindow(UiSession(session.context, carol, InlineRunner()), restore_state=False)
    qtbot.addWidget(window)
    assert "admin" not in window.tab_names
    window.findChild(QAction, "restoreRequestsAction").trigger()
    dialog = window.restore_requests
    assert isinstance(dialog, RestoreRequestsDialog)
    panel = dialog.panel
    panel.table.selectRow(0)
    click(qtbot, panel.buttons["approve"])
    assert "Approved: alice.admin's restore of old.fidusbak" in panel.message.text()
    window.close()
    admin_window = MainWindow(session, restore_state=False)
    qtbot.addWidget(admin_window)
    assert admin_window.findChild(QAction, "restoreRequestsAction") is None  # administrators: Admin → Backups
    admin_window.close()


def test_folder_and_schedule_are_edited_checked_and_audited(qtbot: QtBot, view: BackupsView, session: UiSession,
                                                            tmp_path: Path) -> None:
    click(qtbot, view.buttons["configure"])
    dialog = view.dialog
    submit_form(qtbot, dialog, folderEdit="relative/folder")
    assert "not a full path" in field_error(dialog, "folder")
    target = tmp_path / "office-backups"
    dialog.every.setValue(6)
    dialog.keep.setValue(30)
    submit_form(qtbot, dialog, folderEdit=str(target))
    assert not dialog.isVisible(), [label.text() for label in dialog.errors.values()] + [dialog.general_error.text()]
    assert view.scheduler.folder() == target
    assert view.scheduler.every() == timedelta(hours=6)
    assert view.scheduler.keep() == 30
    assert f"Folder: {target} · every 6 hours, keeping 30 copies" == view.folder_label.text()
    reloaded = type(session.context.settings).load(session.context.settings.path)
    assert reloaded.get("backup.every_hours") == 6  # saved to this workstation's settings file
    [entry] = [e for e in session.services.audit_query.page(session.actor, AuditFilter(), limit=5)
               if e.action == "backup.configure"]
    assert entry.after["keep"] == 30
    last = datetime.now(UTC) - timedelta(hours=7)
    assert view.scheduler.due(last + timedelta(hours=7))  # six hours passed: due again
