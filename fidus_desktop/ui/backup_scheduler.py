"""Automatic daily backups: checked hourly, run in the worker, into ``backup.folder`` keeping ``backup.keep``
copies (the oldest is deleted only after the new one verified). The passphrase comes from the keyring
(``backup-passphrase``); without it nothing runs and the Backups section says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.config.secrets import SecretsUnavailable
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.backup import last_backup_time
from fidus_desktop.ui.background import Runner

PASSPHRASE_SECRET = "backup-passphrase"  # noqa: S105 - the keyring entry's name, not a secret
DAILY = timedelta(days=1)
CHECK_EVERY_MS = 60 * 60 * 1000


class BackupScheduler(QObject):
    """Runs the day's backup when one is due; ``finished``/``failed`` carry a message for the status line."""

    finished = Signal(str)
    failed = Signal(str)

    def __init__(self, context: AppContext, runner: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.runner = runner
        self.running = False
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        self.timer.start()
        self.check()

    def folder(self) -> Path:
        return Path(self.context.settings.get("backup.folder") or self.context.paths.default_backup_dir)

    def keep(self) -> int:
        return int(self.context.settings.get("backup.keep", 14))

    def passphrase(self) -> str | None:
        try:
            return self.context.secrets.get(PASSPHRASE_SECRET)
        except SecretsUnavailable:
            return None

    def set_passphrase(self, passphrase: str) -> None:
        self.context.secrets.set(PASSPHRASE_SECRET, passphrase)

    def last_backup(self) -> datetime | None:
        return last_backup_time(self.folder())

    def due(self, now: datetime) -> bool:
        last = self.last_backup()
        return last is None or now - last >= DAILY

    def check(self) -> None:
        if self.due(datetime.now(UTC)):
            self.run_now(Actor.system("backup scheduler"))

    def run_now(self, actor: Actor) -> bool:
        """Start a backup in the worker; False when one is running or no passphrase is stored."""
        passphrase = self.passphrase()
        if self.running or passphrase is None:
            return False
        self.running = True
        backup, folder, keep = self.context.services.backup, self.folder(), self.keep()
        self.runner.submit(
            lambda: backup.run_scheduled(actor, folder, passphrase, keep),
            on_done=lambda path: self._ended(self.finished, f"Backed up to {path}."),
            on_error=lambda exc: self._ended(self.failed, f"The backup failed: {exc}"),
        )
        return True

    def _ended(self, signal: SignalInstance, message: str) -> None:
        self.running = False
        signal.emit(message)
