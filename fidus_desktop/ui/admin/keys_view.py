"""Admin → Keys: is there a data key, is this workstation enrolled; create, enrol, rotate (with progress); the
colleagues' requests to enrol their workstations (``ui.admin.enrolment_requests``).

The passphrase dialog here is shared with the Backups section. Every call runs in the worker; rotation
reports its progress through a queued signal, so the bar moves while the worker re-encrypts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QProgressBar, QVBoxLayout, QWidget

from fidus_desktop.security.backup_format import BackupCorrupt
from fidus_desktop.security.crypto import CryptoError, WrongPassphrase
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.keys import KeysNotReady, KeyStatus
from fidus_desktop.ui.admin.enrolment_requests import EnrolmentRequestsPanel
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.admin.user_dialogs import password_edit
from fidus_desktop.ui.common.buttons import button_bar, enable
from fidus_desktop.ui.session import UiSession


class PassphraseDialog(ServiceFormDialog):
    """Asks for a passphrase (twice when ``confirm``) and hands it to ``action`` in the worker."""

    def __init__(
        self, session: UiSession, title: str, ok_text: str, action: Callable[[str], Any], *,
        confirm: bool = False, note: str = "", parent: QWidget | None = None,
    ) -> None:
        super().__init__(session, title, ok_text, parent)
        self.action = action
        if note:
            label = QLabel(note)
            label.setWordWrap(True)
            self.form.addRow(label)
        self.passphrase = self.add_field("passphrase", "Passphrase", password_edit())
        self.repeat: QLineEdit | None = self.add_field("repeat", "Repeat it", password_edit()) if confirm else None

    def local_problems(self) -> dict[str, str]:
        if not self.passphrase.text():
            return {"passphrase": "Type the passphrase."}
        if self.repeat is not None and self.repeat.text() != self.passphrase.text():
            return {"repeat": "The two entries differ; type the same passphrase twice."}
        return {}

    def call(self) -> Any:
        try:
            return self.action(self.passphrase.text())
        except WrongPassphrase as exc:
            raise ValidationError({"passphrase": str(exc)}) from exc
        except (BackupCorrupt, CryptoError, KeysNotReady) as exc:
            raise ValidationError(str(exc)) from exc


class _Progress(QObject):
    changed = Signal(str, int, int)


class KeysView(QWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("keysView")
        self.dialog: PassphraseDialog | None = None
        self.status_label = QLabel("Checking the data key…", objectName="keyStatus", wordWrap=True)
        self.seal_hint = QLabel(
            "⚠ This workstation writes unsealed audit entries: `fidus audit verify` reports each one with its name. "
            "Enrol it (Enrol this workstation…, with the office passphrase, or `fidus key enroll`).",
            objectName="sealHint", wordWrap=True)
        self.seal_hint.hide()
        self.progress = QProgressBar(objectName="rotationProgress")
        self.progress.hide()
        self._progress = _Progress(self)
        self._progress.changed.connect(self._show_progress)
        bar, self.buttons = button_bar(
            [
                ("init", "Create key…", self.create_key),
                ("enrol", "Enrol this workstation…", self.enrol),
                ("rotate", "Rotate key…", self.rotate),
            ]
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        layout.addWidget(self.seal_hint)
        layout.addLayout(bar)
        layout.addWidget(self.progress)
        self.enrolments = EnrolmentRequestsPanel(session, self)
        layout.addWidget(self.enrolments)
        layout.addStretch()
        self.refresh()

    def refresh(self) -> None:
        self.session.runner.submit(self.session.services.keys.status, owner=self, key="refresh", on_done=self._show)

    def _show(self, status: KeyStatus) -> None:
        self.status_label.setText(status.describe())
        self.seal_hint.setVisible(status.writes_unsealed)
        missing = "" if status.initialised else "Create the office data key first."
        enable(self.buttons["init"], "The office data key exists already." if status.initialised else "")
        enable(self.buttons["enrol"], missing or ("" if not status.enrolled or status.rotation is not None else
                                                  "This workstation holds the current key already."))
        enable(self.buttons["rotate"], missing)

    def _show_progress(self, collection: str, done: int, total: int) -> None:
        self.progress.show()
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{collection}: {done} of {total}")

    def _open(self, dialog: PassphraseDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda _: self.refresh())
        dialog.open()

    def create_key(self) -> None:
        keys, actor = self.session.services.keys, self.session.actor
        self._open(PassphraseDialog(
            self.session, "Create the data key", "Create", lambda p: keys.init(actor, p), confirm=True,
            note="Choose the office passphrase (at least 12 characters). Keep it in the office safe: without it, "
                 "encrypted personal data cannot be recovered.", parent=self))

    def enrol(self) -> None:
        keys, actor = self.session.services.keys, self.session.actor
        self._open(PassphraseDialog(
            self.session, "Enrol this workstation", "Enrol", lambda p: keys.enroll(actor, p), parent=self))

    def rotate(self) -> None:
        keys, actor, signal = self.session.services.keys, self.session.actor, self._progress.changed
        registry = self.session.services.personal_data.registry
        self._open(PassphraseDialog(
            self.session, "Rotate the data key", "Rotate",
            lambda p: keys.rotate(actor, p, registry.fields, signal.emit),
            note="Every encrypted field is re-encrypted under a new key. If it is interrupted, rotate again to "
                 "finish. Other workstations must enrol again afterwards.", parent=self))
