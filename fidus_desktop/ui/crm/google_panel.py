"""Google in the CRM tab: the user's connection and the outbox (the "Google" page), and a prospect's Google
actions and timeline (in its details and card menu). Everything runs through ``GoogleService`` and the
outbox in the background runner; queued work is sent by the session's outbox worker (``google_outbox.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.domain.crm.outbox import JobStatus
from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.crm.google import GoogleStatus, TimelineEntry
from fidus_desktop.services.crm.outbox import OutboxJob
from fidus_desktop.services.crm.prospects import Prospect
from fidus_desktop.services.permissions import Permission, allowed
from fidus_desktop.ui.background import show_error
from fidus_desktop.ui.common.buttons import enable
from fidus_desktop.ui.common.keys import enter_opens
from fidus_desktop.ui.common.lazy_table import Column
from fidus_desktop.ui.common.record_table import RecordTableModel
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.crm.google_dialogs import EmailDialog, MeetingDialog
from fidus_desktop.ui.crm.google_outbox import OUTBOX_TOPIC, consent, worker_of
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

TOPICS = {OUTBOX_TOPIC, "google_account", "*"}
ALL = "All"
NO_PERMISSION = "Google actions need the crm.google permission"


def _when(at: object) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if hasattr(at, "strftime") else ""


JOB_COLUMNS: list[Column[OutboxJob]] = [
    Column("Queued (UTC)", lambda j: _when(j.created_at)), Column("Status", lambda j: j.status.value),
    Column("What", lambda j: j.summary), Column("Owner", lambda j: j.owner),
    Column("Attempts", lambda j: str(j.attempts)),
    Column("Next try (UTC)", lambda j: _when(j.next_attempt_at) if j.status is JobStatus.QUEUED else ""),
    Column("Reason / result", lambda j: j.reason or j.result.get("meet_link") or j.result.get("link") or ""),
]
TIMELINE_COLUMNS: list[Column[TimelineEntry]] = [
    Column("When (UTC)", lambda e: _when(e.at)), Column("Kind", lambda e: e.kind), Column("Title", lambda e: e.title),
    Column("Status", lambda e: e.status), Column("Detail", lambda e: e.detail),
    Column("Link", lambda e: e.link),
]


def _kick(session: UiSession) -> None:
    worker = worker_of(session)
    if worker is not None:
        worker.kick()


def _table(model: RecordTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class ConnectionBar(QWidget):
    """"Google: connected as …" with Connect / Reconnect / Disconnect; says plainly when not configured."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.may_act = allowed(session.actor.role, CrmPermission.GOOGLE)
        self.status: GoogleStatus | None = None
        self.label = QLabel("Google: …")
        self.label.setObjectName("googleStatus")
        self.label.setWordWrap(True)
        self.connect_button = QPushButton("&Connect Google…")
        self.connect_button.setObjectName("googleConnect")
        self.connect_button.clicked.connect(self.connect_google)
        self.disconnect_button = QPushButton("&Disconnect")
        self.disconnect_button.setObjectName("googleDisconnect")
        self.disconnect_button.clicked.connect(self.disconnect_google)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.connect_button)
        layout.addWidget(self.disconnect_button)
        for button in (self.connect_button, self.disconnect_button):
            enable(button, "Reading the Google connection…")
        worker = worker_of(session)
        if worker is not None:
            worker.status.connect(self.show_status)
        self.reload()

    def reload(self) -> None:
        google, actor = self.session.services.google, self.session.actor
        self.session.runner.submit(lambda: google.status(actor), owner=self, key="status", on_done=self.show_status,
                                   on_error=lambda exc: self.label.setText(describe_error(exc)))

    def show_status(self, status: GoogleStatus) -> None:
        self.status = status
        text = status.summary + "."
        if not status.configured:
            text += " An administrator sets google.oauth_client_file (docs/CRM.md, Google Workspace); until then " \
                    "nothing is sent and queued work waits."
        elif not status.connected:
            text += " Queued work waits until you connect."
        elif status.needs_reconnect:
            text += " Google refused the stored consent; queued work waits."
        self.label.setText(text)
        self.connect_button.setText("&Reconnect Google…" if status.connected else "&Connect Google…")
        enable(self.connect_button, NO_PERMISSION if not self.may_act else
               "An administrator sets up the Google client file first." if not status.configured else
               "" if not status.connected or status.needs_reconnect or status.missing else "Already connected.")
        enable(self.disconnect_button, NO_PERMISSION if not self.may_act else
               "" if status.connected else "Not connected to Google.")

    def connect_google(self) -> None:
        self.connect_button.setEnabled(False)
        self.label.setText("Waiting for Google's consent page in your browser (up to five minutes)…")
        self.session.runner.submit(consent(self.session), owner=self, changes={"google_account", OUTBOX_TOPIC},
                                   on_done=self._connected, on_error=self._failed)

    def _connected(self, status: GoogleStatus) -> None:
        self.show_status(status)
        _kick(self.session)

    def disconnect_google(self) -> None:
        google, actor = self.session.services.google, self.session.actor
        self.session.runner.submit(lambda: google.disconnect(actor), owner=self, changes={"google_account"},
                                   on_done=lambda _: self.reload(), on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        show_error(exc, self)
        self.reload()


class ClientFileRow(QWidget):
    """For administrators (``settings.manage``): the office's OAuth client file this workstation uses, its check,
    and Choose… to point at another (checked by the service before it is written to the settings file)."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.label = QLabel()
        self.label.setObjectName("clientFile")
        self.label.setWordWrap(True)
        self.choose_button = QPushButton("Choose OAuth client &file…")
        self.choose_button.setObjectName("chooseClientFile")
        self.choose_button.clicked.connect(self.choose)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.choose_button)
        self.reload()

    def reload(self) -> None:
        google, actor = self.session.services.google, self.session.actor
        self.session.runner.submit(lambda: google.client_file(actor), owner=self, key="file", on_done=self._show,
                                   on_error=lambda exc: self.label.setText(describe_error(exc)))

    def _show(self, found: tuple[str, str | None]) -> None:
        path, problem = found
        self.label.setText(f"OAuth client file (this workstation): {path or 'none'}"
                           + (" — usable." if not problem else f" — {problem}" if path else "."))

    def choose(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "The office's OAuth client (Desktop app JSON)", "",
                                              "JSON (*.json)")
        if name:
            self.use(name)

    def use(self, path: str) -> None:
        google, actor = self.session.services.google, self.session.actor
        self.session.runner.submit(lambda: google.configure(actor, path), owner=self, changes={"google_account"},
                                   on_done=lambda _: self.reload(), on_error=lambda exc: show_error(exc, self))


class GooglePage(QWidget):
    """The CRM tab's Google page: the connection and every outbox job (pending, failed with reason, done),
    with Retry, Cancel and Send now."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("googlePage")
        self.session = session
        may_act = allowed(session.actor.role, CrmPermission.GOOGLE)
        self.connection = ConnectionBar(session)
        self.model: RecordTableModel[OutboxJob] = RecordTableModel(JOB_COLUMNS, self)
        self.table = _table(self.model, "outboxTable")
        self.table.setColumnWidth(2, 280)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("outboxStatus")
        self.status_filter.addItems([ALL, *(s.value for s in JobStatus)])
        self.status_filter.currentTextChanged.connect(lambda _: self.reload())
        self.counts = QLabel()
        self.counts.setObjectName("outboxCounts")
        self.retry_button = QPushButton("&Retry")
        self.retry_button.setObjectName("outboxRetry")
        self.cancel_button = QPushButton("Ca&ncel job")
        self.cancel_button.setObjectName("outboxCancel")
        self.run_button = QPushButton("Send &now")
        self.run_button.setObjectName("outboxRun")
        self.run_button.setToolTip("Run your due jobs now instead of at the next round (every 30 s)")
        self.retry_button.clicked.connect(lambda: self._change(lambda o, a, j: o.retry(a, j)))
        self.cancel_button.clicked.connect(lambda: self._change(lambda o, a, j: o.cancel(a, j)))
        self.run_button.clicked.connect(lambda: _kick(self.session))
        for button in (self.retry_button, self.cancel_button, self.run_button):
            button.setEnabled(may_act)
            if not may_act:
                button.setToolTip(NO_PERMISSION)
        self.message = QLabel()
        self.message.setObjectName("outboxMessage")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Status"))
        bar.addWidget(self.status_filter)
        bar.addWidget(self.counts, 1)
        for button in (self.retry_button, self.cancel_button, self.run_button):
            bar.addWidget(button)
        self.export = TableExport(self.table, "Google outbox", session.runner)
        bar.addWidget(self.export.button)
        layout = QVBoxLayout(self)
        if allowed(session.actor.role, Permission.SETTINGS_MANAGE):
            self.client_file = ClientFileRow(session)
            layout.addWidget(self.client_file)
        layout.addWidget(self.connection)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        session.signals.data_changed.connect(self._data_changed)
        self.reload()

    def _data_changed(self, topic: str) -> None:
        if topic in TOPICS:
            self.reload()
            self.connection.reload()

    def reload(self) -> None:
        outbox, actor = self.session.services.crm_outbox, self.session.actor
        chosen = self.status_filter.currentText()
        status = None if chosen in ("", ALL) else JobStatus(chosen)
        self.session.runner.submit(lambda: (outbox.list(actor, status=status), outbox.counts(actor)), owner=self,
                                   key="jobs", on_done=self._show, on_error=lambda exc: show_error(exc, self))

    def _show(self, loaded: tuple[list[OutboxJob], dict[str, int]]) -> None:
        jobs, counts = loaded
        self.model.set_records(jobs)
        for column in (0, 1, 4, 5):
            self.table.resizeColumnToContents(column)
        self.counts.setText(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "The outbox is empty.")

    def selected(self) -> OutboxJob | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def _change(self, action: Callable[..., OutboxJob]) -> None:
        job = self.selected()
        if job is None:
            self.message.setText("Select a job first.")
            return
        outbox, actor = self.session.services.crm_outbox, self.session.actor
        self.session.runner.submit(lambda: action(outbox, actor, job.job_id), owner=self, changes={OUTBOX_TOPIC},
                                   on_done=self._changed, on_error=lambda exc: show_error(exc, self))

    def _changed(self, job: OutboxJob) -> None:
        self.message.setText(f"{job.summary}: {job.status.value}.")
        if job.status is JobStatus.QUEUED:
            _kick(self.session)


class ProspectGooglePanel(QWidget):
    """In a prospect's details: E-mail…, Schedule meeting…, Drive folder, Upload document…, Read mail, and the
    prospect's Google timeline (e-mails sent and read, meetings with their Meet link, documents)."""

    def __init__(self, session: UiSession, prospect: Prospect, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("prospectGoogle")
        self.session, self.prospect = session, prospect
        self.dialog: EmailDialog | MeetingDialog | None = None
        self.folder: str | None = None
        may_act = allowed(session.actor.role, CrmPermission.GOOGLE)
        self.buttons = {name: QPushButton(text) for name, text in (
            ("email", "&E-mail…"), ("meeting", "Schedule &meeting…"), ("drive", "&Drive folder"),
            ("upload", "&Upload document…"), ("mail", "&Read mail"), ("move_meeting", "Move meeting…"),
            ("cancel_meeting", "Cancel meeting"))}
        actions = {"email": self.open_email, "meeting": self.open_meeting, "drive": self.open_folder,
                   "upload": self.choose_upload, "mail": self.read_mail, "move_meeting": self.move_meeting,
                   "cancel_meeting": self.cancel_meeting}
        row = QHBoxLayout()
        for name, button in self.buttons.items():
            button.setObjectName(f"google_{name}")
            button.clicked.connect(actions[name])
            button.setEnabled(may_act)
            if not may_act:
                button.setToolTip(NO_PERMISSION)
            row.addWidget(button)
        row.addStretch(1)
        if not prospect.email:
            for name in ("email", "meeting", "mail"):
                self.buttons[name].setEnabled(False)
                self.buttons[name].setToolTip("The prospect has no e-mail address")
        self.message = QLabel()
        self.message.setObjectName("googleMessage")
        self.message.setWordWrap(True)
        self.mail_read = False  # the prospect's mail is read from Gmail once when the panel first shows it
        self.model: RecordTableModel[TimelineEntry] = RecordTableModel(TIMELINE_COLUMNS, self)
        self.table = _table(self.model, "googleTimeline")
        enter_opens(self.table, lambda index: self.open_link(self.model.record(index.row()).link))
        self.export = TableExport(self.table, "Google timeline", session.runner)
        row.addWidget(self.export.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Google: e-mail, meetings and documents (double-click opens the link)"))
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        session.signals.data_changed.connect(lambda topic: self.reload() if topic in TOPICS else None)
        self.reload()

    def reload(self) -> None:
        google, actor, prospect_id = self.session.services.google, self.session.actor, self.prospect.prospect_id
        self.session.runner.submit(
            lambda: (google.timeline(actor, prospect_id), google.folder_link(actor, prospect_id),
                     google.status(actor)),
            owner=self, key="timeline", on_done=self._show, on_error=lambda exc: show_error(exc, self))

    def _show(self, loaded: tuple[list[TimelineEntry], str | None, GoogleStatus]) -> None:
        entries, self.folder, status = loaded
        self.model.set_records(entries)
        self.table.resizeColumnsToContents()
        self.buttons["drive"].setText("Open &Drive folder" if self.folder else "Make &Drive folder")
        usable = status.configured and status.connected and not status.needs_reconnect
        if not usable:
            self.message.setText(status.summary + ": what you queue waits in the outbox (CRM › Google).")
        elif not self.mail_read and self.prospect.email and allowed(self.session.actor.role, CrmPermission.GOOGLE):
            self.mail_read = True
            self.read_mail()

    def _queued(self, result: tuple[OutboxJob, bool]) -> None:
        job, new = result
        self.message.setText(f"Queued: {job.summary}." if new else
                             f"Already in the outbox ({job.status.value}): {job.summary}.")
        _kick(self.session)
        self.reload()

    def _queue(self, call: Callable[[], tuple[OutboxJob, bool]]) -> None:
        self.session.runner.submit(call, owner=self, changes={OUTBOX_TOPIC}, on_done=self._queued,
                                   on_error=lambda exc: show_error(exc, self))

    def open_email(self) -> None:
        self.dialog = EmailDialog(self.session, self.prospect, self)
        self.dialog.accepted.connect(lambda: self._queued(self.dialog.result_value))
        self.dialog.open()

    def open_meeting(self) -> None:
        self.dialog = MeetingDialog(self.session, self.prospect, self)
        self.dialog.accepted.connect(lambda: self._queued(self.dialog.result_value))
        self.dialog.open()

    def open_folder(self) -> None:
        if self.folder:
            self.open_link(self.folder)
            return
        google, actor, prospect_id = self.session.services.google, self.session.actor, self.prospect.prospect_id
        self._queue(lambda: google.drive_folder(actor, prospect_id))

    def choose_upload(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Upload to the prospect's Drive folder")
        if name:
            self.upload(Path(name))

    def upload(self, path: Path) -> None:
        google, actor, prospect_id = self.session.services.google, self.session.actor, self.prospect.prospect_id
        self._queue(lambda: google.upload(actor, prospect_id, path.name, path.read_bytes()))

    def read_mail(self) -> None:
        google, actor, prospect_id = self.session.services.google, self.session.actor, self.prospect.prospect_id
        self.message.setText("Reading Gmail…")
        self.session.runner.submit(
            lambda: google.sync_mail(actor, prospect_id), owner=self, key="mail",
            on_done=lambda n: (self.message.setText(f"{n} new message(s) from Gmail."), self.reload()),
            on_error=lambda exc: self.message.setText(describe_error(exc)))

    def selected_meeting(self) -> TimelineEntry | None:
        rows = self.table.selectionModel().selectedRows()
        entry = self.model.record(rows[0].row()) if rows else None
        if entry is None or not entry.meeting:
            self.message.setText("Select a meeting in the list first.")
            return None
        return entry

    def move_meeting(self) -> None:
        entry = self.selected_meeting()
        if entry is not None:
            self.dialog = MeetingDialog(self.session, self.prospect, self, moving=entry.job_id)
            self.dialog.accepted.connect(lambda: self._queued(self.dialog.result_value))
            self.dialog.open()

    def cancel_meeting(self) -> None:
        entry = self.selected_meeting()
        if entry is not None:
            google, actor = self.session.services.google, self.session.actor
            self._queue(lambda: google.cancel_meeting(actor, entry.job_id))

    def open_link(self, link: str) -> None:
        if link:
            QDesktopServices.openUrl(QUrl(link))


def add_google_actions(menu: QMenu, session: UiSession, prospect: Prospect, parent: QWidget,
                       open_detail: Callable[[str], None]) -> None:
    """The card menu's Google entries: E-mail… and Schedule meeting… open their dialogs; Google… the details."""
    may_act = allowed(session.actor.role, CrmPermission.GOOGLE) and bool(prospect.email)

    def dialog(kind: type[EmailDialog] | type[MeetingDialog]) -> None:
        made = kind(session, prospect, parent)  # owned by ``parent``
        made.accepted.connect(lambda: _kick(session))
        made.open()

    for name, text, run in (("emailAction", "E-mail…", lambda: dialog(EmailDialog)),
                            ("meetingAction", "Schedule meeting…", lambda: dialog(MeetingDialog))):
        action = menu.addAction(text)
        action.setObjectName(name)
        action.setEnabled(may_act)
        action.triggered.connect(run)
    drive = menu.addAction("Drive folder and documents…")
    drive.setObjectName("driveAction")
    drive.triggered.connect(lambda: open_detail(prospect.prospect_id))


def attach_to_detail(dialog: QWidget, session: UiSession, prospect: Prospect) -> ProspectGooglePanel:
    """Add the prospect's Google panel to its details dialog, above the dialog's buttons."""
    panel = ProspectGooglePanel(session, prospect, dialog)
    layout = dialog.layout()
    if isinstance(layout, QVBoxLayout):
        layout.insertWidget(layout.count() - 1, panel, 1)
    dialog.resize(max(dialog.width(), 900), max(dialog.height(), 720))
    return panel
