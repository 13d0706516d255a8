"""The one-line warning over the tabs when no OS keyring can hold secrets, with "How to fix" and a close button.

Why one line: the full explanation took three lines of every screen all day. The details (what is wrong,
how to fix it on this platform) open on "How to fix"; × hides the banner until the application quits
(a new window after signing out stays quiet), because nothing changes until the keyring is set up.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QToolButton, QWidget

from fidus_desktop.security.keyring_file import KeyringStatus

DISMISSED = "fidusKeyringBannerDismissed"  # an application property: dismissed for this session


class KeyringBanner(QFrame):
    def __init__(self, status: KeyringStatus, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="keyringBanner")
        self.status = status
        self.setStyleSheet("#keyringBanner { background: #fff3cd; border-radius: 3px } "
                           "QLabel, QToolButton { color: #5c4400; border: none }")
        self.label = QLabel("<b>No usable keyring:</b> FIDUS cannot store passwords or keys on this workstation. "
                            "<a href='fix'>How to fix</a>", objectName="keyringBannerText")
        self.label.linkActivated.connect(lambda _: self.show_fix())
        close = QToolButton(objectName="keyringBannerClose", text="✕")
        close.setToolTip("Hide this warning until FIDUS Desktop is restarted")
        close.clicked.connect(self.dismiss)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 2, 2)
        row.addWidget(self.label, 1)
        row.addWidget(close)
        app = QCoreApplication.instance()
        self.setVisible(not status.usable and not (app is not None and app.property(DISMISSED)))

    def text(self) -> str:
        return self.label.text()

    def show_fix(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "No usable keyring",
                          f"<p>{html.escape(self.status.problem or '')}</p><p>{html.escape(self.status.fix or '')}</p>",
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("keyringFix")
        box.open()

    def dismiss(self) -> None:
        app = QCoreApplication.instance()
        if app is not None:
            app.setProperty(DISMISSED, True)
        self.hide()
