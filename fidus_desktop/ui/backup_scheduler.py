"""Automatic backups for a signed-in session (every ``backup.every_hours``, daily by default): checked hourly,
run in the worker, into ``backup.folder`` keeping ``backup.keep`` copies (the oldest is deleted only after the
new one verified).

One scheduler per signed-in session (``UiSession.backups``): the main window starts it and stops it on close
or sign-out, and Admin → Backups uses the same one for "Back up now". Backups run as the signed-in user, so
the audit trail names who was signed in and ``backup.run`` is checked as for any backup: while a user without
it is signed in nothing runs and the status bar says who it runs for. The passphrase comes only from the
keyring (``backup-passphrase``); without it nothing runs and the status bar and the Backups section say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.config.secrets import SecretsUnavailable
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.backup import last_backup_time
from fidus_desktop.services.permissions import ROLE_PERMISSIONS, Permission, allowed
from fidus_desktop.ui.admin.user_dialogs import ROLE_LABELS
from fidus_desktop.ui.background import Runner
from fidus_desktop.ui.errors import describe_error

PASSPHRASE_SECRET = "backup-passphrase"  # noqa: S105 - the keyring entry's name, not a secret
CHECK_EVERY_MS = 60 * 60 * 1000
OFF_TEXT = "Automatic backup: off, no backup passphrase is set (Admin → Backups)"


def not_allowed_text() -> str:
    """The status line while a user who may not make backups is signed in."""
    roles = [ROLE_LABELS[role] for role, granted in ROLE_PERMISSIONS.items() if Permission.BACKUP_RUN in granted]
    return f"Automatic backup: runs when a user with the role {' or '.join(roles)} is signed in"


def last_backup_text(last: datetime | None) -> str:
    return f"Last backup: {last.astimezone():%Y-%m-%d %H:%M}" if last else "Last backup: never"


@dataclass(frozen=True)
class CheckResult:
    """What one check found in the worker: the newest backup, the one just written, or why none runs."""

    last: datetime | None
    written: Path | None = None
    passphrase_missing: bool = False


class BackupScheduler(QObject):
    """Runs the day's backup when one is due; ``finished``/``failed`` carry a message for the Backups section,
    ``status(text, ok)`` the line for the status bar."""

    finished = Signal(str)
    failed = Signal(str)
    status = Signal(str, bool)

    def __init__(self, context: AppContext, runner: Runner, actor: Actor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context, self.runner, self.actor = context, runner, actor
        self.running = False
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.check)

    @property
    def may_back_up(self) -> bool:
        return allowed(self.actor.role, Permission.BACKUP_RUN)

    def now(self) -> datetime:
        """The services' clock, which also names the backup files."""
        return self.context.services.ctx.clock()

    def start(self) -> None:
        """Check now and then hourly; only a status line when the signed-in user may not make backups."""
        if not self.may_back_up:
            self.status.emit(not_allowed_text(), True)
            return
        self.timer.start()
        self.check()

    def stop(self) -> None:
        """No further checks (window closed, signed out); a backup already running finishes in the worker."""
        self.timer.stop()

    def folder(self) -> Path:
        return Path(self.context.settings.get("backup.folder") or self.context.paths.default_backup_dir)

    def keep(self) -> int:
        return int(self.context.settings.get("backup.keep", 14))

    def every(self) -> timedelta:
        """How long after the newest backup the next is due (setting ``backup.every_hours``)."""
        return timedelta(hours=int(self.context.settings.get("backup.every_hours", 24)))

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
        return last is None or now - last >= self.every()

    def check(self) -> None:
        """In the worker: back up if ``every()`` passed since the newest backup in the folder."""
        self._submit(self.actor, lambda: self.due(self.now()))

    def run_now(self, actor: Actor) -> bool:
        """Back up at once (Admin → Backups); False when one is running or no passphrase is stored."""
        if self.running or self.passphrase() is None:
            return False
        self._submit(actor, lambda: True)
        return True

    def _submit(self, actor: Actor, wanted: Callable[[], bool]) -> None:
        if self.running:
            return
        self.running = True
        backup, folder, keep = self.context.services.backup, self.folder(), self.keep()

        def job() -> CheckResult:
            passphrase = self.passphrase()
            if passphrase is None:
                return CheckResult(self.last_backup(), passphrase_missing=True)
            if not wanted():
                return CheckResult(self.last_backup())
            written = backup.run_scheduled(actor, folder, passphrase, keep)
            return CheckResult(self.last_backup(), written)

        self.runner.submit(job, owner=self, key="backup", on_done=self._checked, on_error=self._failed)

    def _checked(self, result: CheckResult) -> None:
        self.running = False
        if result.passphrase_missing:
            self.status.emit(OFF_TEXT, False)
            return
        self.status.emit(last_backup_text(result.last), True)
        if result.written is not None:
            self.finished.emit(f"Backed up to {result.written}.")

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        message = describe_error(exc)
        self.status.emit(f"Backup failed: {message}", False)
        self.failed.emit(f"The backup failed: {message}")
