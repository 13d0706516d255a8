"""Setting up two-step sign-in: scan the QR code, confirm with a first code, keep the recovery codes.

The login dialog opens ``TotpEnrolmentDialog(session)`` when ``User.must_enrol_mfa`` is set (and a user may
open it themself). The secret is shown as a QR code and as text for manual entry; nothing is stored until
the first code is confirmed together with the user's password (the secret is stored wrapped under it). The
recovery codes are then shown once and must be acknowledged.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.security.totp import TotpEnrolment
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.changes import USER
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession


class RecoveryCodesDialog(QDialog):
    """Shows the recovery codes once; closing needs the 'I have stored them' tick."""

    def __init__(self, codes: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryCodesDialog")
        self.setWindowTitle("Your recovery codes")
        text = QPlainTextEdit("\n".join(codes))
        text.setObjectName("codes")
        text.setReadOnly(True)
        copy = QPushButton("Copy")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText("\n".join(codes)))
        self.stored = QCheckBox("I have stored these codes somewhere safe (they are not shown again)")
        self.stored.setObjectName("stored")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setObjectName("ok")
        self.ok.setEnabled(False)
        self.stored.toggled.connect(self.ok.setEnabled)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        explanation = QLabel(
            "Each code signs you in once if your phone is lost. Print them or keep them in a password manager."
        )
        explanation.setWordWrap(True)
        for widget in (explanation, text, copy, self.stored, buttons):
            layout.addWidget(widget)

    def reject(self) -> None:
        """Escape must not skip the acknowledgement."""
        if self.stored.isChecked():
            super().reject()


class TotpEnrolmentDialog(QDialog):
    """Enrol the signed-in user's authenticator app; accepted once the codes were acknowledged."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.enrolment: TotpEnrolment | None = None
        self.codes_dialog: RecoveryCodesDialog | None = None
        self.setObjectName("totpEnrolmentDialog")
        self.setWindowTitle("Set up two-step sign-in")
        self.qr = QLabel("Preparing…")
        self.qr.setObjectName("qr")
        self.secret = QLabel()
        self.secret.setObjectName("secret")
        self.code = QLineEdit()
        self.code.setObjectName("code")
        self.code.setPlaceholderText("6-digit code from the app")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("your password (it protects the stored key)")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm = buttons.addButton("Confirm", QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm.setObjectName("confirm")
        self.confirm.setEnabled(False)
        self.confirm.clicked.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        intro = QLabel("Scan the code with an authenticator app (or type the key below), then enter the code it shows.")
        intro.setWordWrap(True)
        for widget in (intro, self.qr, self.secret, self.code, self.password, self.error, buttons):
            layout.addWidget(widget)
        users, actor = session.services.users, session.actor
        session.runner.submit(lambda: users.begin_totp_enrolment(actor), owner=self, on_done=self._show,
                              on_error=self._failed)

    def _show(self, enrolment: TotpEnrolment) -> None:
        self.enrolment = enrolment
        pixmap = QPixmap()
        pixmap.loadFromData(enrolment.qr_png, "PNG")
        self.qr.setPixmap(pixmap)
        self.secret.setText(" ".join(enrolment.secret[i : i + 4] for i in range(0, len(enrolment.secret), 4)))
        self.confirm.setEnabled(True)

    def submit(self) -> None:
        if self.enrolment is None:
            return
        users, actor = self.session.services.users, self.session.actor
        secret, code, password = self.enrolment.secret, self.code.text(), self.password.text()
        self.confirm.setEnabled(False)
        self.session.runner.submit(
            lambda: users.confirm_totp_enrolment(actor, secret, code, password),
            owner=self,
            changes={USER},
            on_done=self._confirmed,
            on_error=self._failed,
        )

    def _confirmed(self, codes: list[str]) -> None:
        self.enrolment = None  # the secret is stored; drop it from memory here
        self.password.clear()
        self.secret.clear()
        self.qr.clear()
        self.codes_dialog = RecoveryCodesDialog(codes, self)
        self.codes_dialog.accepted.connect(self.accept)
        self.codes_dialog.open()

    def _failed(self, exc: BaseException) -> None:
        self.confirm.setEnabled(self.enrolment is not None)
        if isinstance(exc, ValidationError):
            self.error.setText(" ".join(exc.problems.values()))
        else:
            self.error.setText(describe_error(exc))
