"""The one-line warning over the tabs when no OS keyring can hold secrets (``ui.common.banner``); "How to fix"
explains what is wrong and how to fix it on this platform."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QMessageBox, QWidget

from fidus_desktop.security.keyring_file import KeyringStatus
from fidus_desktop.ui.common.banner import WarningBanner

DISMISSED = "fidusKeyringBannerDismissed"  # an application property: dismissed for this session


class KeyringBanner(WarningBanner):
    def __init__(self, status: KeyringStatus, parent: QWidget | None = None) -> None:
        super().__init__("keyringBanner", "<b>No usable keyring:</b> FIDUS cannot store passwords or keys on this "
                         "workstation.", self.show_fix, DISMISSED, parent)
        self.status = status
        self.warn(not status.usable)

    def show_fix(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "No usable keyring",
                          f"<p>{html.escape(self.status.problem or '')}</p><p>{html.escape(self.status.fix or '')}</p>",
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("keyringFix")
        box.open()
