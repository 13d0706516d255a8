"""A desktop notification when a risk alert fires, whichever account it is on and whichever tab is shown.

After every poll of an account the Trading tab hands its active alerts here. The first look at an account
only learns what is already active (those are in the Alerts table; a notification for each at start-up would
be noise); an alert that appears after that is announced once: a system-tray message where the desktop has
a tray, otherwise the taskbar entry flashes (``QApplication.alert``); the main window's status bar says it too.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMainWindow, QSystemTrayIcon, QWidget

from fidus_desktop.services.trading.risk import AlertRecord

SHOWN_MS = 10_000


class AlertNotifier(QObject):
    fired = Signal(str)  # the notification text, once per new alert

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.widget = parent
        self.seen: dict[int, set[str]] = {}  # login → ids of the alerts already known
        self.tray: QSystemTrayIcon | None = None
        self.fired.connect(self._show)

    def notice(self, login: int, active: list[AlertRecord]) -> None:
        """The active alerts of ``login`` after a poll: announce those not seen before (not on the first look)."""
        known = self.seen.get(login)
        ids = {alert.alert_id for alert in active}
        self.seen[login] = (known or set()) | ids
        if known is None:
            return
        for alert in active:
            if alert.alert_id not in known:
                self.fired.emit(f"MT5 {alert.login}: {alert.message}")

    def _show(self, text: str) -> None:
        window = self.widget.window()
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self.tray is None:
                self.tray = QSystemTrayIcon(window.windowIcon(), self)
                self.tray.setToolTip("FIDUS Desktop")
                self.tray.show()
            self.tray.showMessage("Risk alert", text, QSystemTrayIcon.MessageIcon.Warning, SHOWN_MS)
        else:
            QApplication.alert(window)
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(f"Risk alert: {text}", SHOWN_MS)
