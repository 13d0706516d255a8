"""Admin → Keys → Enrolment requests: send the data key to a colleague's workstation (``services.key_enrolment``).

The administrator types the fingerprint the colleague reads from their own screen; a request whose public key
was replaced in the database does not match and is refused by the service."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from fidus_desktop.services.key_enrolment import DATA_KEY, EnrolmentRequest
from fidus_desktop.ui.common.buttons import button_bar
from fidus_desktop.ui.common.lazy_table import Column
from fidus_desktop.ui.common.record_table import RecordTableModel, record_view, selected
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

COLUMNS: list[Column[EnrolmentRequest]] = [
    Column("User", lambda r: r.username),
    Column("Workstation", lambda r: r.workstation),
    Column("Sends", lambda r: "data key" if r.grant == DATA_KEY else "audit seal key only"),
    Column("Requested", lambda r: f"{r.requested_at.astimezone():%Y-%m-%d %H:%M}", value=lambda r: r.requested_at),
    Column("Expires", lambda r: f"{r.expires_at.astimezone():%Y-%m-%d %H:%M}", value=lambda r: r.expires_at),
]


class EnrolmentRequestsPanel(QWidget):
    """Pending requests with a fingerprint field, Approve and Reject."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("enrolmentRequests")
        title = QLabel("<b>Enrolment requests</b> — colleagues asking for the data key on their workstation. Ask "
                       "them to read the fingerprint their screen shows and type it here.", wordWrap=True)
        self.fingerprint = QLineEdit(objectName="enrolmentFingerprint",
                                     placeholderText="Fingerprint read out by the colleague (XXXX-XXXX-…)")
        self.reason = QLineEdit(objectName="enrolmentReason", placeholderText="Reason (to reject)")
        bar, self.buttons = button_bar([("approve", "Approve && send key", self.approve),
                                        ("reject", "Reject", self.reject)])
        bar.insertWidget(0, self.fingerprint, 2)
        bar.insertWidget(1, self.reason, 1)
        self.message = QLabel(objectName="enrolmentMessage", wordWrap=True)
        self.model = RecordTableModel(COLUMNS, self)
        self.table = record_view(self.model, "enrolmentTable", stretch_last=True)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.export = TableExport(self.table, "Key requests", session.runner)
        bar.addWidget(self.export.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (title, self.table):
            layout.addWidget(widget)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        self.refresh()

    def refresh(self) -> None:
        enrolments, actor = self.session.services.key_enrolments, self.session.actor
        self.session.runner.submit(lambda: enrolments.pending(actor), owner=self, key="pending",
                                   on_done=self._show, on_error=self._failed)

    def _show(self, pending: list[EnrolmentRequest]) -> None:
        self.model.set_records(pending)
        self._update_buttons()

    def selected(self) -> EnrolmentRequest | None:
        return selected(self.table, self.model)

    def _update_buttons(self) -> None:
        why = "Select a request first." if self.selected() is None else ""
        for button in self.buttons.values():
            button.setEnabled(not why)
            button.setToolTip(why)

    def approve(self) -> None:
        enrolments, actor, typed = self.session.services.key_enrolments, self.session.actor, self.fingerprint.text()
        self._decide(lambda request: enrolments.approve(actor, request.request_id, typed),
                     "Approved: {user} collects the key on {workstation} (`fidus key collect`, or by signing in "
                     "there again).")

    def reject(self) -> None:
        enrolments, actor, reason = self.session.services.key_enrolments, self.session.actor, self.reason.text()
        self._decide(lambda request: enrolments.reject(actor, request.request_id, reason),
                     "Rejected the request of {user} on {workstation}.")

    def _decide(self, job: Callable[[EnrolmentRequest], EnrolmentRequest], done_text: str) -> None:
        request = self.selected()
        if request is None:
            return

        def done(decided: EnrolmentRequest) -> None:
            self.fingerprint.clear()
            self.reason.clear()
            self.message.setText(done_text.format(user=decided.username, workstation=decided.workstation))
            self.refresh()

        self.session.runner.submit(lambda: job(request), owner=self, key="decide", on_done=done,
                                   on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(f"✘ {describe_error(exc)}")
