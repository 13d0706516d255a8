"""The Admin tab: one page per entry of ``ADMIN_SECTIONS``."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

from fidus_desktop.ui.admin.sections import ADMIN_SECTIONS
from fidus_desktop.ui.session import UiSession


class AdminTab(QTabWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adminTab")
        for title, factory in ADMIN_SECTIONS:
            self.addTab(factory(session), title)
