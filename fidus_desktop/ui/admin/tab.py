"""The Admin tab: one page per admin section the features declare (``Feature.admin_sections``), in order."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

from fidus_desktop.features.registry import admin_sections
from fidus_desktop.features.spec import resolve
from fidus_desktop.ui.session import UiSession


class AdminTab(QTabWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adminTab")
        for title, factory in admin_sections():
            self.addTab(resolve(factory)(session), title)
