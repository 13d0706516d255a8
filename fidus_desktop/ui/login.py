"""The sign-in dialog: password, then the MFA code when the account has one; argon2 runs in the worker."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from fidus_desktop.services.users import (
    SecondFactorRequired,
    SignInExpired,
    User,
    UserService,
)
from fidus_desktop.ui.background import Runner
from fidus_desktop.ui.common.screen_fit import fit_to_content
from fidus_desktop.ui.errors import describe_error


class LoginDialog(QDialog):
    """Asks for credentials until a ``User`` is signed in (``self.user``) or the dialog is cancelled."""

    def __init__(self, users: UserService, runner: Runner, where: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self.setWindowTitle("Sign in — FIDUS Desktop")
        self.users, self.runner = users, runner
        self.user: User | None = None
        self._challenge: object | None = None
        self.username = QLineEdit(objectName="username")
        self.password = QLineEdit(objectName="password", echoMode=QLineEdit.EchoMode.Password)
        self.code = QLineEdit(objectName="mfaCode", placeholderText="6-digit code or a recovery code")
        self.error = QLabel(objectName="loginError", wordWrap=True)
        self.error.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow("Username", self.username)
        form.addRow("Password", self.password)
        self.code_label = QLabel("Authenticator code")
        form.addRow(self.code_label, self.code)
        self._show_code(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        sign_in = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        sign_in.setText("Sign in")
        sign_in.setDefault(True)  # Enter submits
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>FIDUS Desktop</b><br><small>{where}</small>"))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.username.setFocus()

    def _show_code(self, visible: bool) -> None:
        self.code.setVisible(visible)
        self.code_label.setVisible(visible)

    def _busy(self, busy: bool) -> None:
        self.buttons.setEnabled(not busy)
        if busy:
            self.error.setText("Checking…")

    def submit(self) -> None:
        self._busy(True)
        if self._challenge is not None:
            challenge, code = self._challenge, self.code.text()
            self.runner.submit(lambda: self.users.complete_mfa(challenge, code), owner=self, on_done=self._signed_in,
                               on_error=self._failed)
        else:
            username, password = self.username.text(), self.password.text()
            self.runner.submit(lambda: self.users.authenticate(username, password), owner=self,
                               on_done=self._signed_in, on_error=self._failed)

    def _signed_in(self, user: User) -> None:
        self._busy(False)
        self.user = user
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        if isinstance(exc, SecondFactorRequired):
            self._challenge = exc.challenge
            self._show_code(True)
            self.username.setEnabled(False)
            self.password.setEnabled(False)
            self.error.setText("Enter the code from your authenticator app.")
            self.code.setFocus()
            return
        if isinstance(exc, SignInExpired):
            self._restart()
        elif self._challenge is not None:
            self.code.clear()
        else:
            self.password.clear()
            self.password.setFocus()
        # Wrong credentials, a locked account, or the database gone: said inline, the dialog stays usable.
        self.error.setText(describe_error(exc))
        fit_to_content(self)  # a long message (a locked account, an unreachable server) is read in full

    def _restart(self) -> None:
        """Back to the password step (the code came too late)."""
        self._challenge = None
        self._show_code(False)
        self.code.clear()
        self.username.setEnabled(True)
        self.password.setEnabled(True)
        self.password.clear()
        self.password.setFocus()
