"""Admin → Backups: where automatic backups go and when the last one ran; back up now; restore a backup
into a NEW database file and tell the user to restart on it, or — with a second person's approval — over the
open database (``ui.admin.restore_over``: the window closes, the restore runs, the restored database opens).

The automatic backups themselves belong to the main window (``UiSession.backups``); this section shows and
drives that same scheduler, so opening it never starts a second one. The backups in the folder are listed
(newest first, with date and size); Verify opens and checks the selected one with the stored passphrase
(in the worker), Restore into a new file… starts from the selected one; Request restore… and Restore over this
database… act on the selected one (the buttons say in their tooltip why they are off). Below, the restore
requests of this database wait for a second person's approval (``ui.admin.restore_requests``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.errors import UserError
from fidus_desktop.security.backup_format import BackupReport
from fidus_desktop.services.backup import RestoreReport, backup_files, check_passphrase
from fidus_desktop.services.permissions import Permission, allowed
from fidus_desktop.services.restore_approval import RestoreGate, backup_fingerprint
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.admin.keys_view import PassphraseDialog
from fidus_desktop.ui.admin.restore_over import RequestRestoreDialog, RestoreOverDialog
from fidus_desktop.ui.admin.restore_requests import RestoreRequestsPanel
from fidus_desktop.ui.backup_scheduler import BackupScheduler, last_backup_text
from fidus_desktop.ui.common.buttons import button_bar
from fidus_desktop.ui.common.keys import refresh_on_f5
from fidus_desktop.ui.common.lazy_table import RIGHT, Column
from fidus_desktop.ui.common.record_table import RecordTableModel
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

AUTOMATIC_OFF_TEXT = "Automatic backups need a passphrase: set one to start them."


@dataclass(frozen=True)
class BackupFile:
    path: Path
    written: datetime
    size: int


def list_backups(folder: Path) -> list[BackupFile]:
    """The backups in ``folder``, newest first (runs in the worker: it reads the folder)."""
    found = []
    for path in reversed(backup_files(folder)):
        stat = path.stat()
        found.append(BackupFile(path, datetime.fromtimestamp(stat.st_mtime, UTC), stat.st_size))
    return found


BACKUP_COLUMNS: list[Column[BackupFile]] = [
    Column("Backup", lambda b: b.path.name),
    Column("Written", lambda b: b.written.astimezone().strftime("%Y-%m-%d %H:%M"), value=lambda b: b.written),
    Column("Size", lambda b: f"{b.size / 1_048_576:,.1f} MB", align=RIGHT, value=lambda b: b.size),
]


class BackupsView(QWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("backupsView")
        if session.backups is None:
            raise ValueError("Admin → Backups shows the main window's backup scheduler; set UiSession.backups first.")
        self.scheduler = session.backups
        self.scheduler.finished.connect(self._report)
        self.scheduler.failed.connect(self._report)
        self.dialog: QDialog | None = None
        self.folder_label = QLabel(objectName="backupFolder", wordWrap=True)
        self.last_label = QLabel(objectName="lastBackup")
        self.passphrase_label = QLabel(objectName="passphraseState", wordWrap=True)
        self.message = QLabel(objectName="backupMessage", wordWrap=True)
        bar, self.buttons = button_bar(
            [
                ("set_passphrase", "Set &passphrase…", self.set_passphrase),
                ("configure", "&Folder and schedule…", self.configure),
                ("backup_now", "&Back up now", self.back_up_now),
                ("verify", "&Verify", self.verify),
                ("restore", "&Restore into a new file…", self.restore),
                ("request_restore", "Re&quest restore…", self.request_restore),
                ("restore_over", "Restore &over this database…", self.restore_over),
            ]
        )
        self.gate: RestoreGate | None = None  # what a restore of the selected backup over this database needs
        self.files = RecordTableModel(BACKUP_COLUMNS, self)
        self.table = QTableView(objectName="backupsTable")
        self.table.setModel(self.files)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_verify())
        self.export = TableExport(self.table, "Backups", session.runner)
        bar.addWidget(self.export.button)
        layout = QVBoxLayout(self)
        for widget in (self.folder_label, self.last_label, self.passphrase_label):
            layout.addWidget(widget)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        self.requests = RestoreRequestsPanel(session, self)
        layout.addWidget(self.requests)
        session.signals.data_changed.connect(self._changed)
        refresh_on_f5(self, self.refresh)
        self.refresh()

    def refresh(self) -> None:
        scheduler = self.scheduler
        self.session.runner.submit(
            lambda: (scheduler.folder(), scheduler.last_backup(), scheduler.passphrase() is not None),
            owner=self, key="refresh", on_done=lambda result: self._show(*result),
        )
        self.session.runner.submit(lambda: list_backups(scheduler.folder()), owner=self, key="files",
                                   on_done=self.files.set_records)

    def selected_file(self) -> BackupFile | None:
        rows = self.table.selectionModel().selectedRows()
        return self.files.record(rows[0].row()) if rows else None

    def _update_verify(self) -> None:
        why = "" if self.selected_file() else "Select a backup in the list first."
        self.buttons["verify"].setEnabled(not why)
        self.buttons["verify"].setToolTip(why)
        self._update_restore_over()

    def _changed(self, what: str) -> None:
        if what in ("restore_request", "*"):  # a request decided here or on another workstation
            self.requests.refresh()
            self._update_restore_over()

    def _update_restore_over(self) -> None:
        """Request restore… and Restore over this database… for the selected backup: the gate is looked up in
        the worker (the file is hashed: an approval is for its bytes, not its name)."""
        chosen = self.selected_file()
        why = ("Your role may not restore backups." if not allowed(self.session.actor.role, Permission.BACKUP_RESTORE)
               else "The database is open read-only." if self.session.context.store.read_only
               else "Select a backup in the list first." if chosen is None else "")
        self.gate = None
        self._set_button("request_restore", why)
        self._set_button("restore_over", why or "Checking what a restore of this backup needs…")
        if why or chosen is None:
            return
        approvals, actor = self.session.services.restore_approvals, self.session.actor
        self.session.runner.submit(lambda: approvals.gate(actor, backup_fingerprint(chosen.path)), owner=self,
                                   key="gate", on_done=self._show_gate,
                                   on_error=lambda exc: self._set_button("restore_over", describe_error(exc)))

    def _show_gate(self, gate: RestoreGate) -> None:
        self.gate = gate
        self._set_button("request_restore", "Nobody else in this database may approve a restore: restore over it "
                                            "directly (your password authorises it)." if gate.needs_password else "")
        self._set_button("restore_over", gate.why_not)

    def _set_button(self, name: str, why: str) -> None:
        self.buttons[name].setEnabled(not why)
        self.buttons[name].setToolTip(why)

    def verify(self) -> None:
        """Open the selected backup and check every chunk with the stored passphrase (in the worker)."""
        chosen, scheduler, backup = self.selected_file(), self.scheduler, self.session.services.backup
        if chosen is None:
            return
        self.message.setText(f"Verifying {chosen.path.name}…")

        def check() -> BackupReport:
            passphrase = scheduler.passphrase()
            if passphrase is None:
                raise UserError("No backup passphrase is stored on this computer: use Restore…, which asks for it.")
            return backup.verify(chosen.path, passphrase)

        self.session.runner.submit(
            check, owner=self, key="verify",
            on_done=lambda _: self.message.setText(f"✔ {chosen.path.name} opens and every checksum matches."),
            on_error=lambda exc: self.message.setText(f"✘ {chosen.path.name}: {describe_error(exc)}"))

    def _show(self, folder: Path, last: Any, has_passphrase: bool) -> None:
        self._update_verify()
        hours = int(self.scheduler.every().total_seconds() // 3600)
        often = "daily" if hours == 24 else f"every {hours} hours"
        self.folder_label.setText(f"Folder: {folder} · {often}, keeping {self.scheduler.keep()} copies")
        self.last_label.setText(last_backup_text(last))
        self.passphrase_label.setText("Automatic backups are on." if has_passphrase else AUTOMATIC_OFF_TEXT)
        why = ("Set the backup passphrase first (Set passphrase…): backups are encrypted with it."
               if not has_passphrase else "A backup is running." if self.scheduler.running else "")
        self.buttons["backup_now"].setEnabled(not why)
        self.buttons["backup_now"].setToolTip(why)

    def _report(self, text: str) -> None:
        self.message.setText(text)
        self.refresh()

    def set_passphrase(self) -> None:
        scheduler = self.scheduler

        def store(passphrase: str) -> None:
            scheduler.set_passphrase(check_passphrase(passphrase))

        self.dialog = PassphraseDialog(
            self.session, "Backup passphrase", "Save", store, confirm=True, parent=self,
            note="Backups are encrypted with this passphrase; it is kept in this computer's keyring. Keep a copy "
                 "in the office safe: a backup cannot be restored without it.")
        self.dialog.finished.connect(lambda _: self.refresh())
        self.dialog.open()

    def configure(self) -> None:
        dialog = BackupSettingsDialog(self.session, self.scheduler, self)
        dialog.accepted.connect(lambda: self._report("Backup folder and schedule saved."))
        self.dialog = dialog
        dialog.open()

    def back_up_now(self) -> None:
        self.message.setText("Backing up…")
        self.buttons["backup_now"].setEnabled(False)
        if not self.scheduler.run_now(self.session.actor):
            self.message.setText("A backup is already running, or no backup passphrase is set.")
            self.refresh()

    def restore(self) -> None:
        chosen = self.selected_file()
        source = str(chosen.path) if chosen else QFileDialog.getOpenFileName(
            self, "Backup to restore", str(self.scheduler.folder()), "FIDUS backups (*.fidusbak);;All files (*)")[0]
        if not source:
            return
        target, _ = QFileDialog.getSaveFileName(self, "New database file to restore into",
                                                str(self.session.context.paths.data_dir), "Databases (*.db)")
        if not target:
            return
        target_uri = f"sqlite:///{Path(target).as_posix()}"
        if target_uri == self.session.context.db_uri or Path(target).exists():
            self.message.setText("Choose a new database file: a restore never overwrites an existing database.")
            return
        backup, actor = self.session.services.backup, self.session.actor

        def run(passphrase: str) -> RestoreReport:
            return backup.restore(actor, Path(source), passphrase, target_uri)

        self.dialog = PassphraseDialog(
            self.session, "Restore backup", "Restore", run, parent=self,
            note=f"Restore {Path(source).name} into the new database {target}? The open database is not changed.")
        self.dialog.accepted.connect(lambda: self._restored(target_uri))
        self.dialog.open()

    def request_restore(self) -> None:
        chosen = self.selected_file()
        if chosen is None:
            return
        dialog = RequestRestoreDialog(self.session, self.scheduler, chosen.path, self)
        dialog.changes = frozenset({"restore_request"})
        dialog.accepted.connect(lambda: self._requested(dialog.result_value))
        self.dialog = dialog
        dialog.open()

    def _requested(self, request: Any) -> None:
        self.message.setText(f"Restore of {request.backup_name} requested: another administrator or a compliance "
                             f"officer approves it (until {request.expires_at.astimezone():%Y-%m-%d %H:%M}); then "
                             "use Restore over this database….")
        self.requests.refresh()
        self._update_restore_over()

    def restore_over(self) -> None:
        chosen, gate = self.selected_file(), self.gate
        if chosen is None or gate is None or not gate.may_run:
            return
        dialog = RestoreOverDialog(self.session, self.scheduler, chosen.path, gate, self)
        dialog.accepted.connect(lambda: self.session.signals.restore_over.emit(dialog.result_value))
        self.dialog = dialog
        dialog.open()

    def _restored(self, target_uri: str) -> None:
        text = (f"Restored into {target_uri}. To work on it, close FIDUS Desktop and start it with "
                f"--db {target_uri} (or set it as the database in the settings).")
        self.message.setText(text)
        box = QMessageBox(QMessageBox.Icon.Information, "Restore finished", text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("restoredBox")
        box.open()


class BackupSettingsDialog(ServiceFormDialog):
    """Where automatic backups go, how often and how many are kept (``BackupService.configure``, audited)."""

    def __init__(self, session: UiSession, scheduler: BackupScheduler, parent: QWidget | None = None) -> None:
        super().__init__(session, "Backup folder and schedule", "Save", parent)
        settings = session.context.settings
        self.folder = QLineEdit(settings.get("backup.folder") or "")
        self.folder.setPlaceholderText(f"empty: {session.context.paths.default_backup_dir}")
        browse = QPushButton("B&rowse…", objectName="browse")
        browse.clicked.connect(self.browse)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.folder, 1)
        line.addWidget(browse)
        self.add_field("folder", "Folder", row)
        self.folder.setObjectName("folderEdit")
        self.every = self.add_field("every_hours", "Back up every", QSpinBox(minimum=1, maximum=24 * 7,
                                                                           suffix=" hours"))
        self.every.setValue(int(scheduler.every().total_seconds() // 3600))
        self.keep = self.add_field("keep", "Copies kept", QSpinBox(minimum=1, maximum=1000))
        self.keep.setValue(scheduler.keep())

    def browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Folder for automatic backups", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def call(self) -> None:
        context = self.session.context
        context.services.backup.configure(self.session.actor, context.settings, self.folder.text(), self.keep.value(),
                                          self.every.value())
