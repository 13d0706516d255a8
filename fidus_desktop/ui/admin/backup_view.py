"""Admin → Backups: where automatic backups go and when the last one ran; back up now; restore a backup
into a NEW database file (never over the open one) and tell the user to restart on it.

The automatic backups themselves belong to the main window (``UiSession.backups``); this section shows and
drives that same scheduler, so opening it never starts a second one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.services.backup import RestoreReport, check_passphrase
from fidus_desktop.ui.admin.keys_view import PassphraseDialog
from fidus_desktop.ui.backup_scheduler import last_backup_text
from fidus_desktop.ui.common.buttons import button_bar
from fidus_desktop.ui.session import UiSession

AUTOMATIC_OFF_TEXT = "Automatic backups need a passphrase: set one to start them."


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
        self.dialog: PassphraseDialog | None = None
        self.folder_label = QLabel(objectName="backupFolder", wordWrap=True)
        self.last_label = QLabel(objectName="lastBackup")
        self.passphrase_label = QLabel(objectName="passphraseState", wordWrap=True)
        self.message = QLabel(objectName="backupMessage", wordWrap=True)
        bar, self.buttons = button_bar(
            [
                ("set_passphrase", "Set passphrase…", self.set_passphrase),
                ("backup_now", "Back up now", self.back_up_now),
                ("restore", "Restore…", self.restore),
            ]
        )
        layout = QVBoxLayout(self)
        for widget in (self.folder_label, self.last_label, self.passphrase_label):
            layout.addWidget(widget)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addStretch()
        self.refresh()

    def refresh(self) -> None:
        scheduler = self.scheduler
        self.session.runner.submit(
            lambda: (scheduler.folder(), scheduler.last_backup(), scheduler.passphrase() is not None),
            owner=self, key="refresh", on_done=lambda result: self._show(*result),
        )

    def _show(self, folder: Path, last: Any, has_passphrase: bool) -> None:
        self.folder_label.setText(f"Folder: {folder} (keeping {self.scheduler.keep()} copies)")
        self.last_label.setText(last_backup_text(last))
        self.passphrase_label.setText("Automatic daily backups are on." if has_passphrase else AUTOMATIC_OFF_TEXT)
        self.buttons["backup_now"].setEnabled(has_passphrase and not self.scheduler.running)

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

    def back_up_now(self) -> None:
        self.message.setText("Backing up…")
        self.buttons["backup_now"].setEnabled(False)
        if not self.scheduler.run_now(self.session.actor):
            self.message.setText("A backup is already running, or no backup passphrase is set.")
            self.refresh()

    def restore(self) -> None:
        source, _ = QFileDialog.getOpenFileName(self, "Backup to restore", str(self.scheduler.folder()),
                                                "FIDUS backups (*.fidusbak);;All files (*)")
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
        backup, actor, context = self.session.services.backup, self.session.actor, self.session.context

        def run(passphrase: str) -> RestoreReport:
            store = context.open_other_store(target_uri)
            try:
                return backup.restore(actor, Path(source), passphrase, store)
            finally:
                store.close()

        self.dialog = PassphraseDialog(
            self.session, "Restore backup", "Restore", run, parent=self,
            note=f"Restore {Path(source).name} into the new database {target}? The open database is not changed.")
        self.dialog.accepted.connect(lambda: self._restored(target_uri))
        self.dialog.open()

    def _restored(self, target_uri: str) -> None:
        text = (f"Restored into {target_uri}. To work on it, close FIDUS Desktop and start it with "
                f"--db {target_uri} (or set it as the database in the settings).")
        self.message.setText(text)
        box = QMessageBox(QMessageBox.Icon.Information, "Restore finished", text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("restoredBox")
        box.open()
