"""A desktop notification when a risk alert fires, whichever account it is on and whichever tab is shown.

After every poll of an account the Trading tab hands its active alerts here. The first look at an account
only learns what is already active (those are in the Alerts table; a notification for each at start-up would
be noise); an alert that appears after that is announced once (``ui.common.desktop_notice``: the system
tray, or the taskbar entry flashing, and the main window's status bar).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from fidus_desktop.services.trading.risk import AlertRecord
from fidus_desktop.ui.common.desktop_notice import DesktopNotice


class AlertNotifier(QObject):
    fired = Signal(str)  # the notification text, once per new alert

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.seen: dict[int, set[str]] = {}  # login → ids of the alerts already known
        self.notice_board = DesktopNotice(parent)
        self.fired.connect(lambda text: self.notice_board.show("Risk alert", text, warning=True))

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
