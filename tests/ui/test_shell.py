"""The window shell driven like a user would: wizard, sign-in, tabs, status bar, saved state, screenshot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QWizard
from pytestqt.qtbot import QtBot

from fidus_desktop.app import main
from fidus_desktop.bootstrap import AppContext
from fidus_desktop.services.actor import Actor
from fidus_desktop.store.errors import DatabaseUnreachable
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.first_run import FirstRunWizard
from fidus_desktop.ui.login import LoginDialog
from fidus_desktop.ui.main_window import MainWindow
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.startup import startup_message
from tests.support.users import ADMIN_PASSWORD


def window(qtbot: QtBot, ctx: AppContext, actor: Actor) -> MainWindow:
    win = MainWindow(UiSession(ctx, actor, InlineRunner()))
    qtbot.addWidget(win)
    win.show()
    return win


def test_login_rejects_a_wrong_password_then_signs_in(qtbot: QtBot, app_context: AppContext, admin: Actor) -> None:
    dialog = LoginDialog(app_context.services.users, InlineRunner(), "test database")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "admin")
    qtbot.keyClicks(dialog.password, "not the password at all")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert dialog.user is None
    assert "not right" in dialog.error.text()
    assert dialog.password.text() == ""
    qtbot.keyClicks(dialog.password, ADMIN_PASSWORD)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.user is not None
    assert dialog.user.username == "admin"


def test_login_refuses_operator_shaped_input_without_matching(
    qtbot: QtBot, app_context: AppContext, admin: Actor
) -> None:
    dialog = LoginDialog(app_context.services.users, InlineRunner(), "test database")
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.username, '{"$gt": ""}')
    qtbot.keyClicks(dialog.password, ADMIN_PASSWORD)
    dialog.submit()
    assert dialog.user is None


def test_wizard_finish_is_enabled_only_for_a_valid_admin(qtbot: QtBot) -> None:
    wizard = FirstRunWizard()
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    page = wizard.admin
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    qtbot.keyClicks(page.username, "alice")
    qtbot.keyClicks(page.password, "short")
    assert not finish.isEnabled()
    assert "12" in page.feedback.text()
    page.password.clear()
    qtbot.keyClicks(page.password, ADMIN_PASSWORD)
    qtbot.keyClicks(page.confirm, ADMIN_PASSWORD + "x")
    assert "differ" in page.feedback.text()
    page.confirm.clear()
    qtbot.keyClicks(page.confirm, ADMIN_PASSWORD)
    assert finish.isEnabled()
    assert not wizard.wants_demo


def test_wizard_demo_choice_finishes_on_the_first_page(qtbot: QtBot) -> None:
    wizard = FirstRunWizard()
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.mouseClick(wizard.choice.demo, Qt.MouseButton.LeftButton)
    assert wizard.wants_demo
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish.isVisible()
    with qtbot.waitSignal(wizard.accepted):
        qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)


def test_admin_sees_admin_tab_and_switches_tabs_by_click_and_shortcut(
    qtbot: QtBot, app_context: AppContext, admin: Actor
) -> None:
    win = window(qtbot, app_context, admin)
    assert win.tab_names == ["portfolio", "trading", "crm", "compliance", "signing", "admin"]
    bar = win.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(2).center())
    assert win.tab_names[win.tabs.currentIndex()] == "crm"
    assert win.findChild(QAction, "show_admin").shortcut() == QKeySequence("Ctrl+6")
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.keyClick(win.tabs, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert win.tab_names[win.tabs.currentIndex()] == "admin"
    qtbot.keyClick(win.tabs, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert win.tab_names[win.tabs.currentIndex()] == "portfolio"


def test_non_admin_has_no_admin_tab(qtbot: QtBot, app_context: AppContext, admin: Actor) -> None:
    users = app_context.services.users
    pm = users.create_user(admin, "maria", ADMIN_PASSWORD + "!", "portfolio_manager").actor()
    win = window(qtbot, app_context, pm)
    assert "admin" not in win.tab_names
    assert not win.select_tab("admin")


def test_about_shows_the_windows_open_database_connections(
    qtbot: QtBot, app_context: AppContext, admin: Actor
) -> None:
    text = window(qtbot, app_context, admin).about_text()
    count = app_context.store.open_connections()
    assert count is not None
    assert count >= 1
    assert f"database connections: {count}</p>" in text


def test_last_tab_and_geometry_are_restored(qtbot: QtBot, app_context: AppContext, admin: Actor) -> None:
    first = window(qtbot, app_context, admin)
    first.select_tab("signing")
    # Narrower than the offscreen screen (restoreGeometry keeps windows on it) unless the tabs need more.
    width = max(first.minimumSizeHint().width(), 700)
    first.resize(width, 540)
    first.close()
    second = window(qtbot, app_context, admin)
    assert second.tab_names[second.tabs.currentIndex()] == "signing"
    assert abs(second.size().width() - width) <= 20  # the platform may adjust for frames


def test_status_bar_shows_backend_and_turns_red_when_the_database_is_gone(
    qtbot: QtBot, app_context: AppContext, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    win = window(qtbot, app_context, admin)
    status = win.status_panel
    assert status.backend.text().startswith("SQLite ")
    assert "admin" in status.user.text()

    def gone() -> None:
        raise DatabaseUnreachable("server at db.local:27017 did not answer")

    monkeypatch.setattr(app_context.store, "ping", gone)
    status.check_connection()
    assert status.connection.text() == "database unreachable: server at db.local:27017 did not answer"
    monkeypatch.undo()
    status.check_connection()
    assert status.connection.text() == "connected"


def test_keyring_banner_appears_without_a_usable_keyring(qtbot: QtBot, app_context: AppContext, admin: Actor) -> None:
    assert not window(qtbot, app_context, admin).keyring_banner.isVisible()
    keyring.set_keyring(FailKeyring())
    win = window(qtbot, app_context, admin)
    assert win.keyring_banner.isVisible()
    assert "keyring" in win.keyring_banner.text().lower()


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--tab", "nonsense"], "there is no tab 'nonsense'; choose one of portfolio"),
     (["--size", "10x10"], "--size 10x10 is outside")],
)
def test_bad_arguments_exit_2_before_opening_anything(
    args: list[str], message: str, capsys: pytest.CaptureFixture
) -> None:
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_startup_messages_name_the_problem() -> None:
    message = startup_message(DatabaseUnreachable("The file x.db is not a readable FIDUS database"))
    assert "not a readable FIDUS database" in message
    assert "Nothing was changed" in message


@pytest.mark.slow
def test_screenshot_of_the_demo_and_bad_uri_exit_code(tmp_path: Path, isolated_home: Path) -> None:
    png = tmp_path / "admin.png"
    env = {"FIDUS_HOME": str(isolated_home), "QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    run = [sys.executable, "-m", "fidus_desktop.app"]
    done = subprocess.run([*run, "--demo", "--screenshot", str(png), "--tab", "admin", "--size", "1200x800"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 1200
    bad = subprocess.run([*run, "--db", "postgres://nowhere", "--screenshot", str(tmp_path / "x.png")],
                         env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert "postgres://nowhere" in bad.stderr
    assert not (tmp_path / "x.png").exists()


@pytest.mark.slow
def test_screenshot_of_a_database_that_needs_a_sign_in_shows_that_dialog(tmp_path: Path, isolated_home: Path) -> None:
    png = tmp_path / "wizard.png"
    env = {"FIDUS_HOME": str(isolated_home), "QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    done = subprocess.run([sys.executable, "-m", "fidus_desktop.app", "--db", f"sqlite:///{tmp_path / 'empty.db'}",
                           "--screenshot", str(png)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "needs a sign-in" in done.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_message_shown_before_the_window_does_not_sit_under_the_slots(
    qtbot: QtBot, app_context: AppContext, admin: Actor
) -> None:
    """A reminder at sign-in reaches the status bar before the window is shown, and a re-layout comes after it:
    the left-hand slots still give way to the message (they were drawn over it), and come back after it."""
    win = MainWindow(UiSession(app_context, admin, InlineRunner()))
    qtbot.addWidget(win)
    win.statusBar().showMessage("3 follow-ups due: see My day in the CRM tab", 10_000)
    win.show()
    status = win.status_panel
    assert status.currentMessage() == "3 follow-ups due: see My day in the CRM tab"
    assert not status.backend.isVisible()
    assert status.user.isVisible()  # the permanent slots stay
    status.addPermanentWidget(QLabel("a feature's slot, added later"))  # a re-layout queues its children's show
    QApplication.processEvents()
    assert not status.backend.isVisible()
    status.clearMessage()
    assert status.backend.isVisible()
