"""Choosing a new password with live policy feedback (first-run wizard and the forced password change)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit

from fidus_desktop.security.passwords import check_password_policy


class NewPasswordFields(QObject):
    """A password and its repetition, checked on every keystroke against ``check_password_policy``.

    The owner adds its own problems (a missing username, a wrong current password) and calls ``show``; the
    fields never decide alone whether a form is complete.
    """

    changed = Signal()

    def __init__(self, username: Callable[[], str], prefix: str = "") -> None:
        super().__init__()
        self.username = username
        self.password = QLineEdit(objectName=f"{prefix}Password", echoMode=QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit(objectName=f"{prefix}Confirm", echoMode=QLineEdit.EchoMode.Password)
        self.feedback = QLabel(objectName="policyFeedback", wordWrap=True)
        for field in (self.password, self.confirm):
            field.textChanged.connect(self.changed)

    def add_rows(self, form: QFormLayout, label: str = "Password") -> None:
        form.addRow(label, self.password)
        form.addRow(f"Repeat {label.lower()}", self.confirm)
        form.addRow(self.feedback)

    def problems(self) -> list[str]:
        found = list(check_password_policy(self.password.text(), self.username().strip() or None))
        if self.password.text() != self.confirm.text():
            found.append("The two passwords differ.")
        return found

    def show(self, problems: list[str]) -> None:
        self.feedback.setText("✔ Ready." if not problems else "\n".join(f"• {p}" for p in problems))
        self.feedback.setStyleSheet("color: #1b5e20" if not problems else "color: #8a4b00")
