"""Signing in the office: one signer at a time walks through their fields on the page preview (Next field),
fills what must be typed or ticked, draws or types their signature, and the office user records how the
signer's identity was checked; Sign stamps and signs every document the signer has fields in (in the
worker). The signer may decline instead, with a reason. Opening the view for a signer records "viewed"."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.domain.signing.envelopes import Envelope, Field, FieldKind
from fidus_desktop.services.envelopes import IDENTITY_CHECKS
from fidus_desktop.services.permissions import allowed
from fidus_desktop.services.signing import SigningPermission
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.signing.dialogs import CHANGES, ReasonDialog
from fidus_desktop.ui.signing.pages import DocumentPreview
from fidus_desktop.ui.signing.signature_pad import SignatureCapture

HINTS = {FieldKind.SIGNATURE: "Signature: drawn or typed below", FieldKind.DATE: "Date: filled in when signing",
         FieldKind.INITIALS: "Initials", FieldKind.TEXT: "Text", FieldKind.CHECKBOX: "Checkbox"}


class SigningView(QDialog):
    def __init__(self, session: UiSession, envelope: Envelope, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signingView")
        self.setWindowTitle(f"Sign: {envelope.title}")
        self.session, self.envelope = session, envelope
        self.signer = QComboBox(objectName="signingSigner")
        self.step = QLabel(objectName="signingStep", wordWrap=True)
        self.next_button = QPushButton("Next field ›", objectName="signingNextField")
        self.inputs: dict[str, QLineEdit | QCheckBox] = {}
        self.inputs_box = QGroupBox("Fields to fill")
        self.inputs_form = QFormLayout(self.inputs_box)
        self.capture = SignatureCapture()
        self.identity = QComboBox(objectName="signingIdentity", editable=True)
        self.identity.addItems(["", *IDENTITY_CHECKS])
        self.identity.lineEdit().setPlaceholderText("How was the signer's identity checked?")
        self.message = QLabel(objectName="signingMessage", wordWrap=True)
        self.message.setStyleSheet("color: #b00020;")
        self.sign_button = QPushButton("Sign", objectName="signingSign")
        self.decline_button = QPushButton("Decline…", objectName="signingDecline")
        self.close_button = QPushButton("Close", objectName="signingClose")
        self.preview = DocumentPreview(session)
        self._walk: list[Field] = []
        self._at = -1

        right = QWidget()
        form = QVBoxLayout(right)
        top = QFormLayout()
        top.addRow("Signer", self.signer)
        form.addLayout(top)
        walk = QHBoxLayout()
        walk.addWidget(self.step, 1)
        walk.addWidget(self.next_button)
        form.addLayout(walk)
        form.addWidget(self.inputs_box)
        capture = QGroupBox("Signature")
        QVBoxLayout(capture).addWidget(self.capture)
        form.addWidget(capture)
        identity = QFormLayout()
        identity.addRow("Identity checked", self.identity)
        form.addLayout(identity)
        form.addWidget(self.message)
        form.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.decline_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.sign_button)
        form.addLayout(buttons)
        split = QSplitter()
        split.addWidget(self.preview)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        QVBoxLayout(self).addWidget(split)
        self.resize(1100, 760)

        self.signer.currentIndexChanged.connect(self._signer_chosen)
        self.next_button.clicked.connect(self.next_field)
        self.sign_button.clicked.connect(self.sign)
        self.decline_button.clicked.connect(self.decline)
        self.close_button.clicked.connect(self.accept)
        self.preview.view.clicked.connect(self._field_clicked)
        self._fill_signers()

    def _fill_signers(self) -> None:
        self.signer.blockSignals(True)
        self.signer.clear()
        for signer in self.envelope.waiting_for():
            self.signer.addItem(f"{signer.name} ({signer.role.value.replace('_', ' ')})", signer.key)
        self.signer.blockSignals(False)
        waiting = self.signer.count() > 0 and allowed(self.session.actor.role, SigningPermission.SIGN)
        for widget in (self.sign_button, self.decline_button, self.next_button, self.capture):
            widget.setEnabled(waiting)
        if not waiting:
            self.step.setText(f"The envelope is {self.envelope.status.label.lower()}: nobody signs now."
                              if self.signer.count() == 0 else "Your role may view this envelope, not conduct "
                              "signatures.")
            self.preview.show_envelope(self.envelope)
            return
        self._signer_chosen()

    def _signer_chosen(self) -> None:
        key = self.signer.currentData()
        if key is None:
            return
        signer = self.envelope.signer(key)
        self.capture.set_name(signer.name)
        self._walk = sorted(self.envelope.fields_of(key), key=lambda f: (f.document, f.page, -f.box[3], f.box[0]))
        self._at = -1
        while self.inputs_form.rowCount():
            self.inputs_form.removeRow(0)
        self.inputs = {}
        for item in self._walk:
            if item.kind is FieldKind.TEXT:
                self.inputs[item.field_id] = QLineEdit(objectName=f"input_{item.field_id}")
            elif item.kind is FieldKind.CHECKBOX:
                self.inputs[item.field_id] = QCheckBox(item.label or "Ticked", objectName=f"input_{item.field_id}")
            else:
                continue
            label = (item.label or item.kind.value) + ("" if item.required else " (optional)")
            self.inputs_form.addRow(label, self.inputs[item.field_id])
        self.inputs_box.setVisible(bool(self.inputs))
        self.preview.labels = {f.field_id: HINTS[f.kind] if f.signer == key else "" for f in self.envelope.fields}
        self.preview.view.highlight = ""
        self.preview.show_envelope(self.envelope, 0, 0)
        self.next_field()
        envelopes, actor, envelope_id = self.session.services.envelopes, self.session.actor, self.envelope.envelope_id
        self.session.runner.submit(lambda: envelopes.viewed(actor, envelope_id, key), owner=self, key="viewed",
                                   changes=CHANGES, on_done=self._refreshed, on_error=self._failed)

    def _refreshed(self, envelope: Envelope) -> None:
        self.envelope = envelope

    def next_field(self) -> None:
        if not self._walk:
            return
        self._at = (self._at + 1) % len(self._walk)
        self._focus(self._walk[self._at])

    def _field_clicked(self, field_id: str) -> None:
        for index, item in enumerate(self._walk):
            if item.field_id == field_id:
                self._at = index
                self._focus(item)

    def _focus(self, item: Field) -> None:
        self.step.setText(f"Field {self._at + 1} of {len(self._walk)}: {HINTS[item.kind]}"
                          + (f" — {item.label}" if item.label else "") + f" (page {item.page + 1})")
        self.preview.view.highlight = item.field_id
        if item.document != self.preview.document or item.page != self.preview.page:
            self.preview.show_envelope(self.envelope, item.document, item.page)
        self.preview.view.update()
        widget = self.inputs.get(item.field_id)
        if widget is not None:
            widget.setFocus()
        elif item.kind is FieldKind.SIGNATURE:
            self.capture.setFocus()

    def values(self) -> dict[str, str]:
        found = {}
        for field_id, widget in self.inputs.items():
            if isinstance(widget, QCheckBox):
                if widget.isChecked():
                    found[field_id] = "yes"
            elif widget.text().strip():
                found[field_id] = widget.text()
        return found

    def sign(self) -> None:
        capture, key = self.capture.capture(), self.signer.currentData()
        if capture is None:
            self.message.setText("Draw the signature, or choose “Type the name” and type it.")
            return
        envelopes, actor, envelope = self.session.services.envelopes, self.session.actor, self.envelope
        identity, values = self.identity.currentText(), self.values()
        self.message.setText("Signing…")
        self.sign_button.setEnabled(False)
        self.session.runner.submit(
            lambda: envelopes.sign(actor, envelope.envelope_id, envelope.version, key, capture, identity, values),
            owner=self, changes=CHANGES, on_done=self._signed, on_error=self._failed)

    def _signed(self, envelope: Envelope) -> None:
        self.envelope = envelope
        self.message.setStyleSheet("color: #1a7f37;")
        self.message.setText("Signed. " + (f"Next: {', '.join(s.name for s in envelope.waiting_for())}."
                                           if envelope.waiting_for() else f"The envelope is "
                                                                          f"{envelope.status.label.lower()}."))
        self.capture.clear()
        self._fill_signers()

    def _declined(self, envelope: Envelope) -> None:
        self.envelope = envelope
        self.message.setText(f"Declined: {envelope.reason}. The envelope is closed.")
        self._fill_signers()

    def _failed(self, exc: BaseException) -> None:
        self.sign_button.setEnabled(self.signer.count() > 0)
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(describe_error(exc))

    def decline(self) -> None:
        key, envelope = self.signer.currentData(), self.envelope
        envelopes, actor = self.session.services.envelopes, self.session.actor
        dialog = ReasonDialog(self.session, "Decline to sign", "Decline",
                              lambda reason: envelopes.decline(actor, envelope.envelope_id, envelope.version, key,
                                                               reason), self)
        dialog.finished.connect(lambda _: dialog.result_value is not None and self._declined(dialog.result_value))
        dialog.open()
