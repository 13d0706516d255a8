"""Form dialogs grow with their messages: every error label, the note and the buttons stay fully visible."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QDialog, QLabel, QWidget
from pytestqt.qtbot import QtBot

from fidus_desktop.errors import UserError
from fidus_desktop.services.base import ValidationError
from fidus_desktop.ui.admin.keys_view import PassphraseDialog
from fidus_desktop.ui.admin.user_dialogs import CreateUserDialog
from fidus_desktop.ui.common import screen_fit
from fidus_desktop.ui.idle_lock import LockDialog
from fidus_desktop.ui.key_access_dialog import KeyAccessDialog
from fidus_desktop.ui.login import LoginDialog
from fidus_desktop.ui.password_change import ChangePasswordDialog
from fidus_desktop.ui.session import UiSession
from tests.support.forms import click, field_error, submit_form
from tests.support.ui_session import admin_session

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
LONG = ("The password is on the list of passwords known from breaches, so it would be guessed in minutes; "
        "choose a passphrase of at least four unrelated words, or let the password manager generate one, "
        "and type it twice.")


@pytest.fixture
def session(tmp_path: Path) -> Iterator[UiSession]:
    yield from admin_session(tmp_path)


def fully_visible(dialog: QDialog, widget: QWidget) -> bool:
    """Inside the dialog and at least as tall as its text needs at its width."""
    inside = QRect(widget.mapTo(dialog, widget.rect().topLeft()), widget.size())
    needed = widget.heightForWidth(widget.width()) if widget.hasHeightForWidth() else widget.sizeHint().height()
    return dialog.rect().contains(inside) and widget.height() >= needed


def test_a_long_service_error_grows_the_dialog(qtbot: QtBot, session: UiSession,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = CreateUserDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    before = dialog.height()

    def refuse(*_: object) -> None:
        raise ValidationError({"password": LONG, "": LONG})

    monkeypatch.setattr(session.services.users, "create_user", refuse)
    submit_form(qtbot, dialog, username="maria.costa", password="x" * 12, repeat="x" * 12)
    assert field_error(dialog, "password") == LONG
    assert dialog.height() > before
    for name in ("password_error", "general_error"):
        assert fully_visible(dialog, dialog.findChild(QLabel, name)), name
    assert fully_visible(dialog, dialog.ok_button)


def test_the_backup_passphrase_dialog_shows_its_note_and_buttons(qtbot: QtBot, session: UiSession) -> None:
    note = ("Choose the backup passphrase (at least 12 characters). Backups are encrypted with it; keep it in the "
            "office safe, because a backup cannot be restored without it, not even by the administrator.")
    dialog = PassphraseDialog(session, "Backup passphrase", "Save", lambda _: None, confirm=True, note=note)
    qtbot.addWidget(dialog)
    dialog.show()
    label = next(w for w in dialog.findChildren(QLabel) if w.text() == note)
    assert fully_visible(dialog, label)
    assert fully_visible(dialog, dialog.ok_button)
    click(qtbot, dialog.ok_button)
    assert field_error(dialog, "passphrase") == "Type the passphrase."
    assert fully_visible(dialog, dialog.findChild(QLabel, "passphrase_error"))
    assert fully_visible(dialog, dialog.ok_button)


@pytest.mark.parametrize("make", [
    lambda s: LoginDialog(s.services.users, s.runner, "this workstation's database"),
    lambda s: ChangePasswordDialog(s),
    lambda s: LockDialog(s),
    lambda s: KeyAccessDialog(s),
], ids=["sign-in", "password change", "idle lock", "key access"])
def test_the_sign_in_and_key_dialogs_show_a_long_message_in_full(
        qtbot: QtBot, session: UiSession, make: Callable[[UiSession], QDialog],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screen_fit, "available_geometry", lambda _: QRect(0, 0, 1366, 728))
    dialog = make(session)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog._failed(UserError(LONG))
    shown = [label for label in dialog.findChildren(QLabel) if LONG in label.text()]
    assert len(shown) == 1
    assert fully_visible(dialog, shown[0])
