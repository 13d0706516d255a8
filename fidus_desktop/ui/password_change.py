"""The forced password change after an administrator's reset (``User.must_change_password``)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.changes import USER
from fidus_desktop.services.users import User
from fidus_desktop.ui.common.screen_fit import fit_to_content
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.new_password import NewPasswordFields
from fidus_desktop.ui.session import UiSession


class ChangePasswordDialog(QDialog):
    """Current (temporary) password plus a new one; accepted with ``self.user`` once the service took it."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("changePasswordDialog")
        self.setWindowTitle("Choose a new password — FIDUS Desktop")
        self.session = session
        self.user: User | None = None
        self.current = QLineEdit(objectName="currentPassword", echoMode=QLineEdit.EchoMode.Password)
        self.fields = NewPasswordFields(lambda: session.actor.username, prefix="new")
        self.error = QLabel(objectName="changeError", wordWrap=True)
        self.error.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow("Current password", self.current)
        self.fields.add_rows(form, "New password")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Change password")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        intro = QLabel("An administrator reset your password. Choose your own before you continue.", wordWrap=True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.current.textChanged.connect(self._changed)
        self.fields.changed.connect(self._changed)
        self._changed()

    def _changed(self) -> None:
        problems = [] if self.current.text() else ["Enter your current password."]
        problems += self.fields.problems()
        self.fields.show(problems)
        self.ok.setEnabled(not problems)

    def submit(self) -> None:
        if not self.ok.isEnabled():
            return
        users, actor = self.session.services.users, self.session.actor
        old, new = self.current.text(), self.fields.password.text()
        self.ok.setEnabled(False)
        self.session.runner.submit(lambda: users.change_password(actor, old, new), owner=self,
                                   changes={USER}, on_done=self._changed_ok,
                                   on_error=self._failed)

    def _changed_ok(self, user: User) -> None:
        self.user = user
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.error.setText(" ".join(exc.problems.values()))
        else:
            self.error.setText(describe_error(exc))
        fit_to_content(self)  # the password rules can take three lines
