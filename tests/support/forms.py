"""Driving service form dialogs in Qt tests: click a button, type into named fields, read a field's error."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot


def click(qtbot: QtBot, button: QPushButton) -> None:
    assert button.isEnabled(), f"{button.objectName()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def fill_form(qtbot: QtBot, dialog: QWidget | None, **fields: str) -> None:
    """Replace the text of each named line edit of ``dialog`` by typing."""
    assert dialog is not None, "no dialog is open"
    for name, text in fields.items():
        edit = dialog.findChild(QLineEdit, name)
        edit.clear()
        qtbot.keyClicks(edit, text)


def submit_form(qtbot: QtBot, dialog: QWidget | None, **fields: str) -> None:
    """Fill ``dialog`` and press its OK button."""
    fill_form(qtbot, dialog, **fields)
    click(qtbot, dialog.findChild(QPushButton, "ok"))


def field_error(dialog: QWidget | None, name: str) -> str:
    """The error shown under field ``name``, or "" when none is shown."""
    assert dialog is not None, "no dialog is open"
    label = dialog.findChild(QLabel, f"{name}_error")
    return label.text() if label.isVisibleTo(dialog) else ""
