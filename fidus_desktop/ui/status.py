"""The status bar: where the data lives and whether it is reachable, MT5 state, who is signed in."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from fidus_desktop.integrations.mt5.real import is_available as mt5_available
from fidus_desktop.ui.session import UiSession

PING_INTERVAL_MS = 30_000


class StatusPanel(QStatusBar):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusPanel")
        self.session = session
        self.backend = QLabel(session.context.store.describe(), objectName="statusBackend")
        self.connection = QLabel("connected", objectName="statusConnection")
        available, reason = mt5_available()
        self.mt5 = QLabel("MT5: available" if available else f"MT5: {reason}", objectName="statusMt5")
        actor = session.actor
        self.user = QLabel(f"{actor.username} ({actor.role.value.replace('_', ' ')})", objectName="statusUser")
        self.addWidget(self.backend)
        self.addWidget(self.connection)
        self.addPermanentWidget(self.mt5)
        self.addPermanentWidget(self.user)
        session.signals.mt5_status.connect(self.mt5.setText)
        self.timer = QTimer(self, interval=PING_INTERVAL_MS)
        self.timer.timeout.connect(self.check_connection)
        self.timer.start()

    def check_connection(self) -> None:
        """Ping the database in the worker; never freezes the window when the server is gone."""
        self.session.runner.submit(self.session.context.store.ping, on_done=self._up, on_error=self._down)

    def _up(self, _: object) -> None:
        self.connection.setText("connected")
        self.connection.setStyleSheet("")

    def _down(self, exc: BaseException) -> None:
        self.connection.setText(f"database unreachable: {exc}")
        self.connection.setStyleSheet("color: white; background: #b00020; padding: 0 6px")
