"""The KYC file's forms: record a document against a checklist item, give a reason (reject, ask for a
revision, send a case back), set a risk band. Each runs one service call in the worker
(``ServiceFormDialog``), shows the service's refusal under its field and grows with its messages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from fidus_desktop.domain.compliance.risk import Band
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.changes import DOCUMENT
from fidus_desktop.services.compliance.kyc import KycCase
from fidus_desktop.services.compliance.ownership import Ownership
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


class OwnershipDialog(ServiceFormDialog):
    """The ownership tree of a corporate investor, one "owner holds % of company" row each; the investor is
    the company every chain ends at. The service checks the whole tree (shares, totals, cycles) on saving."""

    changes = KYC_CHANGES
    HEADERS = ("Owner", "Person or company", "Holds %", "Of company", "Country")

    def __init__(self, session: UiSession, ownership: Ownership, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Ownership of {ownership.root}", "&Save", parent)
        self.ownership = ownership
        self.table = self.add_field("holdings", "Holdings", QTableWidget(0, len(self.HEADERS)))
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(self.fontMetrics().lineSpacing() * 12)
        for edge in ownership.edges:
            self.add_row(edge.owner, edge.kind, f"{(edge.share * 100).normalize():f}", edge.company, edge.country or "")
        if not ownership.edges:
            self.add_row("", "company", "", ownership.root)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        add = QPushButton("&Add row", objectName="addRow")
        remove = QPushButton("&Remove row", objectName="removeRow")
        add.clicked.connect(lambda: self.add_row("", "person", "", ownership.root))
        remove.clicked.connect(lambda: self.table.removeRow(self.table.currentRow()) if self.table.rowCount() else None)
        line.addWidget(add)
        line.addWidget(remove)
        line.addStretch()
        self.form.addRow("", row)

    def add_row(self, owner: str, kind: str, share: str, company: str, country: str = "") -> None:
        """One holding; ``country``: the owner's ISO code (a person's nationality, a company's incorporation)."""
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(owner))
        kinds = QComboBox()
        kinds.addItems(["person", "company"])
        kinds.setCurrentText(kind)
        self.table.setCellWidget(row, 1, kinds)
        self.table.setItem(row, 2, QTableWidgetItem(share))
        self.table.setItem(row, 3, QTableWidgetItem(company))
        self.table.setItem(row, 4, QTableWidgetItem(country))

    def rows(self) -> list[dict[str, str]]:
        def text(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""

        out = []
        for row in range(self.table.rowCount()):
            kinds = self.table.cellWidget(row, 1)
            values = {"owner": text(row, 0), "kind": kinds.currentText() if isinstance(kinds, QComboBox) else "",
                      "share": text(row, 2), "company": text(row, 3), "country": text(row, 4)}
            if any(values[k].strip() for k in ("owner", "share")):  # a row left empty is not a holding
                out.append(values)
        return out

    def call(self) -> Any:
        service, actor, tree, rows = self.session.services.kyc_ownership, self.session.actor, self.ownership, \
            self.rows()
        return service.set_ownership(actor, tree.investor_id, rows, tree.version)
