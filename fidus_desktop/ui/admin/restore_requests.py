"""Admin → Backups → Restore requests (File → Restore requests… for compliance officers, who have no Admin tab):
the second person approves or rejects another administrator's request to restore a backup over this database
(``services.restore_approval``; the requester then runs the restore from Admin → Backups, which closes the
window first, ``ui.admin.restore_over``, or from the CLI).

The buttons follow the rules only for convenience: the service refuses one's own request and roles without
``backup.approve_restore``, and the view shows its message."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.services.permissions import Permission, allowed
from fidus_desktop.services.restore_approval import RestoreRequest
from fidus_desktop.ui.common.buttons import button_bar
from fidus_desktop.ui.common.lazy_table import Column
from fidus_desktop.ui.common.record_table import RecordTableModel, record_view, selected
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

REQUEST_COLUMNS: list[Column[RestoreRequest]] = [
    Column("Status", lambda r: r.status.value),
    Column("Backup", lambda r: r.backup_name),
    Column("Backup written", lambda r: f"{r.backup_created_at.astimezone():%Y-%m-%d %H:%M}",
           value=lambda r: r.backup_created_at),
    Column("Documents", lambda r: f"{r.documents:,}", value=lambda r: r.documents),
    Column("Requested by", lambda r: r.requested_by),
    Column("Expires", lambda r: f"{r.expires_at.astimezone():%Y-%m-%d %H:%M}", value=lambda r: r.expires_at),
    Column("Reason", lambda r: r.reason),
]


class RestoreRequestsPanel(QWidget):
    """Open restore requests of this database with Approve and Reject (four eyes)."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("restoreRequests")
        self.may_decide = allowed(session.actor.role, Permission.BACKUP_APPROVE_RESTORE)
        title = QLabel("<b>Restore requests</b> — replacing this database with a backup needs a second person's "
                       "approval.", wordWrap=True)
        self.note = QLineEdit(objectName="restoreDecisionNote",
                              placeholderText="Note (optional when approving, required when rejecting)")
        bar, self.buttons = button_bar([("approve", "A&pprove restore", self.approve),
                                        ("reject", "Re&ject restore", self.reject)])
        bar.insertWidget(0, self.note, 1)
        self.message = QLabel(objectName="restoreRequestMessage", wordWrap=True)
        self.model = RecordTableModel(REQUEST_COLUMNS, self)
        self.table = record_view(self.model, "restoreRequestsTable", stretch_last=True)
        self.table.setMaximumHeight(200)  # a few requests at most; the backups list above keeps the room
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.export = TableExport(self.table, "Restore requests", session.runner)
        bar.addWidget(self.export.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (title, self.table):
            layout.addWidget(widget)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        self.refresh()

    def refresh(self) -> None:
        approvals, actor = self.session.services.restore_approvals, self.session.actor
        self.session.runner.submit(lambda: approvals.open_requests(actor), owner=self, key="requests",
                                   on_done=self._show, on_error=self._failed)

    def _show(self, requests: list[RestoreRequest]) -> None:
        self.model.set_records(requests)
        self._update_buttons()

    def selected(self) -> RestoreRequest | None:
        return selected(self.table, self.model)

    def _update_buttons(self) -> None:
        request = self.selected()
        why = ("Your role may not approve restores." if not self.may_decide
               else "Select a request first." if request is None
               else "You requested this restore: a second person decides it." if request.requested_by_id
               == self.session.actor.user_id
               else f"This request is already {request.status.value}." if request.status.value != "pending"
               else "")
        for button in self.buttons.values():
            button.setEnabled(not why)
            button.setToolTip(why)

    def approve(self) -> None:
        self._decide(True)

    def reject(self) -> None:
        self._decide(False)

    def _decide(self, approve: bool) -> None:
        request = self.selected()
        if request is None:
            return
        approvals, actor, note = self.session.services.restore_approvals, self.session.actor, self.note.text()

        def job() -> RestoreRequest:
            if approve:
                return approvals.approve(actor, request.request_id, note)
            return approvals.reject(actor, request.request_id, note)

        def done(decided: RestoreRequest) -> None:
            self.note.clear()
            verb = "Approved" if approve else "Rejected"
            self.message.setText(f"{verb}: {decided.requested_by}'s restore of {decided.backup_name}.")
            self.refresh()

        self.session.runner.submit(job, owner=self, key="decide", on_done=done, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(f"✘ {describe_error(exc)}")


class RestoreRequestsDialog(QDialog):
    """The panel on its own (File → Restore requests…), for approvers who have no Admin tab."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("restoreRequestsDialog")
        self.setWindowTitle("Restore requests")
        self.panel = RestoreRequestsPanel(session, self)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        layout.addWidget(close)
        self.resize(900, 360)
