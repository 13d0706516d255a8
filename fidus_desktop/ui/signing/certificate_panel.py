"""The office certificate in the Signing tab: which certificate the office signs with, and, for an
administrator, creating a self-signed one, importing a PKCS#12 file and trusting a CA certificate.

Every call runs in the worker through ``SigningService``, which checks ``signing.certificate`` and seals the key;
the buttons only follow the role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import allowed
from fidus_desktop.services.signing import CertificateInfo, SigningPermission
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

CHANGES = frozenset({"signing_certificate", "signing_trusted_ca"})


def describe(info: CertificateInfo | None) -> str:
    if info is None:
        return ("The office has no signing certificate yet: nothing can be signed until an administrator creates "
                "or imports one.")
    text = (f"The office signs as {info.subject}.\n{info.origin.capitalize()} by {info.created_by} on "
            f"{info.created_at:%Y-%m-%d}, valid until {info.not_after:%Y-%m-%d}.\nSHA-256 {info.fingerprint}")
    if info.self_signed:
        text += ("\n\nSelf-signed: it proves the office signed and that nothing changed since, but PDF readers call "
                 "its issuer untrusted until told to trust it. Import a certificate from a qualified or AATL "
                 "provider for signatures readers trust by themselves.")
    return text


def _read(path_text: str, field: str) -> bytes:
    path = Path(path_text.strip())
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError({field: f"Cannot read {path}: {exc.strerror or exc}."}) from exc


class FileField(QWidget):
    """A path with a Choose… button (``problem`` when empty, for ``ServiceFormDialog``)."""

    def __init__(self, caption: str, patterns: str) -> None:
        super().__init__()
        self.path = QLineEdit()
        choose = QPushButton("Choose…")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.path, 1)
        layout.addWidget(choose)
        choose.clicked.connect(lambda: self.path.setText(
            QFileDialog.getOpenFileName(self, caption, "", patterns)[0] or self.path.text()))

    def problem(self) -> str:
        return "" if self.path.text().strip() else "Choose the file."


class CreateCertificateDialog(ServiceFormDialog):
    changes = CHANGES

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, "Create a self-signed office certificate", "Create", parent)
        self.name = self.add_field("common_name", "Certificate name", QLineEdit("FIDUS Fund Management signing"))
        self.organisation = self.add_field("organisation", "Organisation", QLineEdit())

    def call(self) -> Any:
        return self.session.services.signing.create_office_certificate(self.session.actor, self.name.text(),
                                                                       self.organisation.text())


class ImportCertificateDialog(ServiceFormDialog):
    changes = CHANGES

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, "Import the office certificate", "Import", parent)
        self.file = self.add_field("file", "PKCS#12 file", FileField("PKCS#12 file", "PKCS#12 (*.p12 *.pfx)"))
        self.passphrase = self.add_field("passphrase", "Passphrase", QLineEdit())
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)

    def call(self) -> Any:
        data = _read(self.file.path.text(), "file")
        return self.session.services.signing.import_office_certificate(self.session.actor, data,
                                                                       self.passphrase.text() or None)


class TrustCaDialog(ServiceFormDialog):
    changes = CHANGES

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, "Trust a CA certificate", "Trust", parent)
        self.file = self.add_field("file", "CA certificate", FileField("CA certificate",
                                                                       "Certificates (*.pem *.crt *.cer *.der)"))

    def call(self) -> Any:
        return self.session.services.signing.trust_ca(self.session.actor, _read(self.file.path.text(), "file"))


class CertificatePanel(QWidget):
    def __init__(self, session: UiSession) -> None:
        super().__init__()
        self.setObjectName("signingCertificate")
        self.session = session
        self.summary = QLabel(objectName="certificateSummary", wordWrap=True)
        may = allowed(session.actor.role, SigningPermission.CERTIFICATE)
        self.buttons = {name: QPushButton(text, objectName=f"certificate_{name}", enabled=may) for name, text in (
            ("create", "Create self-signed…"), ("import", "Import PKCS#12…"), ("trust", "Trust a CA…"))}
        row = QHBoxLayout()
        for button in self.buttons.values():
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(row)
        layout.addStretch(1)
        dialogs = {"create": CreateCertificateDialog, "import": ImportCertificateDialog, "trust": TrustCaDialog}
        for name, button in self.buttons.items():
            button.clicked.connect(lambda _=False, d=dialogs[name]: self._open(d))
        session.signals.data_changed.connect(self._changed)  # type: ignore[attr-defined]
        self.reload()

    def _open(self, dialog_class: type[ServiceFormDialog]) -> None:
        dialog = dialog_class(self.session, self)
        dialog.open()

    def _changed(self, name: str) -> None:
        if name in CHANGES or name == "*":
            self.reload()

    def reload(self) -> None:
        signing, actor = self.session.services.signing, self.session.actor
        self.session.runner.submit(lambda: signing.office_certificate(actor), owner=self, key="load",
                                   on_done=lambda info: self.summary.setText(describe(info)),
                                   on_error=lambda exc: self.summary.setText(describe_error(exc)))
