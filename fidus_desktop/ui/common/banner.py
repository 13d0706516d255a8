"""A one-line warning over the tabs with "How to fix" and a close button (the keyring and audit-seal banners).

Why one line: a full explanation took three lines of every screen all day; the details open on "How to fix".
× hides the banner until the application quits (a new window after signing out stays quiet), because nothing
changes by itself: the property named ``dismissed`` is set on the application for the session.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget


class WarningBanner(QFrame):
    """``text`` (rich text) followed by a "How to fix" link that calls ``on_fix``; hidden once dismissed."""

    def __init__(self, name: str, text: str, on_fix: Callable[[], None], dismissed: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName=name)
        self.dismissed = dismissed
        self.setStyleSheet(f"#{name} {{ background: #fff3cd; border-radius: 3px }} "
                           "QLabel, QToolButton { color: #5c4400; border: none }")
        self.label = QLabel(f"{text} <a href='fix'>How to fix</a>", objectName=f"{name}Text")
        self.label.linkActivated.connect(lambda _: on_fix())
        close = QToolButton(objectName=f"{name}Close", text="✕")
        close.setToolTip("Hide this warning until FIDUS Desktop is restarted")
        close.clicked.connect(self.dismiss)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 2, 2)
        row.addWidget(self.label, 1)
        row.addWidget(close)

    def text(self) -> str:
        return self.label.text()

    def was_dismissed(self) -> bool:
        app = QCoreApplication.instance()
        return bool(app is not None and app.property(self.dismissed))

    def warn(self, needed: bool) -> None:
        """Show the banner when ``needed`` and not dismissed in this session."""
        self.setVisible(needed and not self.was_dismissed())

    def dismiss(self) -> None:
        app = QCoreApplication.instance()
        if app is not None:
            app.setProperty(self.dismissed, True)
        self.hide()
