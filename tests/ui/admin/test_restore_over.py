"""Admin → Backups → restoring a backup over the open database from the window: request, a second person
approves (through the service, as on another workstation), restore; the window closes, the restore runs, the
restored database opens and asks for a sign-in, and the new window shows the restored data with its audit trail
intact. Without a second approver the administrator's password is asked instead, and a wrong one changes
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext, open_context
from fidus_desktop.services.actor import Actor
from fidus_desktop.store.sqlite import SqliteStore
from fidus_desktop.ui.admin.backup_view import BackupsView
from fidus_desktop.ui.admin.restore_over import RequestRestoreDialog, RestoreOverDialog
from fidus_desktop.ui.admin.users_view import UsersView
from fidus_desktop.ui.main_window import MainWindow
from tests.support.cli_policy import no_mfa_required
from tests.support.cost import CHEAP_KDF
from tests.support.forms import click, field_error, submit_form
from tests.support.users import ADMIN_PASSWORD, USER_PASSWORD
from tests.ui.test_sign_out import sign_in
from tests.ui.test_startup import Run, no_file_logging_left_behind  # noqa: F401 - autouse: no log file left

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
BACKUP_PASSPHRASE = "blue ledger on the shelf"


def backed_up(app_context: AppContext, admin: Actor) -> Path:
    """A backup in the backup folder, then a user added after it (which the restore must take away)."""
    services = app_context.services
    services.backup.kdf = CHEAP_KDF
    folder = app_context.paths.default_backup_dir
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / "fidus-20260301-090000.fidusbak"
    services.backup.create(admin, archive, BACKUP_PASSPHRASE)
    services.users.create_user(admin, "late.arrival", USER_PASSWORD, "back_office")
    app_context.close()  # the window opens its own; SQLite replaces a file only when nobody has it open
    no_mfa_required()
    return archive


def backups_view(window: MainWindow) -> BackupsView:
    window.tab_widget("admin")
    [view] = window.findChildren(BackupsView)
    view.table.selectRow(0)
    return view


def usernames(window: MainWindow) -> set[str]:
    window.tab_widget("admin")
    [users] = window.findChildren(UsersView)
    return {users.model.user_at(row).username for row in range(users.model.rowCount())}


def restore_outcome(run: Run) -> str:
    box = run.startup.restore_box
    assert isinstance(box, QMessageBox)
    box.close()
    return box.text()


def test_request_approve_restore_then_the_window_shows_the_restored_data(
    qtbot: QtBot, app_context: AppContext, admin: Actor
) -> None:
    dora = app_context.services.users.create_user(admin, "dora.admin", USER_PASSWORD, "admin").actor()
    archive = backed_up(app_context, admin)
    run = Run(qtbot, app_context.db_uri, restore_state=False)
    window = sign_in(qtbot, run, "admin", ADMIN_PASSWORD)
    qtbot.addWidget(window)
    assert "late.arrival" in usernames(window)
    view = backups_view(window)
    over = view.buttons["restore_over"]
    assert not over.isEnabled()
    assert "needs a second person's approval: use Request restore" in over.toolTip()

    click(qtbot, view.buttons["request_restore"])
    assert isinstance(view.dialog, RequestRestoreDialog)
    submit_form(qtbot, view.dialog, reason="", passphrase=BACKUP_PASSPHRASE)
    assert "Say why" in field_error(view.dialog, "reason")
    submit_form(qtbot, view.dialog, reason="late.arrival was created by mistake", passphrase="wrong passphrase 123")
    assert field_error(view.dialog, "passphrase")
    submit_form(qtbot, view.dialog, reason="late.arrival was created by mistake", passphrase=BACKUP_PASSPHRASE)
    assert not view.dialog.isVisible()
    assert "waits for a second person's approval" in over.toolTip()
    [request] = window.session.services.restore_approvals.open_requests(window.session.actor)
    assert request.backup_name == archive.name

    other = open_context(app_context.db_uri, paths=app_context.paths, log_to_file=False)  # dora, elsewhere
    other.services.restore_approvals.approve(dora, request.request_id, "checked with alice")
    other.close()
    window.session.signals.data_changed.emit("restore_request")  # what the change watcher relays
    assert over.isEnabled(), over.toolTip()

    click(qtbot, over)
    assert isinstance(view.dialog, RestoreOverDialog)
    assert view.dialog.password is None  # the approval is the second pair of eyes
    submit_form(qtbot, view.dialog, passphrase=BACKUP_PASSPHRASE)

    assert not window.isVisible()
    outcome = restore_outcome(run)
    assert f"from {archive.name}" in outcome
    assert "approved by dora.admin" in outcome
    assert "kept as" in outcome  # the replaced database, to undo
    restored = sign_in(qtbot, run, "admin", ADMIN_PASSWORD)
    qtbot.addWidget(restored)
    assert restored is not window
    assert "late.arrival" not in usernames(restored)
    assert "dora.admin" in usernames(restored)
    services, actor = restored.session.services, restored.session.actor
    assert services.audit_query.verify(actor).ok
    [entry] = services.ctx.store.collection("audit").find({"action": "backup.restore"})
    assert entry["after"]["approved_by"] == "dora.admin"
    assert entry["after"]["restore_request"] == request.request_id


def test_without_a_second_approver_the_password_authorises_and_a_wrong_one_changes_nothing(
    qtbot: QtBot, app_context: AppContext, admin: Actor
) -> None:
    backed_up(app_context, admin)
    run = Run(qtbot, app_context.db_uri, restore_state=False)
    window = sign_in(qtbot, run, "admin", ADMIN_PASSWORD)
    qtbot.addWidget(window)
    view = backups_view(window)
    assert not view.buttons["request_restore"].isEnabled()
    assert "Nobody else" in view.buttons["request_restore"].toolTip()
    click(qtbot, view.buttons["restore_over"])
    dialog = view.dialog
    assert isinstance(dialog, RestoreOverDialog)
    submit_form(qtbot, dialog, passphrase=BACKUP_PASSPHRASE, password="not my password at all")
    assert field_error(dialog, "password")
    assert window.isVisible()  # refused: nothing closed, nothing restored
    submit_form(qtbot, dialog, passphrase=BACKUP_PASSPHRASE, password=ADMIN_PASSWORD)
    outcome = restore_outcome(run)
    assert "no second approver in this database" in outcome
    restored = sign_in(qtbot, run, "admin", ADMIN_PASSWORD)
    qtbot.addWidget(restored)
    assert usernames(restored) == {"admin"}
    assert restored.session.services.audit_query.verify(restored.session.actor).ok


def test_a_restore_that_cannot_run_reopens_the_database_as_it_was(
    qtbot: QtBot, app_context: AppContext, admin: Actor
) -> None:
    backed_up(app_context, admin)
    run = Run(qtbot, app_context.db_uri, restore_state=False)
    window = sign_in(qtbot, run, "admin", ADMIN_PASSWORD)
    qtbot.addWidget(window)
    view = backups_view(window)
    click(qtbot, view.buttons["restore_over"])
    other = SqliteStore(app_context.db_uri.removeprefix("sqlite:///"))  # another program has the file open
    try:
        assert other.collection("users").count() == 2
        submit_form(qtbot, view.dialog, passphrase=BACKUP_PASSPHRASE, password=ADMIN_PASSWORD)
    finally:
        other.close()
    outcome = restore_outcome(run)
    assert "did not run" in outcome
    assert "not replaced" in outcome
    again = sign_in(qtbot, run, "admin", ADMIN_PASSWORD)
    qtbot.addWidget(again)
    assert "late.arrival" in usernames(again)  # the database as it was
    assert again.session.services.audit_query.verify(again.session.actor).ok
