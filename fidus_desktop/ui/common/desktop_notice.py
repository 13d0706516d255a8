"""A desktop notification that reaches the user whichever tab is shown: a system-tray message where the desktop
has a tray, otherwise the taskbar entry flashes (``QApplication.alert``); the main window's status bar says it
too. Shared by the risk alerts and the CRM reminders."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QMainWindow, QSystemTrayIcon, QWidget

SHOWN_MS = 10_000


class DesktopNotice(QObject):
    """Shows notices over ``widget``'s window; the tray icon is made on the first notice and kept."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.widget = widget
        self.tray: QSystemTrayIcon | None = None

    def show(self, title: str, text: str, *, warning: bool = False, status: str | None = None) -> None:
        """``text`` in the tray (may have several lines); ``status`` (default: the title and text) in the status
        bar."""
        window = self.widget.window()
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self.tray is None:
                self.tray = QSystemTrayIcon(window.windowIcon(), self)
                self.tray.setToolTip("FIDUS Desktop")
                self.tray.show()
            icon = QSystemTrayIcon.MessageIcon.Warning if warning else QSystemTrayIcon.MessageIcon.Information
            self.tray.showMessage(title, text, icon, SHOWN_MS)
        else:
            QApplication.alert(window)
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(status or f"{title}: {text}", SHOWN_MS)
