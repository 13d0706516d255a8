"""The main window owns the automatic backups: due runs on a fake clock, retention, the status bar line,
the same scheduler in Admin → Backups, who may run them, and nothing after the window closed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from fidus_desktop.services.backup import backup_files
from fidus_desktop.ui.admin.backup_view import BackupsView
from fidus_desktop.ui.backup_scheduler import OFF_TEXT, PASSPHRASE_SECRET, not_allowed_text
from fidus_desktop.ui.main_window import MainWindow
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.status import DOWN_STYLE
from tests.support.clock import FakeClock
from tests.support.cost import CHEAP_KDF
from tests.support.ui_session import USER_PASSWORD, admin_session

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
BACKUP_PASSPHRASE = "blue ledger on the shelf"
TICK_MS = 20


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def admin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> Iterator[UiSession]:
    for session in admin_session(tmp_path):
        session.services.backup.kdf = CHEAP_KDF
        monkeypatch.setattr(session.services.ctx, "clock", clock)
        session.context.settings.set("backup.folder", str(tmp_path / "auto"))
        session.context.settings.set("backup.keep", 2)
        yield session


def open_window(qtbot: QtBot, session: UiSession) -> MainWindow:
    window = MainWindow(session, restore_state=False)
    qtbot.addWidget(window)
    window.show()
    window.backups.timer.setInterval(TICK_MS)  # "hourly" for the test; the fake clock says how much time passed
    return window


def as_user(admin: UiSession, username: str, password: str) -> UiSession:
    user = admin.services.users.authenticate(username, password)
    return UiSession(admin.context, user.actor(), admin.runner)


def local_minute(moment: datetime) -> str:
    return f"{moment.astimezone():%Y-%m-%d %H:%M}"


def test_the_window_backs_up_when_due_keeps_n_copies_and_shows_the_time(
    qtbot: QtBot, admin: UiSession, clock: FakeClock, tmp_path: Path
) -> None:
    admin.context.secrets.set(PASSPHRASE_SECRET, BACKUP_PASSPHRASE)
    folder = tmp_path / "auto"
    window = open_window(qtbot, admin)
    assert len(backup_files(folder)) == 1  # none yet: due at once
    assert window.status_panel.backup.text() == f"Last backup: {local_minute(clock.now)}"

    clock.advance(hours=23)
    qtbot.wait(TICK_MS * 5)
    assert len(backup_files(folder)) == 1  # checked, not due yet

    for _ in range(3):
        clock.advance(days=1)
        expected = f"Last backup: {local_minute(clock.now)}"
        qtbot.waitUntil(lambda expected=expected: window.status_panel.backup.text() == expected)
    kept = backup_files(folder)
    assert len(kept) == 2  # backup.keep
    assert kept[-1].name == f"fidus-{clock.now:%Y%m%d-%H%M%S}.fidusbak"
    audit = [e for e in admin.services.ctx.audit.iter_chain() if e["action"] == "backup.create"]
    assert [e["actor"] for e in audit] == ["alice.admin"] * 4  # as the signed-in user


def test_admin_backups_shows_the_windows_scheduler(qtbot: QtBot, admin: UiSession) -> None:
    window = open_window(qtbot, admin)
    assert window.findChildren(BackupsView) == []  # the Admin tab is built when first shown
    assert window.select_tab("admin")
    [view] = window.findChildren(BackupsView)
    assert view.scheduler is window.backups is admin.backups


def test_closing_the_window_stops_the_scheduler(
    qtbot: QtBot, admin: UiSession, clock: FakeClock, tmp_path: Path
) -> None:
    admin.context.secrets.set(PASSPHRASE_SECRET, BACKUP_PASSPHRASE)
    window = open_window(qtbot, admin)
    window.close()
    assert not window.backups.timer.isActive()
    clock.advance(days=3)
    qtbot.wait(TICK_MS * 5)
    assert len(backup_files(tmp_path / "auto")) == 1


def test_without_a_passphrase_the_status_bar_says_backups_are_off(qtbot: QtBot, admin: UiSession) -> None:
    window = open_window(qtbot, admin)
    assert window.status_panel.backup.text() == OFF_TEXT
    assert window.status_panel.backup.styleSheet() == DOWN_STYLE


def test_a_failed_backup_is_shown_in_the_status_bar(qtbot: QtBot, admin: UiSession, tmp_path: Path) -> None:
    admin.context.secrets.set(PASSPHRASE_SECRET, BACKUP_PASSPHRASE)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backup folder should be")
    admin.context.settings.set("backup.folder", str(blocker))
    window = open_window(qtbot, admin)
    assert window.status_panel.backup.text().startswith("Backup failed: ")
    assert window.status_panel.backup.styleSheet() == DOWN_STYLE


def test_backups_run_only_for_users_allowed_to_make_them_and_as_that_user(
    qtbot: QtBot, admin: UiSession, tmp_path: Path
) -> None:
    admin.context.secrets.set(PASSPHRASE_SECRET, BACKUP_PASSPHRASE)
    folder = tmp_path / "auto"
    window = open_window(qtbot, as_user(admin, "bob.pm", USER_PASSWORD))  # a portfolio manager
    assert window.status_panel.backup.text() == not_allowed_text()
    assert "Admin or Back office" in not_allowed_text()
    assert not window.backups.timer.isActive()
    assert backup_files(folder) == []
    window.close()

    users = admin.services.users
    users.create_user(admin.actor, "bea.bo", "quiet harbour lantern 12", "back_office")
    window = open_window(qtbot, as_user(admin, "bea.bo", "quiet harbour lantern 12"))
    assert len(backup_files(folder)) == 1
    assert admin.services.ctx.audit.last()["action"] == "backup.create"
    assert admin.services.ctx.audit.last()["actor"] == "bea.bo"
