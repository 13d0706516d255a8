"""The status bar's Google slot (declared by the CRM feature): the user's Google connection as the outbox
worker last saw it, and one click to fix it: "Google: reconnect" runs the consent flow again.

Hidden for users without ``crm.google``; shows nothing until the worker's first round."""

from __future__ import annotations

from PySide6.QtWidgets import QToolButton, QWidget

from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.crm.google import GoogleStatus
from fidus_desktop.services.permissions import allowed
from fidus_desktop.ui.background import show_error
from fidus_desktop.ui.crm.google_outbox import OUTBOX_TOPIC, consent, worker_of
from fidus_desktop.ui.session import UiSession

SHORT = {"not configured": "Google: not configured", "not connected": "Google: not connected",
         "reconnect": "Google: reconnect…", "connected": "Google: connected"}


class GoogleStatusItem(QToolButton):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusGoogle")
        self.setAutoRaise(True)
        self.session = session
        self.needs_reconnect = False
        self.clicked.connect(self.fix)
        worker = worker_of(session)
        self.setVisible(worker is not None and allowed(session.actor.role, CrmPermission.GOOGLE))
        if worker is not None:
            worker.status.connect(self.show_status)

    def show_status(self, status: GoogleStatus) -> None:
        state = ("not configured" if not status.configured else "not connected" if not status.connected
                 else "reconnect" if status.needs_reconnect else "connected")
        self.needs_reconnect = state == "reconnect"
        self.setText(SHORT[state])
        self.setToolTip(status.summary + (" — click to connect again" if self.needs_reconnect else ""))
        self.setEnabled(self.needs_reconnect)

    def fix(self) -> None:
        """Reconnect Google (the browser's consent page); the worker then sends what waited."""
        self.setText("Google: waiting for the browser…")
        self.session.runner.submit(consent(self.session), owner=self, changes={"google_account", OUTBOX_TOPIC},
                                   on_done=self._connected, on_error=lambda exc: show_error(exc, self))

    def _connected(self, status: GoogleStatus) -> None:
        self.show_status(status)
        worker = worker_of(self.session)
        if worker is not None:
            worker.kick()
