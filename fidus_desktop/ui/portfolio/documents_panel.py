"""An owner's stored documents (KYC scans, passports, signed forms): list, Attach…, Save a copy…, Delete.

Shown as the "Documents" tab of the investor dialog. The list holds metadata only (nothing is decrypted) and
loads lazily in the worker; Attach encrypts and stores the chosen file, Save a copy decrypts it (audited as
``personal_data.read`` by ``DocumentService``) and writes it to the chosen file, all in the worker. A
workstation without the data key shows "🔒 locked — enrol this workstation" and offers neither.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QLabel, QMessageBox, QTableView, QVBoxLayout, QWidget

from fidus_desktop.services.changes import DOCUMENT
from fidus_desktop.services.documents import MEDIA_TYPES, StoredDocument
from fidus_desktop.services.permissions import Permission, allowed
from fidus_desktop.services.personal_data import Locked
from fidus_desktop.ui.common.buttons import button_bar
from fidus_desktop.ui.common.lazy_table import RIGHT, Column, LazyTableModel
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

FILE_FILTER = "Documents (" + " ".join(f"*{suffix}" for suffix in sorted(MEDIA_TYPES)) + ")"


def file_size(size: int) -> str:
    """Bytes as people read them: 812 B, 14.2 KB, 2.4 MB."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


COLUMNS: list[Column[StoredDocument]] = [
    Column("Name", lambda d: d.name),
    Column("Type", lambda d: d.media_type),
    Column("Size", lambda d: file_size(d.size), align=RIGHT),
    Column("Uploaded", lambda d: _when(d.uploaded_at)),
    Column("By", lambda d: d.uploaded_by),
]


class DocumentsPanel(QWidget):
    """The documents of one owner (``owner_entity`` as a feature declares it in ``document_owners``: ``investor``)."""

    def __init__(self, session: UiSession, owner_entity: str, owner_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentsPanel")
        self.session, self.owner_entity, self.owner_id = session, owner_entity, owner_id
        self.service = session.services.documents
        self.is_locked = False
        actor = session.actor
        self.model: LazyTableModel[StoredDocument] = LazyTableModel(
            COLUMNS,
            count=lambda _: self.service.count_for(actor, owner_entity, owner_id),
            fetch=lambda _query, _sort, offset, limit, _after: self.service.list_for(
                actor, owner_entity, owner_id, offset=offset, limit=limit),
            runner=session.runner, parent=self,
        )
        self.view = QTableView(objectName="documentsView")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        bar, self.buttons = button_bar([("attach", "Attach…", self.attach), ("save", "Save a copy…", self.save_copy),
                                        ("delete", "Delete", self.delete)])
        self.buttons["save"].setToolTip("Decrypts the document; the reading is recorded in the audit log.")
        self.export = TableExport(self.view, "Documents", session.runner)  # the list, not the documents
        bar.addWidget(self.export.button)
        self.message = QLabel(objectName="documentsMessage")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        self.model.loaded.connect(self._update_buttons)
        self.model.failed.connect(self._failed)
        self._update_buttons()
        self.reload()

    # -- state ----------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Check the key and (re)load the list, both in the worker."""
        self.session.runner.submit(self.service.locked, owner=self, key="lock", on_done=self._show_lock,
                                   on_error=self._failed)
        self.model.set_filter(None)

    def _show_lock(self, locked: Locked | None) -> None:
        self.is_locked = locked is not None
        if locked is not None:
            self.message.setText(f"{locked} ({locked.reason})")
        self._update_buttons()

    def selected(self) -> StoredDocument | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _update_buttons(self, *_: object) -> None:
        role, chosen = self.session.actor.role, self.selected() is not None
        self.buttons["attach"].setEnabled(allowed(role, Permission.INVESTORS_MANAGE) and not self.is_locked)
        self.buttons["save"].setEnabled(allowed(role, Permission.PERSONAL_DATA_READ) and chosen and not self.is_locked)
        self.buttons["delete"].setEnabled(allowed(role, Permission.INVESTORS_MANAGE) and chosen)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(describe_error(exc))

    def _changed(self, text: str) -> None:
        self.message.setText(text)
        self.model.refresh()

    # -- actions --------------------------------------------------------------------------------------
    def attach(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Attach a document", "", FILE_FILTER)
        if not path:
            return
        service, actor, entity, owner_id = self.service, self.session.actor, self.owner_entity, self.owner_id
        self.message.setText(f"Encrypting and storing {Path(path).name}…")
        self.session.runner.submit(lambda: service.attach_file(actor, entity, owner_id, Path(path)), owner=self,
                                   changes={DOCUMENT}, on_error=self._failed,
                                   on_done=lambda doc: self._changed(f"Stored {doc.name} (encrypted)."))

    def save_copy(self) -> None:
        doc = self.selected()
        if doc is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save a copy", doc.name, FILE_FILTER)
        if not path:
            return
        service, actor = self.service, self.session.actor
        self.session.runner.submit(lambda: service.save_copy(actor, doc.document_id, Path(path)), owner=self,
                                   on_done=lambda written: self._saved(written, path), on_error=self._failed)

    def _saved(self, written: int | Locked, path: str) -> None:
        if isinstance(written, Locked):
            self._show_lock(written)
        else:
            self.message.setText(f"Saved a copy of {file_size(written)} to {path}.")

    def delete(self) -> None:
        doc = self.selected()
        if doc is None:
            return
        answer = QMessageBox.question(self, "Delete document",
                                      f"Delete {doc.name}? Its content is removed from the database for everyone.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        service, actor = self.service, self.session.actor
        self.session.runner.submit(lambda: service.delete(actor, doc.document_id, doc.version), owner=self,
                                   changes={DOCUMENT}, on_done=lambda _: self._changed(f"Deleted {doc.name}."),
                                   on_error=self._failed)
