"""The KYC file's forms: record a document against a checklist item, give a reason (reject, ask for a
revision, send a case back), set a risk band. Each runs one service call in the worker
(``ServiceFormDialog``), shows the service's refusal under its field and grows with its messages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLineEdit, QPlainTextEdit, QPushButton, QWidget

from fidus_desktop.domain.compliance.risk import Band
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.changes import DOCUMENT
from fidus_desktop.services.compliance.kyc import KycCase
from fidus_desktop.services.documents import StoredDocument
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.common.editors import DateEdit
from fidus_desktop.ui.portfolio.documents_panel import FILE_FILTER
from fidus_desktop.ui.session import UiSession

KYC_CHANGES = frozenset({"kyc_case"})
NEW_FILE = "__new_file__"


class RecordDocumentDialog(ServiceFormDialog):
    """Mark a checklist item received with its document: a file to attach (stored encrypted with the investor)
    or one already stored; the document's date and expiry where the item asks for them."""

    changes = KYC_CHANGES | {DOCUMENT}

    def __init__(self, session: UiSession, case: KycCase, documents: tuple[StoredDocument, ...], code: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, "Record a document received", "&Record", parent)
        self.case = case
        self.item = self.add_field("item", "Checklist item", QComboBox())
        for entry in case.items:
            self.item.addItem(entry.item.requirement.label, entry.code)
        if code is not None:
            self.item.setCurrentIndex(max(0, self.item.findData(code)))
        self.document = self.add_field("document", "Document", QComboBox())
        self.document.addItem("A file from this computer…", NEW_FILE)
        for doc in documents:
            self.document.addItem(f"{doc.name} (stored {doc.uploaded_at:%Y-%m-%d})", doc.document_id)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        self.path = QLineEdit(objectName="path", placeholderText="The scanned PDF or image")
        browse = QPushButton("&Browse…", objectName="browse")
        browse.clicked.connect(self.browse)
        line.addWidget(self.path, 1)
        line.addWidget(browse)
        self.form.addRow("File", row)
        self.document_date = self.add_field("document_date", "Date on the document", DateEdit(optional=True))
        self.expires_on = self.add_field("expires_on", "Expires on", DateEdit(optional=True))
        self.document.currentIndexChanged.connect(lambda _: row.setEnabled(self.document.currentData() == NEW_FILE))

    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The document received", "", FILE_FILTER)
        if path:
            self.path.setText(path)

    def local_problems(self) -> dict[str, str]:
        if self.document.currentData() == NEW_FILE and not self.path.text().strip():
            return {"document": "Choose the file received (Browse…) or a document already stored."}
        return {}

    def call(self) -> Any:
        files, actor, case = self.session.services.kyc_files, self.session.actor, self.case
        extra: dict[str, Any] = {"document_date": self.document_date.iso(), "expires_on": self.expires_on.iso()}
        if self.document.currentData() == NEW_FILE:
            path = Path(self.path.text().strip())
            try:
                extra |= {"name": path.name, "data": path.read_bytes()}
            except OSError as exc:
                raise ValidationError({"document": f"Cannot read {path}: {exc.strerror or exc}."}) from exc
        else:
            extra["document_id"] = self.document.currentData()
        return files.record_document(actor, case.case_id, case.version, self.item.currentData(), **extra)


class ReasonDialog(ServiceFormDialog):
    """One required reason, then ``action(reason)`` (reject an item, ask for a revision, send a case back)."""

    changes = KYC_CHANGES

    def __init__(self, session: UiSession, title: str, ok_text: str, action: Callable[[str], Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(session, title, ok_text, parent)
        self.action = action
        self.reason = self.add_field("reason", "Reason", QPlainTextEdit())
        self.reason.setPlaceholderText("What is wrong and what the investor must send (kept in the audit trail)")
        self.reason.setFixedHeight(self.fontMetrics().lineSpacing() * 4)

    def local_problems(self) -> dict[str, str]:
        return {} if self.reason.toPlainText().strip() else {"reason": "Say why: the decision is audited."}

    def call(self) -> Any:
        return self.action(self.reason.toPlainText())


class RiskBandDialog(ServiceFormDialog):
    """Record the band an officer assessed; once scored, a different band is an override a second officer
    confirms (the service decides which)."""

    changes = KYC_CHANGES

    def __init__(self, session: UiSession, case: KycCase, parent: QWidget | None = None) -> None:
        super().__init__(session, "Set the risk band", "&Set band", parent)
        self.case = case
        self.band = self.add_field("risk_band", "Risk band", QComboBox())
        for band in Band:
            self.band.addItem(band.value.capitalize(), band.value)
        if case.risk_band is not None:
            self.band.setCurrentIndex(self.band.findData(case.risk_band.value))
        self.reason = self.add_field("reason", "Reason", QPlainTextEdit())
        self.reason.setPlaceholderText("Why this band (an override needs at least 10 characters and a second officer)")
        self.reason.setFixedHeight(self.fontMetrics().lineSpacing() * 4)

    def call(self) -> Any:
        kyc, actor, case = self.session.services.kyc, self.session.actor, self.case
        return kyc.set_risk_band(actor, case.case_id, case.version, self.band.currentData(),
                                 self.reason.toPlainText())
