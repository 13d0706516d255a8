"""The idle lock: covers every window after a quiet spell, keeps dialog input, asks for password and code."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QMainWindow
from pytestqt.qtbot import QtBot

from fidus_desktop.config.settings import SettingsError
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.idle_lock import Curtain, IdleLock, install_idle_lock
from fidus_desktop.ui.session import UiSession
from tests.support.ui_session import ADMIN_PASSWORD, USER_PASSWORD, admin_session

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
QUICK = 0.004  # minutes: 240 ms
IDLE_AFTER_UNLOCK_MS = 60_000


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UiSession]:
    yield from admin_session(tmp_path)


@pytest.fixture
def window(qtbot: QtBot) -> QMainWindow:
    main = QMainWindow()
    main.setCentralWidget(QLineEdit())
    qtbot.addWidget(main)
    main.show()
    return main


def unlock_with(qtbot: QtBot, lock: IdleLock, field: str, text: str) -> None:
    edit = lock.dialog.findChild(QLineEdit, field)
    edit.clear()
    qtbot.keyClicks(edit, text)
    qtbot.mouseClick(lock.dialog.unlock_button, Qt.MouseButton.LeftButton)


def test_locks_when_idle_and_keeps_unsaved_dialog_input(qtbot: QtBot, window: QMainWindow, session: UiSession) -> None:
    editor = QDialog(window)
    note = QLineEdit(editor)
    editor.show()
    qtbot.keyClicks(note, "half-typed note")
    lock = install_idle_lock(window, session, QUICK)
    with qtbot.waitSignal(lock.locked, timeout=5000):
        pass
    # Every visible window is covered: ours, and any an earlier test left open (tests/ui/test_startup.py may).
    covered = {c.parentWidget() for c in lock.curtains}
    assert {window, editor} <= covered
    assert covered == {w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not lock.dialog}
    assert all(c.isVisible() and c.geometry() == c.parentWidget().rect() for c in lock.curtains)
    lock.dialog.reject()  # Escape does not unlock
    assert lock.is_locked

    unlock_with(qtbot, lock, "password", "not the password at all")
    assert lock.is_locked
    assert "not right" in lock.dialog.error.text()
    assert lock.dialog.password.text() == ""

    lock.timer.setInterval(IDLE_AFTER_UNLOCK_MS)  # a slow machine must not lock again while the curtains go
    with qtbot.waitSignal(lock.unlocked):
        unlock_with(qtbot, lock, "password", ADMIN_PASSWORD)
    assert lock.timer.isActive()  # watching for the next quiet spell
    qtbot.waitUntil(lambda: not window.findChildren(Curtain) and not editor.findChildren(Curtain), timeout=5000)
    assert editor.isVisible()
    assert note.text() == "half-typed note"
    lock.stop()


def test_input_postpones_the_lock(qtbot: QtBot, window: QMainWindow, session: UiSession) -> None:
    """Input every 50 ms keeps a 600 ms lock open for twice its interval (a twelvefold margin for a loaded
    machine); once the input stops, it locks."""
    lock = install_idle_lock(window, session, 0.01)
    started = last = time.monotonic()
    longest = 0.0
    while last - started < 1.2:
        qtbot.wait(50)
        qtbot.keyClick(window.centralWidget(), Qt.Key.Key_A)
        now = time.monotonic()
        longest, last = max(longest, now - last), now
    assert not lock.is_locked, f"locked although the longest pause between key presses was {longest:.3f} s"
    qtbot.waitUntil(lambda: lock.is_locked, timeout=5000)
    lock.stop()


def test_unlock_asks_for_the_code_when_mfa_is_enrolled(qtbot: QtBot, window: QMainWindow, session: UiSession) -> None:
    users = session.services.users
    bob = users.authenticate("bob.pm", USER_PASSWORD)
    enrolment = users.begin_totp_enrolment(bob.actor())
    users.confirm_totp_enrolment(bob.actor(), enrolment.secret, pyotp.TOTP(enrolment.secret).now(), USER_PASSWORD)
    bob_session = UiSession(session.context, bob.actor(), runner=InlineRunner())
    lock = install_idle_lock(window, bob_session, QUICK)
    qtbot.waitUntil(lambda: lock.is_locked, timeout=5000)

    unlock_with(qtbot, lock, "password", USER_PASSWORD)
    assert lock.is_locked
    assert lock.dialog.code.isVisibleTo(lock.dialog)
    assert not lock.dialog.password.isEnabled()
    unlock_with(qtbot, lock, "code", "000000")
    assert "code is not right" in lock.dialog.error.text()
    next_step = pyotp.TOTP(enrolment.secret).at(datetime.now(UTC) + timedelta(seconds=30))  # enrolment used now
    with qtbot.waitSignal(lock.unlocked):
        unlock_with(qtbot, lock, "code", next_step)
    lock.stop()


def test_idle_minutes_come_from_settings_and_are_checked(window: QMainWindow, session: UiSession) -> None:
    lock = install_idle_lock(window, session)
    assert lock.timer.interval() == 10 * 60_000
    lock.stop()
    with pytest.raises(SettingsError, match=r"security\.idle_lock_minutes must be more than 0 minutes, not 0"):
        session.context.settings.set("security.idle_lock_minutes", 0)  # the typed setting refuses it
    session.context.settings.data["security"] = {"idle_lock_minutes": 0}  # a file written around the schema
    with pytest.raises(ValueError, match="idle_lock_minutes"):
        install_idle_lock(window, session)
