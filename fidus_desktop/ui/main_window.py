"""The main window: one tab per area, menus, a status bar, and window state restored between runs.

It owns the signed-in session's automatic backups (``UiSession.backups``, shared with Admin → Backups),
started with the window and stopped when it closes. File → Sign out (like "Sign out" on the idle lock)
emits ``sign_out_requested``; the start-up flow closes the window and asks for a sign-in again."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, QSize, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from fidus_desktop import __version__
from fidus_desktop.config.secrets import keyring_status
from fidus_desktop.features.registry import session_jobs
from fidus_desktop.features.spec import resolve
from fidus_desktop.services.diagnostics import process_figures
from fidus_desktop.services.permissions import Permission, allowed
from fidus_desktop.ui.backup_scheduler import BackupScheduler
from fidus_desktop.ui.common.screen_fit import clamp_to_screens, default_size
from fidus_desktop.ui.keyring_banner import KeyringBanner
from fidus_desktop.ui.seal_banner import SealBanner
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.status import StatusPanel
from fidus_desktop.ui.tabs import LazyTab, tab_specs

log = logging.getLogger(__name__)
DEFAULT_SIZE = QSize(1400, 900)  # limited to the screen's available area (default_size)


def window_settings() -> QSettings:
    """Window state lives in QSettings (INI in the per-user config folder, see app.configure_qsettings)."""
    return QSettings()


class MainWindow(QMainWindow):
    """Everything a signed-in user works in. ``closed`` fires after state is saved and the workers settled."""

    closed = Signal()
    sign_out_requested = Signal()

    def __init__(self, session: UiSession, *, restore_state: bool = True) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.session = session
        self.backups = session.backups = BackupScheduler(session.context, session.runner, session.actor, self)
        self.setWindowTitle(f"FIDUS Desktop — {session.context.store.describe()}")
        self.jobs = session.jobs = {name: resolve(factory)(session, self) for name, factory in session_jobs()}
        self.tabs = QTabWidget(objectName="mainTabs")
        self.tab_names: list[str] = []
        self.lazy_tabs: list[LazyTab] = []
        for spec in tab_specs():
            if not spec.shown_to(session):
                continue
            frame = LazyTab(spec, session)
            self.tabs.addTab(frame, spec.title)
            self.tab_names.append(spec.name)
            self.lazy_tabs.append(frame)
        self.tabs.currentChanged.connect(self._build_tab)
        session.signals.open_record.connect(self.open_record)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        self.keyring_banner = KeyringBanner(keyring_status())
        layout.addWidget(self.keyring_banner)
        self.seal_banner = SealBanner(self.fix_sealing)
        layout.addWidget(self.seal_banner)
        self.read_only = session.context.store.read_only
        if self.read_only:  # a write-protected file or ?mode=ro: say so once, and start nothing that writes
            why = getattr(session.context.store, "read_only_reason", None) or "the database refuses writes"
            self.setWindowTitle(self.windowTitle() + " (read-only)")
            banner = QLabel(f"Read-only ({why}): you can look and run reports; changes are refused. Automatic "
                            "backups and background MT5 sync are off.", objectName="readOnlyBanner", wordWrap=True)
            banner.setStyleSheet("background: #fff4ce; padding: 4px")
            layout.addWidget(banner)
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)
        self.status_panel = StatusPanel(session, self)
        self.setStatusBar(self.status_panel)
        self._build_menus()
        if restore_state:
            self.restore_state()
        self._build_tab(self.tabs.currentIndex())
        session.watcher.start()
        if not self.read_only:
            self.check_sealing()
            self.backups.start()
            for job in self.jobs.values():
                job.start()

    def _build_tab(self, index: int) -> None:
        """Tabs are built when first shown: start-up pays only for the one on screen."""
        if 0 <= index < len(self.lazy_tabs):
            self.lazy_tabs[index].build()

    def tab_widget(self, name: str) -> QWidget:
        """The content of tab ``name``, built now if it was not shown yet."""
        return self.lazy_tabs[self.tab_names.index(name)].build()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        sign_out = QAction("Sign &out", self)
        sign_out.setObjectName("signOutAction")
        sign_out.triggered.connect(self.sign_out_requested)
        file_menu.addAction(sign_out)
        if allowed(self.session.actor.role, Permission.OWN_CREDENTIALS):  # the data key, or the audit seal key alone
            key_access = QAction("&Data key for this workstation…", self)
            key_access.setObjectName("keyAccessAction")
            key_access.triggered.connect(self.show_key_access)
            file_menu.addAction(key_access)
        if allowed(self.session.actor.role, Permission.BACKUP_APPROVE_RESTORE) and not allowed(
                self.session.actor.role, Permission.USERS_MANAGE):  # administrators have Admin → Backups
            approvals = QAction("&Restore requests…", self)
            approvals.setObjectName("restoreRequestsAction")
            approvals.triggered.connect(self.show_restore_requests)
            file_menu.addAction(approvals)
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        view = self.menuBar().addMenu("&View")
        for index, name in enumerate(self.tab_names):
            action = QAction(self.tabs.tabText(index), self, shortcut=QKeySequence(f"Ctrl+{index + 1}"))
            action.setObjectName(f"show_{name}")
            action.triggered.connect(lambda _=False, i=index: self.tabs.setCurrentIndex(i))
            view.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About FIDUS Desktop", self)
        about.triggered.connect(self.show_about)
        logs = QAction("Open &log folder", self)
        logs.triggered.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.session.context.paths.log_dir)))
        )
        help_menu.addActions([about, logs])

    def check_sealing(self) -> None:
        """Warn (SealBanner) when this workstation would write unsealed audit entries; read in the background."""
        self.session.runner.submit(self.session.services.keys.status, owner=self, key="sealing",
                                   on_done=self.seal_banner.show_for,
                                   on_error=lambda exc: log.warning("Key status not read: %s", exc))

    def fix_sealing(self) -> None:
        """An administrator enrols with the office passphrase (Admin → Keys); anyone else asks for the key."""
        if not allowed(self.session.actor.role, Permission.KEYS_MANAGE):
            self.show_key_access()
            return
        box = QMessageBox(QMessageBox.Icon.Information, "Seal this workstation's audit entries",
                          "Enrol this workstation with the office passphrase: Admin → Keys → Enrol this "
                          "workstation… (or `fidus key enroll`). Without the passphrase at hand, File → Data key "
                          "for this workstation… asks another administrator to approve it.",
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("sealFix")
        box.open()

    def show_key_access(self) -> None:
        from fidus_desktop.ui.key_access_dialog import KeyAccessDialog  # opened rarely: imported when asked for

        self.key_access = KeyAccessDialog(self.session, self)
        if not self.read_only:
            self.key_access.finished.connect(lambda _: self.check_sealing())  # a key taken: the banner goes
        self.key_access.open()

    def show_restore_requests(self) -> None:
        """The second person's view of restore requests for roles without the Admin tab (compliance officers)."""
        from fidus_desktop.ui.admin.restore_requests import RestoreRequestsDialog

        self.restore_requests = RestoreRequestsDialog(self.session, self)
        self.restore_requests.open()

    def show_about(self) -> None:
        QMessageBox.about(self, "About FIDUS Desktop", self.about_text())

    def about_text(self) -> str:
        """Version, data, this window's memory, threads, handles and database connections (a support person
        sees a leak here without tools), and what demo databases are."""
        return (
            f"<b>FIDUS Desktop {__version__}</b><p>Data: {self.session.context.store.describe()}</p>"
            f"<p>This window: {process_figures(self.session.context.store).describe()}</p>"
            "<p>Demo databases (<code>--demo</code>) are entered without a password and without two-step "
            "sign-in: the demo administrator's password is random and never shown. Demo data is fictitious; "
            "each demo start replaces it.</p>"
        )

    def open_record(self, kind: str, key: str) -> bool:
        """Show record ``key`` of ``kind`` in the first tab that opens that kind (False: none shown to this user)."""
        for index, frame in enumerate(self.lazy_tabs):
            if kind in frame.spec.opens:
                self.tabs.setCurrentIndex(index)
                frame.build().open_record(kind, key)  # type: ignore[attr-defined]
                return True
        return False

    def select_tab(self, name: str) -> bool:
        if name not in self.tab_names:
            return False
        self.tabs.setCurrentIndex(self.tab_names.index(name))
        return True

    def restore_state(self) -> None:
        settings = window_settings()
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
            clamp_to_screens(self)
        else:
            self.resize(default_size(self, DEFAULT_SIZE))
        last = settings.value("window/last_tab")
        if isinstance(last, str):
            self.select_tab(last)

    def save_state(self) -> None:
        settings = window_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        if self.tab_names:
            settings.setValue("window/last_tab", self.tab_names[self.tabs.currentIndex()])
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.backups.stop()
        for job in self.jobs.values():
            job.stop()
        self.session.watcher.stop()
        self.status_panel.timer.stop()
        self.session.runner.wait(3000)
        super().closeEvent(event)
        self.closed.emit()
