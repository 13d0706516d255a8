"""From launch to a signed-in main window, with every slow step (database, migrations, demo, argon2) in the worker.

Empty database → first-run wizard; otherwise → sign-in. ``--demo`` builds a fresh demo database and signs
in as the demo administrator. Start-up errors (bad URI, unreachable or corrupt database, settings file)
end in a dialog naming the problem and the fix, and exit code 2; nothing is overwritten.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget

from fidus_desktop.bootstrap import AppContext, demo_database_path, open_context
from fidus_desktop.config.paths import AppPaths
from fidus_desktop.config.settings import SettingsError
from fidus_desktop.services.demo import load_demo
from fidus_desktop.services.users import User
from fidus_desktop.store.errors import StorageError
from fidus_desktop.ui.background import Runner
from fidus_desktop.ui.first_run import FirstRunWizard
from fidus_desktop.ui.idle_lock import install_idle_lock
from fidus_desktop.ui.login import LoginDialog
from fidus_desktop.ui.main_window import MainWindow
from fidus_desktop.ui.session import UiSession

STARTUP_ERRORS = (StorageError, SettingsError, ValueError)


@dataclass
class StartupOptions:
    db_uri: str | None = None
    demo: bool = False
    tab: str | None = None
    restore_state: bool = True


def startup_message(exc: BaseException) -> str:
    """What to tell the user when the application cannot start."""
    if isinstance(exc, STARTUP_ERRORS):
        return f"FIDUS Desktop cannot open its data.\n\n{exc}\n\nNothing was changed."
    return f"FIDUS Desktop could not start: {exc}. Details are in the log file."


def fresh_demo_uri(paths: AppPaths) -> str:
    """Remove the previous demo database (and its WAL files): every ``--demo`` starts from the same office."""
    path = demo_database_path(paths)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path.as_posix()}"


class Startup(QObject):
    """Drives the start-up steps; ``finished(window or None, exit_code)`` when done."""

    finished = Signal(object, int)

    def __init__(self, options: StartupOptions, runner: Runner, parent_widget: QWidget | None = None) -> None:
        super().__init__()
        self.options, self.runner, self.parent_widget = options, runner, parent_widget
        self.context: AppContext | None = None
        self.window: MainWindow | None = None
        self.progress = QProgressDialog("Opening the database…", "", 0, 0, parent_widget)
        self.progress.setObjectName("startupProgress")
        self.progress.setCancelButton(None)
        self.progress.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.progress.setMinimumDuration(400)

    def start(self) -> None:
        opts = self.options

        def open_it() -> tuple[AppContext, User | None]:
            if not opts.demo:
                return open_context(opts.db_uri), None
            ctx = open_context(fresh_demo_uri(AppPaths.for_user()))
            return ctx, load_demo(ctx.services).made["admin"]

        self._work(open_it, self._opened, "Building the demo office…" if opts.demo else "Opening the database…")

    def _work(self, fn: Callable[[], object], then: Callable[[object], None], label: str) -> None:
        self.progress.setLabelText(label)
        self.progress.show()
        self.runner.submit(fn, on_done=lambda result: self._step_done(then, result), on_error=self._fail)

    def _step_done(self, then: Callable[[object], None], result: object) -> None:
        self.progress.hide()
        then(result)

    def _opened(self, result: object) -> None:
        self.context, demo_admin = result  # type: ignore[misc]
        if demo_admin is not None:
            self._signed_in(demo_admin)
        elif self.context.services.users.count() == 0:
            self._first_run()
        else:
            self._login()

    def _first_run(self) -> None:
        wizard = FirstRunWizard(self.parent_widget)
        self.dialog = wizard
        wizard.accepted.connect(lambda: self._wizard_done(wizard))
        wizard.rejected.connect(lambda: self._finish(None, 0))
        wizard.open()

    def _wizard_done(self, wizard: FirstRunWizard) -> None:
        services = self.context.services  # type: ignore[union-attr]
        if wizard.wants_demo:
            self._work(lambda: load_demo(services).made["admin"], self._signed_in, "Loading the demo office…")
        else:
            page = wizard.admin
            username, name, password = page.username.text(), page.display_name.text(), page.password.text()
            self._work(
                lambda: services.users.create_first_admin(username, password, name or None),
                self._signed_in,
                "Creating the administrator…",
            )

    def _login(self) -> None:
        ctx = self.context
        assert ctx is not None
        dialog = LoginDialog(ctx.services.users, self.runner, ctx.store.describe(), self.parent_widget)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._signed_in(dialog.user))
        dialog.rejected.connect(lambda: self._finish(None, 0))
        dialog.open()

    def _signed_in(self, user: object) -> None:
        assert isinstance(user, User)
        assert self.context is not None
        session = UiSession(self.context, user.actor(), self.runner)
        window = MainWindow(session, restore_state=self.options.restore_state)
        if self.options.tab and not window.select_tab(self.options.tab):
            QMessageBox.warning(window, "FIDUS Desktop", f"There is no tab {self.options.tab!r} for your role.")
        self.idle_lock = install_idle_lock(window, session)
        self.idle_lock.sign_out_requested.connect(window.close)
        window.show()
        self._finish(window, 0)

    def _fail(self, exc: BaseException) -> None:
        self.progress.hide()
        if self.context is not None and not isinstance(exc, STARTUP_ERRORS):
            QMessageBox.warning(self.parent_widget, "FIDUS Desktop", startup_message(exc))
            return
        print(f"fidus-desktop: {startup_message(exc)}", file=sys.stderr)
        box = QMessageBox(QMessageBox.Icon.Critical, "FIDUS Desktop", startup_message(exc))
        box.setObjectName("startupError")
        box.finished.connect(lambda _: self._finish(None, 2))
        box.open()
        if QApplication.platformName() == "offscreen":
            QTimer.singleShot(0, box.accept)  # nobody can click it; the message also goes to stderr

    def _finish(self, window: MainWindow | None, code: int) -> None:
        self.window = window
        if window is None and self.context is not None:
            with contextlib.suppress(StorageError):
                self.context.close()
        self.finished.emit(window, code)
