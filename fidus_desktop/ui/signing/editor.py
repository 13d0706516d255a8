"""The envelope editor: a draft's documents, its signers (in order or in parallel) and their fields, placed by
dragging a box on the page preview; then Send. Every change is one service call in the worker with the
version the editor holds, so an edit made meanwhile elsewhere is refused, not overwritten."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.domain.signing.envelopes import Envelope, EnvelopeStatus, FieldKind
from fidus_desktop.errors import UserError
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.signing.dialogs import CHANGES, SignerFields
from fidus_desktop.ui.signing.pages import DocumentPreview


class EnvelopeEditor(QDialog):
    def __init__(self, session: UiSession, envelope: Envelope, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("envelopeEditor")
        self.setWindowTitle(f"Envelope: {envelope.title}")
        self.session, self.envelope = session, envelope
        self.documents = QListWidget(objectName="editorDocuments")
        self.add_document_button = QPushButton("Add PDF…", objectName="editorAddDocument")
        self.signers = QListWidget(objectName="editorSigners")
        self.signer_form = SignerFields()
        self.add_signer_button = QPushButton("Add signer", objectName="editorAddSigner")
        self.remove_signer_button = QPushButton("Remove signer", objectName="editorRemoveSigner")
        self.field_signer = QComboBox(objectName="editorFieldSigner")
        self.field_kind = QComboBox(objectName="editorFieldKind")
        for kind in FieldKind:
            self.field_kind.addItem(kind.value, kind.value)
        self.field_required = QCheckBox("Required", objectName="editorFieldRequired", checked=True)
        self.field_label = QLineEdit(objectName="editorFieldLabel",
                                     placeholderText="What the signer fills in (e.g. Tax number); optional")
        self.place_button = QPushButton("Place a field: drag on the page", objectName="editorPlace", checkable=True)
        self.fields = QListWidget(objectName="editorFields")
        self.remove_field_button = QPushButton("Remove field", objectName="editorRemoveField")
        self.preview = DocumentPreview(session)
        self.message = QLabel(objectName="editorMessage", wordWrap=True)
        self.message.setStyleSheet("color: #b00020;")
        self.send_button = QPushButton("Send for signature", objectName="editorSend")
        self.close_button = QPushButton("Close", objectName="editorClose")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        documents = QGroupBox("Documents")
        QVBoxLayout(documents).addWidget(self.documents)
        documents.layout().addWidget(self.add_document_button)
        signers = QGroupBox("Signers (same order number: in parallel)")
        signer_layout = QVBoxLayout(signers)
        signer_layout.addWidget(self.signers)
        signer_layout.addWidget(self.signer_form)
        signer_buttons = QHBoxLayout()
        signer_buttons.addWidget(self.add_signer_button)
        signer_buttons.addWidget(self.remove_signer_button)
        signer_layout.addLayout(signer_buttons)
        fields = QGroupBox("Fields")
        field_layout = QVBoxLayout(fields)
        chooser = QHBoxLayout()
        chooser.addWidget(self.field_signer, 1)
        chooser.addWidget(self.field_kind)
        chooser.addWidget(self.field_required)
        field_layout.addLayout(chooser)
        field_layout.addWidget(self.field_label)
        field_layout.addWidget(self.place_button)
        field_layout.addWidget(self.fields)
        field_layout.addWidget(self.remove_field_button)
        for box in (documents, signers, fields):
            left_layout.addWidget(box)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setStretchFactor(1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self.resize(1100, 760)

        self.add_document_button.clicked.connect(self.add_document)
        self.add_signer_button.clicked.connect(self.add_signer)
        self.remove_signer_button.clicked.connect(self.remove_signer)
        self.remove_field_button.clicked.connect(self.remove_field)
        self.place_button.toggled.connect(self._placing)
        self.preview.view.placed.connect(self.place_field)
        self.documents.currentRowChanged.connect(lambda row: self.preview.show_envelope(self.envelope, max(0, row), 0))
        self.send_button.clicked.connect(self.send)
        self.close_button.clicked.connect(self.accept)
        self._show(envelope)

    # -- showing ---------------------------------------------------------------------------------------
    def _show(self, envelope: Envelope) -> None:
        self.envelope = envelope
        draft = envelope.status is EnvelopeStatus.DRAFT
        document = max(0, self.documents.currentRow())
        self.documents.blockSignals(True)  # refilling the list is not choosing another document
        self.documents.clear()
        self.documents.addItems([f"{d.name} ({d.pages} pages)" for d in envelope.documents])
        if envelope.documents:
            self.documents.setCurrentRow(min(document, len(envelope.documents) - 1))
        self.documents.blockSignals(False)
        self.signers.clear()
        self.signers.addItems([f"{s.order}. {s.name} ({s.role.value.replace('_', ' ')})"
                               + (f" <{s.email}>" if s.email else "") for s in envelope.signers])
        self.field_signer.clear()
        for signer in envelope.signers:
            self.field_signer.addItem(f"{signer.name}", signer.key)
        names = {s.key: s.name for s in envelope.signers}
        self.fields.clear()
        self.fields.addItems([f"{f.field_id}: {f.label or f.kind.value} ({f.kind.value}) for "
                              f"{names.get(f.signer, f.signer)}, page {f.page + 1}"
                              + ("" if f.required else ", optional") for f in envelope.fields])
        self.preview.labels = {f.field_id: f"{f.kind.value}: {names.get(f.signer, '')}" for f in envelope.fields}
        for widget in (self.add_document_button, self.add_signer_button, self.remove_signer_button,
                       self.remove_field_button, self.place_button, self.send_button):
            widget.setEnabled(draft)
        self.preview.show_envelope(envelope, document)

    def _placing(self, on: bool) -> None:
        self.preview.view.placing = on
        self.message.setText("Drag a box on the page where the field goes." if on else "")
        self.message.setStyleSheet("")

    # -- changes ---------------------------------------------------------------------------------------
    def _change(self, job: Callable[[Any, Envelope], Envelope]) -> None:
        envelopes, envelope = self.session.services.envelopes, self.envelope
        self.message.setText("")
        self.session.runner.submit(lambda: job(envelopes, envelope), owner=self, changes=CHANGES,
                                   on_done=self._show, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(describe_error(exc))

    def choose_pdf(self) -> Path | None:
        """Ask for a PDF (a method of its own so tests can answer it)."""
        path, _ = QFileDialog.getOpenFileName(self, "Add a PDF", "", "PDF files (*.pdf)")
        return Path(path) if path else None

    def add_document(self) -> None:
        path = self.choose_pdf()
        if path is not None:
            actor = self.session.actor
            self._change(lambda s, e: s.add_document(actor, e.envelope_id, e.version, path.name, path.read_bytes()))

    def add_signer(self) -> None:
        signer, actor = self.signer_form.signer(), self.session.actor
        self._change(lambda s, e: s.add_signer(actor, e.envelope_id, e.version, signer))
        self.signer_form.name.clear()
        self.signer_form.email.clear()

    def remove_signer(self) -> None:
        row, actor = self.signers.currentRow(), self.session.actor
        if 0 <= row < len(self.envelope.signers):
            key = self.envelope.signers[row].key
            self._change(lambda s, e: s.remove_signer(actor, e.envelope_id, e.version, key))

    def place_field(self, box: tuple[int, int, int, int]) -> None:
        signer, actor = self.field_signer.currentData(), self.session.actor
        if signer is None:
            self._failed(UserError("Add a signer first: every field belongs to one."))
            return
        kind, required, label = self.field_kind.currentData(), self.field_required.isChecked(), self.field_label.text()
        document, page = max(0, self.documents.currentRow()), self.preview.page
        self.place_button.setChecked(False)
        self._change(lambda s, e: s.place_field(actor, e.envelope_id, e.version, document, signer, kind, page, box,
                                                required=required, label=label))
        self.field_label.clear()

    def remove_field(self) -> None:
        row, actor = self.fields.currentRow(), self.session.actor
        if 0 <= row < len(self.envelope.fields):
            field_id = self.envelope.fields[row].field_id
            self._change(lambda s, e: s.remove_field(actor, e.envelope_id, e.version, field_id))

    def send(self) -> None:
        actor = self.session.actor
        self._change(lambda s, e: s.send(actor, e.envelope_id, e.version))
