"""From launch to a signed-in main window, with every slow step (database, migrations, demo, argon2) in the worker.

Empty or missing database → first-run wizard (a missing file is created only when the wizard finishes, so a
mistyped ``--db`` or a cancelled first start leaves nothing behind); otherwise → sign-in, then a forced password
change or MFA enrolment when the account owes one. ``--demo`` builds a fresh demo database and signs in as the
demo administrator (no password, no MFA enrolment: the data is fictitious and replaced on every demo start), on
the demo's own clock (its "today" is the day its data ends).
Start-up errors (bad URI, unreachable or corrupt database, settings file, keyring) end in a dialog naming the
problem and the fix, and exit code 2; nothing is overwritten. An unexpected error is logged with its trace and
a reference the dialog quotes, and exits 1.

Signing out (File → Sign out, or "Sign out" on the idle lock) is audited (``user.sign_out``), ends the
session's idle lock and automatic backups, closes its window and asks for a sign-in again on the same open
database; another user may sign in and gets a window with their own tabs. Cancelling that sign-in quits.

Restoring a backup over the open database (Admin → Backups → Restore over this database…, ``ui.admin.restore_over``)
goes the same way: the window closes, the database is closed (SQLite refuses to replace a file still open), the
restore runs in the worker with each step in the progress window, the database is opened again — restored, or
as it was if the restore was refused or failed — a message says which, and the sign-in dialog asks for a user
of the database now open.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QProgressDialog, QWidget

from fidus_desktop.bootstrap import AppContext, demo_database_path, open_context, open_restore_target
from fidus_desktop.config.paths import AppPaths
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.errors import is_expected, report
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.demo import demo_clock, load_demo
from fidus_desktop.services.restore import RestoreOutcome, restore_into
from fidus_desktop.services.users import User
from fidus_desktop.store.errors import DatabaseMissing, StorageError
from fidus_desktop.ui.admin.restore_over import RestorePlan
from fidus_desktop.ui.admin.user_dialogs import ROLE_LABELS
from fidus_desktop.ui.background import Runner
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.first_run import FirstRunWizard
from fidus_desktop.ui.idle_lock import IdleLock, install_idle_lock
from fidus_desktop.ui.login import LoginDialog
from fidus_desktop.ui.main_window import MainWindow
from fidus_desktop.ui.mfa_dialogs import TotpEnrolmentDialog
from fidus_desktop.ui.password_change import ChangePasswordDialog
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.splash import progress_dialog

log = logging.getLogger(__name__)


class _Steps(QObject):
    """A restore's steps, from the worker to the progress window (a queued signal)."""

    text = Signal(str)


@dataclass
class StartupOptions:
    db_uri: str | None = None
    demo: bool = False
    tab: str | None = None
    restore_state: bool = True


def startup_message(exc: BaseException) -> str:
    """What to tell the user when the application cannot start (logs ``exc`` once, with its trace if unexpected)."""
    message = report(exc, log, doing="start-up", log_hint=str(AppPaths.for_user().log_file))
    if is_expected(exc):
        return f"FIDUS Desktop cannot open its data.\n\n{message}\n\nNothing was changed."
    return f"FIDUS Desktop could not start.\n\n{message}"


def fresh_demo_uri(paths: AppPaths) -> str:
    """Remove the previous demo database (and its WAL files): every ``--demo`` starts from the same office."""
    path = demo_database_path(paths)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path.as_posix()}"


class Startup(QObject):
    """Drives the start-up steps; ``finished(window or None, exit_code)`` when done.

    ``awaiting_input(dialog)`` fires whenever a step needs the user (wizard, sign-in, password change, MFA
    enrolment); ``--screenshot`` uses it to picture that dialog instead of waiting for a click that never comes.
    """

    finished = Signal(object, int)
    awaiting_input = Signal(object)

    def __init__(self, options: StartupOptions, runner: Runner, parent_widget: QWidget | None = None,
                 progress: QProgressDialog | None = None) -> None:
        """``progress``: the window ``ui.splash.show_starting`` painted before the imports, reused for the steps."""
        super().__init__()
        self.options, self.runner, self.parent_widget = options, runner, parent_widget
        self.context: AppContext | None = None
        self.missing: str | None = None  # the database file the first-run wizard would create
        self.window: MainWindow | None = None
        self.dialog: QDialog | None = None
        self.restore_box: QMessageBox | None = None  # what the last restore over the database came to
        self.progress = progress or progress_dialog(parent_widget, "Opening the database…")

    def start(self) -> None:
        opts = self.options

        def open_it() -> tuple[AppContext | None, User | None, bool]:
            if not opts.demo:
                try:
                    ctx = open_context(opts.db_uri, create=False)
                except DatabaseMissing as missing:  # the wizard asks before anything is created
                    self.missing = missing.path
                    return None, None, False
                return ctx, None, ctx.services.users.count() > 0
            # The demo keeps its secrets (its data key above all) in memory: it is rebuilt on every start, and
            # leaves nothing in the workstation's keyring. It runs on its own timeline (services.demo.demo_clock).
            ctx = open_context(fresh_demo_uri(AppPaths.for_user()), secrets=SecretStore(InMemoryKeyring()),
                               clock=demo_clock())
            return ctx, load_demo(ctx.services).made["admin"], True

        label = "Building the demo office…" if opts.demo else "Opening the database…"
        self._work(open_it, self._opened, label, self._cannot_start)

    def _work(
        self, fn: Callable[[], Any], then: Callable[[Any], None], label: str, failed: Callable[[BaseException], None]
    ) -> None:
        self.progress.setLabelText(label)
        self.progress.show()
        self.runner.submit(fn, owner=self, on_done=lambda result: self._step_done(then, result),
                           on_error=lambda exc: self._step_done(failed, exc))

    def _step_done(self, then: Callable[[Any], None], result: Any) -> None:
        self.progress.hide()
        then(result)

    def _opened(self, result: tuple[AppContext | None, User | None, bool]) -> None:
        self.context, demo_admin, has_users = result
        if demo_admin is not None:
            self._open_window(self._session(demo_admin))
        elif has_users:
            self._login()
        else:
            self._first_run()

    def _session(self, user: User) -> UiSession:
        assert self.context is not None
        return UiSession(self.context, user.actor(), self.runner)

    def _ask(self, dialog: QDialog, accepted: Callable[[], None]) -> None:
        """Show a step's dialog; cancelling any step ends the start-up without a window."""
        self.dialog = dialog
        dialog.accepted.connect(accepted)
        dialog.rejected.connect(lambda: self._finish(None, 0))
        dialog.open()
        self.awaiting_input.emit(dialog)

    def _first_run(self) -> None:
        wizard = FirstRunWizard(self.parent_widget, creates=self.missing)
        self._ask(wizard, lambda: self._wizard_done(wizard))

    def _context(self) -> AppContext:
        """The database, created now if the wizard was shown for a file that did not exist (runs in the worker)."""
        if self.context is None:
            self.context = open_context(self.options.db_uri)
            self.missing = None
        return self.context

    def _wizard_done(self, wizard: FirstRunWizard) -> None:
        def refused(exc: BaseException) -> None:
            wizard.refused(describe_error(exc))
            wizard.open()  # same page, input kept
            self.awaiting_input.emit(wizard)

        if wizard.wants_demo:
            self._work(lambda: load_demo(self._context().services).made["admin"],
                       lambda user: self._open_window(self._session(user)), "Loading the demo office…", refused)
        else:
            page = wizard.admin
            username, name, password = page.username.text(), page.display_name.text(), page.password.text()
            self._work(lambda: self._context().services.users.create_first_admin(username, password, name or None),
                       self._signed_in, "Creating the administrator…", refused)

    def _login(self) -> None:
        ctx = self.context
        assert ctx is not None
        dialog = LoginDialog(ctx.services.users, self.runner, ctx.store.describe(), self.parent_widget)
        self._ask(dialog, lambda: self._signed_in(dialog.user))

    def _signed_in(self, user: User) -> None:
        """The steps a real account may owe before working: its own password, then two-step sign-in."""
        session = self._session(user)
        if user.must_change_password:
            change = ChangePasswordDialog(session, self.parent_widget)
            self._ask(change, lambda: self._signed_in(change.user))
        elif user.must_enrol_mfa:
            self._ask(TotpEnrolmentDialog(session, self.parent_widget), lambda: self._open_window(session))
        else:
            self._open_window(session)

    def _open_window(self, session: UiSession) -> None:
        window = MainWindow(session, restore_state=self.options.restore_state)
        if self.options.tab and not window.select_tab(self.options.tab):
            role = ROLE_LABELS[session.actor.role]
            window.status_panel.showMessage(f"The {self.options.tab} tab is not shown to the role {role}.", 15_000)
        idle_lock = install_idle_lock(window, session)
        idle_lock.sign_out_requested.connect(lambda: self._sign_out(window, idle_lock))
        window.sign_out_requested.connect(lambda: self._sign_out(window, idle_lock))
        session.signals.restore_over.connect(lambda plan: self._restore_over(window, idle_lock, plan))
        window.closed.connect(self._close_context)
        self.idle_lock = idle_lock
        window.show()
        self._finish(window, 0)

    def _sign_out(self, window: MainWindow, idle_lock: IdleLock) -> None:
        """End the window's session and ask for a sign-in again; the database stays open."""
        users, actor = window.session.services.users, window.session.actor
        self.runner.submit(lambda: users.sign_out(actor), owner=None,
                           on_error=lambda _: log.warning("The sign-out was not audited (the error is logged above)."))
        self._login()  # shown before the window closes, so the application does not quit meanwhile
        self._end_window(window, idle_lock)

    def _end_window(self, window: MainWindow, idle_lock: IdleLock) -> None:
        """Close a session's window without closing the database (signing out, restoring)."""
        idle_lock.stop()
        window.closed.disconnect(self._close_context)
        window.close()
        window.deleteLater()
        self.window = None

    def _restore_over(self, window: MainWindow, idle_lock: IdleLock, plan: RestorePlan) -> None:
        """Close the window and the database, restore ``plan`` over it in the worker, open the database again and
        ask for a sign-in to it (see the module docstring)."""
        ctx = self.context
        assert ctx is not None
        steps = _Steps(self)
        steps.text.connect(self.progress.setLabelText)

        def run() -> tuple[AppContext, RestoreOutcome | None, BaseException | None]:
            ctx.close()
            outcome, failure = None, None
            try:
                outcome = restore_into(plan.path, plan.passphrase, ctx.db_uri, actor=plan.actor, force=True,
                                       opener=lambda uri: open_restore_target(uri, ctx.secrets), secrets=ctx.secrets,
                                       progress=steps.text.emit)
            except Exception as exc:  # the database is opened again either way; the message says what happened
                log.info("The restore over %s did not run: %s", ctx.store.describe(), exc)
                failure = exc
            steps.text.emit("Opening the database…")
            return open_context(ctx.db_uri, paths=ctx.paths, secrets=ctx.secrets, create=False), outcome, failure

        self._end_window(window, idle_lock)
        self._work(run, lambda result: self._restore_done(plan, *result), "Closing the database…", self._cannot_start)

    def _restore_done(self, plan: RestorePlan, context: AppContext, outcome: RestoreOutcome | None,
                      failure: BaseException | None) -> None:
        self.context = context
        if outcome is not None:
            report = outcome.report
            authority = f" Authorised: {outcome.approval.describe()}." if outcome.approval else ""
            kept = (f" The database it replaced is kept as {outcome.kept_copy} (restore that file the same way to "
                    "undo)." if outcome.kept_copy else "")
            text = (f"Restored {sum(report.collections.values()):,} documents from {plan.path.name} over "
                    f"{context.store.describe()}.{authority}{kept} Sign in to the restored database.")
            icon = QMessageBox.Icon.Information
        else:
            text = (f"The restore of {plan.path.name} did not run: {describe_error(failure or Exception())} The "
                    "database was not replaced. Sign in to continue.")
            icon = QMessageBox.Icon.Warning
        box = QMessageBox(icon, "Restore", text, QMessageBox.StandardButton.Ok, self.parent_widget)
        box.setObjectName("restoreOutcome")
        self.restore_box = box
        self._login()
        box.open()

    def _cannot_start(self, exc: BaseException) -> None:
        """Opening failed: say what and how to fix it, change nothing, exit 2 (1 for an unexpected error)."""
        expected, message = is_expected(exc), startup_message(exc)
        print(f"fidus-desktop: {message}", file=sys.stderr)
        box = QMessageBox(QMessageBox.Icon.Critical, "FIDUS Desktop", message)
        box.setObjectName("startupError")
        box.finished.connect(lambda _: self._finish(None, 2 if expected else 1))
        box.open()
        if QApplication.platformName() == "offscreen":
            QTimer.singleShot(0, box.accept)  # nobody can click it; the message also goes to stderr

    def _close_context(self) -> None:
        if self.context is not None:
            with contextlib.suppress(StorageError):
                self.context.close()

    def _finish(self, window: MainWindow | None, code: int) -> None:
        self.window = window
        if window is None:
            self._close_context()
        self.finished.emit(window, code)
