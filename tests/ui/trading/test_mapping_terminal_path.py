"""The account dialog shows and sets an account's own terminal path; a wrong one is refused next to the field."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from fidus_desktop.services.trading import accounts as accounts_module
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.trading.mapping_dialog import NOT_MAPPED, AccountMappingDialog, MappingChoices

PATH = "C:/MT5/8003001/terminal64.exe"


def test_terminal_path_is_validated_warned_stored_and_shown_again(
    qtbot: QtBot, session: UiSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts_module, "on_windows", lambda: False)
    dialog = AccountMappingDialog(session, MappingChoices([], []))
    qtbot.addWidget(dialog)
    dialog.show()
    for field, text in (("login", "8003001"), ("server", "Broker-Live"), ("name", "Gamma"), ("currency", "USD")):
        qtbot.keyClicks(getattr(dialog, field), text)
    dialog.maps_to.setCurrentText(NOT_MAPPED)
    qtbot.keyClicks(dialog.terminal_path, "C:/MT5/8003001/")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "must end in terminal64.exe" in dialog.errors["terminal_path"].text()
    assert all(a.login != 8003001 for a in session.services.trading.accounts.all()), "nothing half-written"
    qtbot.keyClicks(dialog.terminal_path, "terminal64.exe")
    assert dialog.terminal_note.isVisible()
    assert "cannot be checked on this computer" in dialog.terminal_note.text()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    account = session.services.trading.accounts.get(session.actor, 8003001)
    assert account.terminal_path == PATH

    edit = AccountMappingDialog(session, MappingChoices([], []), account)
    qtbot.addWidget(edit)
    assert edit.terminal_path.text() == PATH
    edit.terminal_path.clear()
    assert not edit.terminal_note.isVisibleTo(edit)
    qtbot.mouseClick(edit.ok_button, Qt.MouseButton.LeftButton)
    assert session.services.trading.accounts.get(session.actor, 8003001).terminal_path == ""
