"""An honest panel for a tab whose feature has not been built yet: it says so, and shows nothing fake."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class NotAvailablePanel(QWidget):
    def __init__(self, title: str, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"notAvailable_{title.lower()}")
        label = QLabel(f"<h2>{title}</h2><p>Not available yet.</p><p>{what}</p>")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
