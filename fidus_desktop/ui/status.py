"""The status bar: where the data lives and whether it is reachable, the last automatic backup, each feature's
items (``Feature.status_items``, e.g. MT5 state), who is signed in.

Short slots (connection, MT5, user) always show their whole text; the long ones (the database's place, the
backup line) give way with "…" in a narrow window, their whole text in the tooltip."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from fidus_desktop.features.registry import status_items
from fidus_desktop.features.spec import resolve
from fidus_desktop.ui.admin.user_dialogs import ROLE_LABELS
from fidus_desktop.ui.common.labels import ElidedLabel
from fidus_desktop.ui.common.locale_text import format_long_day
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

PING_INTERVAL_MS = 30_000
SHORT_SLOT_CHARS = 36  # a short slot keeps its whole text up to this length
SLOT_STYLE = "padding: 1px 8px; border-left: 1px solid palette(mid)"
DOWN_STYLE = "padding: 1px 8px; color: white; background: #b00020; font-weight: bold"
DEMO_STYLE = "padding: 1px 8px; color: black; background: #ffd54f; font-weight: bold"


class StatusPanel(QStatusBar):
    """Backend, connection and automatic backup on the left; the features' items and the user on the right."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusPanel")
        self.setSizeGripEnabled(False)
        self.session = session
        self._pinging = False
        actor = session.actor
        self.backend = self._slot("statusBackend", session.context.store.describe(), "padding: 1px 8px",
                                  elide=Qt.TextElideMode.ElideMiddle)  # a path: its start and file name
        self.connection = self._slot("statusConnection", "checking the connection…")
        self.user = self._slot("statusUser", f"{actor.username} · {ROLE_LABELS[actor.role]}")
        self.backup = self._slot("statusBackup", "Last backup: checking…", elide=Qt.TextElideMode.ElideRight)
        self.addWidget(self.backend, 1)
        self.addWidget(self.connection)
        self.addWidget(self.backup, 1)
        self.messageChanged.connect(self._message_changed)
        if session.backups is not None:
            session.backups.status.connect(self.show_backup)
        self.demo_day: QLabel | None = None
        if session.on_demo_timeline():  # never mistaken for the real date
            self.demo_day = self._slot("statusDemoDay", "", DEMO_STYLE)
            self.addPermanentWidget(self.demo_day)
            self.show_demo_day()
        self.items: dict[str, QWidget] = {}
        for item in status_items():
            widget = resolve(item.factory)(session, self)
            widget.setStyleSheet(SLOT_STYLE)
            if isinstance(widget, QLabel):
                fit_short_slot(widget)  # again, now with the slot's padding
            self.items[item.name] = widget
            self.addPermanentWidget(widget)
        self.addPermanentWidget(self.user)
        self.timer = QTimer(self, interval=PING_INTERVAL_MS)
        self.timer.timeout.connect(self.check_connection)
        self.timer.timeout.connect(self.show_demo_day)
        self.timer.start()
        self.check_connection()

    def _message_changed(self, text: str) -> None:
        """The left-hand slots give way to a message and come back after it. Qt hides them itself, but only
        those visible at that moment (not before the window is shown), and a later re-layout shows them again
        over the message; hiding them explicitly here holds in both cases."""
        for slot in (self.backend, self.connection, self.backup):
            slot.setVisible(not text)

    def _slot(self, name: str, text: str, style: str = SLOT_STYLE, *, elide: Qt.TextElideMode | None = None
              ) -> QLabel:
        label = QLabel(objectName=name) if elide is None else ElidedLabel(objectName=name, mode=elide)
        label.setStyleSheet(style)
        self._show(label, text)
        return label

    @staticmethod
    def _show(label: QLabel, text: str, style: str | None = None) -> None:
        label.setText(text)
        label.setToolTip(text)  # the whole text even when the window is narrow
        if style is not None:
            label.setStyleSheet(style)
        if not isinstance(label, ElidedLabel):  # a long one's end is in the tooltip
            fit_short_slot(label)

    def show_backup(self, text: str, ok: bool) -> None:
        self._show(self.backup, text, SLOT_STYLE if ok else DOWN_STYLE)

    def show_demo_day(self) -> None:
        """The demo's date (its clock runs on from the day its data ends), and why, in the tooltip."""
        if self.demo_day is None:
            return
        self.demo_day.setText(f"Demo — date {format_long_day(self.session.today())}")
        fit_short_slot(self.demo_day)
        self.demo_day.setToolTip(
            "The demo office runs on its own clock: it started on the day the demo's data ends and runs on in "
            "real time. Everything dated in the demo (follow-ups, reviews, expiries, audit entries) is on this "
            "timeline; a real database always runs on this computer's clock.")

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


def fit_short_slot(label: QLabel) -> None:
    """A short slot is never squeezed ("connectec"): as wide as its text, up to ``SHORT_SLOT_CHARS``."""
    cap = label.fontMetrics().averageCharWidth() * SHORT_SLOT_CHARS
    label.setMinimumWidth(min(label.sizeHint().width(), cap))
