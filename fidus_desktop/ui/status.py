"""The status bar: where the data lives and whether it is reachable, the last automatic backup, each feature's
items (``Feature.status_items``, e.g. MT5 state), who is signed in."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from fidus_desktop.features.registry import status_items
from fidus_desktop.features.spec import resolve
from fidus_desktop.ui.admin.user_dialogs import ROLE_LABELS
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

PING_INTERVAL_MS = 30_000
MIN_SLOT_WIDTH = 60
SLOT_STYLE = "padding: 1px 8px; border-left: 1px solid palette(mid)"
DOWN_STYLE = "padding: 1px 8px; color: white; background: #b00020; font-weight: bold"


class StatusPanel(QStatusBar):
    """Backend, connection and automatic backup on the left; the features' items and the user on the right."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusPanel")
        self.setSizeGripEnabled(False)
        self.session = session
        self._pinging = False
        actor = session.actor
        self.backend = self._slot("statusBackend", session.context.store.describe(), "padding: 1px 8px")
        self.connection = self._slot("statusConnection", "checking the connection…")
        self.user = self._slot("statusUser", f"{actor.username} · {ROLE_LABELS[actor.role]}")
        self.backup = self._slot("statusBackup", "Last backup: checking…")
        self.addWidget(self.backend)
        self.addWidget(self.connection)
        self.addWidget(self.backup)
        if session.backups is not None:
            session.backups.status.connect(self.show_backup)
        self.items: dict[str, QWidget] = {}
        for item in status_items():
            widget = resolve(item.factory)(session, self)
            widget.setStyleSheet(SLOT_STYLE)
            widget.setMinimumWidth(MIN_SLOT_WIDTH)
            self.items[item.name] = widget
            self.addPermanentWidget(widget)
        self.addPermanentWidget(self.user)
        self.timer = QTimer(self, interval=PING_INTERVAL_MS)
        self.timer.timeout.connect(self.check_connection)
        self.timer.start()
        self.check_connection()

    def _slot(self, name: str, text: str, style: str = SLOT_STYLE) -> QLabel:
        label = QLabel(objectName=name)
        label.setStyleSheet(style)
        label.setMinimumWidth(MIN_SLOT_WIDTH)  # long texts are clipped, not forcing a wide window
        self._show(label, text)
        return label

    @staticmethod
    def _show(label: QLabel, text: str, style: str | None = None) -> None:
        label.setText(text)
        label.setToolTip(text)  # the whole text even when the window is narrow
        if style is not None:
            label.setStyleSheet(style)

    def show_backup(self, text: str, ok: bool) -> None:
        self._show(self.backup, text, SLOT_STYLE if ok else DOWN_STYLE)

    def check_connection(self) -> None:
        """Ping the database in the worker; never freezes the window, never stacks pings while one is slow."""
        if self._pinging:
            return
        self._pinging = True
        self.session.runner.submit(self.session.context.store.ping, owner=self, key="ping", on_done=self._up,
                                   on_error=self._down)

    def _up(self, _: object) -> None:
        self._pinging = False
        self._show(self.connection, "connected", SLOT_STYLE)

    def _down(self, exc: BaseException) -> None:
        self._pinging = False
        self._show(self.connection, f"database unreachable: {describe_error(exc)}", DOWN_STYLE)
