"""Admin → Backups: restoring a backup over the open database, with four eyes, from the window.

"Request restore…" asks a second person (another administrator or a compliance officer) to approve restoring
the selected backup (``RestoreApprovals.request``, the backup checked with its passphrase first). "Restore over
this database…" is enabled once that approval exists for the very file (or, with nobody else in the database
who may approve, against the administrator's own password and MFA code, as the CLI asks); its dialog checks
the backup and the password in the worker, then hands a ``RestorePlan`` to the start-up flow through
``SessionSignals.restore_over``: the window closes, the database is closed, the restore runs in the worker
with its steps in the progress window (``services.restore.restore_into``: the same staged, audited restore as
``fidus backup restore --force``), and the restored database is opened and asks for a sign-in
(``ui.startup``). Nothing here writes the database but the request itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from fidus_desktop.security.backup_format import BackupReport
from fidus_desktop.security.crypto import WrongPassphrase
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.restore_approval import RestoreGate, RestoreRequest
from fidus_desktop.services.users import AuthenticationFailed, SecondFactorRequired
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.admin.user_dialogs import password_edit
from fidus_desktop.ui.session import UiSession

if TYPE_CHECKING:
    from fidus_desktop.ui.backup_scheduler import BackupScheduler


@dataclass(frozen=True, repr=False)
class RestorePlan:
    """A restore over the open database the user confirmed: which file, its passphrase, who runs it."""

    path: Path
    passphrase: str
    actor: Actor


def _passphrase_field(dialog: ServiceFormDialog, scheduler: BackupScheduler) -> QLineEdit:
    field = dialog.add_field("passphrase", "Backup passphrase", password_edit())
    if scheduler.passphrase() is not None:
        field.setPlaceholderText("empty: the passphrase stored on this computer")
    return field


def _checked(session: UiSession, typed: str, scheduler: BackupScheduler, path: Path) -> tuple[str, BackupReport]:
    """The passphrase that opens ``path`` (typed, else the stored one) and the backup, every chunk checked."""
    passphrase = typed or scheduler.passphrase()
    if not passphrase:
        raise ValidationError({"passphrase": "Type the backup passphrase."})
    try:
        return passphrase, session.services.backup.verify(path, passphrase)
    except WrongPassphrase as exc:
        raise ValidationError({"passphrase": str(exc)}) from exc


class RequestRestoreDialog(ServiceFormDialog):
    """Ask a second person to approve restoring one backup over this database (``backup.restore``)."""

    def __init__(self, session: UiSession, scheduler: BackupScheduler, path: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, "Request restore", "Request", parent)
        self.scheduler, self.path = scheduler, path
        note = QLabel(f"Restoring {path.name} over this database throws away every change made since it was "
                      "written. Another administrator or a compliance officer approves the request (valid 24 "
                      "hours); then you run the restore here.", wordWrap=True)
        self.form.addRow(note)
        self.reason = self.add_field("reason", "Reason", QLineEdit(placeholderText="why the database must go back"))
        self.passphrase = _passphrase_field(self, scheduler)

    def call(self) -> RestoreRequest:
        if not self.reason.text().strip():
            raise ValidationError({"reason": "Say why the database must go back to this backup."})
        _, report = _checked(self.session, self.passphrase.text(), self.scheduler, self.path)
        return self.session.services.restore_approvals.request(self.session.actor, self.path, report,
                                                               self.reason.text())


class RestoreOverDialog(ServiceFormDialog):
    """Confirm a restore over the open database; checks the backup (and the password when nobody else may
    approve) in the worker and returns a ``RestorePlan``; the restore itself runs after the window closes."""

    def __init__(self, session: UiSession, scheduler: BackupScheduler, path: Path, gate: RestoreGate,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, "Restore over this database", "Close and restore", parent)
        self.scheduler, self.path, self.gate = scheduler, path, gate
        authority = (f"Approved by {gate.approval.decided_by}." if gate.approval is not None
                     else "Nobody else in this database may approve a restore, so your own password (and MFA code) "
                          "authorises it; the audit trail says so.")
        where = session.context.store.describe()
        note = QLabel(f"Replace {where} with {path.name}? Every change made since the backup was written is "
                      f"discarded. {authority}\n\nFIDUS Desktop closes this window and the database, restores, "
                      "then opens the restored database and asks you to sign in to it. Other workstations must "
                      "close it first.", wordWrap=True, objectName="restoreOverNote")
        self.form.addRow(note)
        self.passphrase = _passphrase_field(self, scheduler)
        self.password: QLineEdit | None = None
        self.code: QLineEdit | None = None
        if gate.needs_password:
            self.password = self.add_field("password", "Your password", password_edit())
            self.code = self.add_field("code", "MFA code", QLineEdit(placeholderText="if you use two-step sign-in"))

    def call(self) -> RestorePlan:
        passphrase, _ = _checked(self.session, self.passphrase.text(), self.scheduler, self.path)
        if self.password is not None:
            self._sign_in_again(self.password.text(), self.code.text() if self.code else "")
        return RestorePlan(self.path, passphrase, self.session.actor)

    def _sign_in_again(self, password: str, code: str) -> None:
        """The administrator's own sign-in (password, MFA, lockout) is the gate without a second approver."""
        users, actor = self.session.services.users, self.session.actor
        try:
            try:
                user = users.authenticate(actor.username, password)
            except SecondFactorRequired as needed:
                if not code.strip():
                    raise ValidationError({"code": "Type the code from your authenticator app."}) from None
                user = users.complete_mfa(needed.challenge, code)
        except AuthenticationFailed as exc:
            raise ValidationError({"password": str(exc)}) from exc
        if user.user_id != actor.user_id:
            raise ValidationError({"password": "That is not the signed-in user's password."})
