"""Signing out (from the idle lock or File → Sign out) ends the session and asks for a sign-in again, in the
same process: another user signs in and gets a window with their own tabs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.services.actor import Actor
from fidus_desktop.ui.login import LoginDialog
from fidus_desktop.ui.main_window import MainWindow
from tests.support.users import ADMIN_PASSWORD
from tests.ui.test_startup import Run, no_file_logging_left_behind  # noqa: F401 - autouse: no log file left

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
MARIA_PASSWORD = "harbour lights at dusk 7"


def sign_in(qtbot: QtBot, run: Run, username: str, password: str, code: str | None = None) -> MainWindow:
    login = run.startup.dialog
    assert isinstance(login, LoginDialog)
    assert login.isVisible()
    qtbot.addWidget(login)
    qtbot.keyClicks(login.username, username)
    qtbot.keyClicks(login.password, password)
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    if code is not None:
        qtbot.keyClicks(login.code, code)
        qtbot.keyClick(login.code, Qt.Key.Key_Return)
    window, exit_code = run.done[-1]
    assert exit_code == 0
    assert isinstance(window, MainWindow)
    assert window.session.actor.username == username
    return window


def last_action(app_context: AppContext) -> tuple[str, str]:
    entry = app_context.services.ctx.audit.last()
    return entry["action"], entry["actor"]


def test_sign_out_from_the_lock_then_another_user_signs_in(
    qtbot: QtBot, app_context: AppContext, admin: Actor
) -> None:
    users = app_context.services.users
    users.create_user(admin, "maria", MARIA_PASSWORD, "portfolio_manager")
    enrolment = users.begin_totp_enrolment(admin)
    users.confirm_totp_enrolment(admin, enrolment.secret, pyotp.TOTP(enrolment.secret).now(), ADMIN_PASSWORD)
    run = Run(qtbot, app_context.db_uri, restore_state=False)

    maria_window = sign_in(qtbot, run, "maria", MARIA_PASSWORD)
    assert "admin" not in maria_window.tab_names
    lock = run.startup.idle_lock
    lock.lock()
    qtbot.mouseClick(lock.dialog.findChild(QPushButton, "signOut"), Qt.MouseButton.LeftButton)

    assert last_action(app_context) == ("user.sign_out", "maria")
    assert not maria_window.isVisible()
    assert not maria_window.backups.timer.isActive()
    assert not lock.is_locked  # the lock went with the session
    next_step = pyotp.TOTP(enrolment.secret).at(datetime.now(UTC) + timedelta(seconds=30))  # enrolment used now
    admin_window = sign_in(qtbot, run, "admin", ADMIN_PASSWORD, next_step)
    qtbot.addWidget(admin_window)
    assert admin_window is not maria_window
    assert "admin" in admin_window.tab_names
    assert admin_window.status_panel.user.text() == "admin · Admin"
    assert run.startup.context is not None
    assert run.startup.context.services.users.count() == 2  # the database stayed open


def test_file_sign_out_and_then_cancel_quits(qtbot: QtBot, app_context: AppContext, admin: Actor) -> None:
    app_context.services.users.create_user(admin, "maria", MARIA_PASSWORD, "portfolio_manager")
    run = Run(qtbot, app_context.db_uri, restore_state=False)
    window = sign_in(qtbot, run, "maria", MARIA_PASSWORD)
    window.findChild(QAction, "signOutAction").trigger()
    assert last_action(app_context) == ("user.sign_out", "maria")
    assert not window.isVisible()
    login = run.startup.dialog
    assert isinstance(login, LoginDialog)
    qtbot.addWidget(login)
    login.reject()
    assert run.done[-1] == (None, 0)  # the application quits, its database closed


def test_the_same_user_unlocking_keeps_the_window_and_its_input(
    qtbot: QtBot, app_context: AppContext, admin: Actor
) -> None:
    app_context.services.users.create_user(admin, "maria", MARIA_PASSWORD, "portfolio_manager")
    run = Run(qtbot, app_context.db_uri, restore_state=False)
    window = sign_in(qtbot, run, "maria", MARIA_PASSWORD)
    qtbot.addWidget(window)
    lock = run.startup.idle_lock
    lock.lock()
    qtbot.keyClicks(lock.dialog.password, MARIA_PASSWORD)
    with qtbot.waitSignal(lock.unlocked):
        qtbot.mouseClick(lock.dialog.unlock_button, Qt.MouseButton.LeftButton)
    assert window.isVisible()
    assert run.done[-1][0] is window
    assert "user.sign_out" not in [e["action"] for e in app_context.services.ctx.audit.iter_chain()]
