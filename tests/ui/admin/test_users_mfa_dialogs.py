"""Enrolling an authenticator in the dialog: QR code, a wrong then a right first code, recovery codes once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.mfa_dialogs import TotpEnrolmentDialog
from fidus_desktop.ui.session import UiSession
from tests.support.ui_session import USER_PASSWORD, admin_session

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def bob_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UiSession]:
    for admin_ui in admin_session(tmp_path):
        bob = admin_ui.services.users.authenticate("bob.pm", USER_PASSWORD)
        yield UiSession(admin_ui.context, bob.actor(), runner=InlineRunner())


def stored_enrolment(session: UiSession) -> object:
    return session.services.users.users.get(session.actor.user_id).get("totp_wrapped")


def test_enrolment_dialog_confirms_a_code_and_shows_recovery_codes_once(qtbot: QtBot, bob_session: UiSession) -> None:
    dialog = TotpEnrolmentDialog(bob_session)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.qr.pixmap().isNull()
    secret = dialog.secret.text().replace(" ", "")
    assert secret == dialog.enrolment.secret

    qtbot.keyClicks(dialog.code, "000000")
    qtbot.keyClicks(dialog.password, USER_PASSWORD)
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    assert "not right" in dialog.error.text()
    assert not stored_enrolment(bob_session)

    dialog.code.clear()
    qtbot.keyClicks(dialog.code, pyotp.TOTP(secret).now())
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "not bob's password at all")
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    assert "not your current password" in dialog.error.text()
    assert not stored_enrolment(bob_session)

    dialog.password.clear()
    qtbot.keyClicks(dialog.password, USER_PASSWORD)
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    codes = dialog.codes_dialog
    assert codes is not None
    assert codes.isVisible()
    assert len(codes.findChild(QPlainTextEdit, "codes").toPlainText().splitlines()) == 10
    assert not codes.ok.isEnabled()
    codes.reject()  # Escape cannot skip the acknowledgement
    assert codes.isVisible()
    qtbot.mouseClick(codes.stored, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(codes.ok, Qt.MouseButton.LeftButton)
    assert dialog.enrolment is None
    assert dialog.secret.text() == ""
    assert dialog.password.text() == ""
    assert stored_enrolment(bob_session)
    assert secret not in repr(bob_session.services.users.users.get(bob_session.actor.user_id))
