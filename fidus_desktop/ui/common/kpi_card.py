"""A KPI card: a caption, a large figure and a small note (the date or currency the figure is for)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

TONES = {"neutral": "#1f3a5f", "positive": "#1e7b46", "negative": "#b00020", "missing": "#888888"}


class KpiCard(QFrame):
    def __init__(self, name: str, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"kpi_{name}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(f"#kpi_{name} {{ background: #f6f8fb; border: 1px solid #d5dbe3; border-radius: 6px; }}")
        self.caption = QLabel(caption)
        self.caption.setStyleSheet("color: #555; font-size: 11px;")
        self.value = QLabel("—")
        self.value.setObjectName(f"kpi_{name}_value")
        self.note = QLabel(" ")
        self.note.setStyleSheet("color: #777; font-size: 10px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        for label in (self.caption, self.value, self.note):
            layout.addWidget(label)
        self.set_value("—", tone="missing")

    def set_value(self, text: str, note: str = " ", *, tone: str = "neutral") -> None:
        """Show ``text``; ``tone`` colours it (positive/negative returns, missing figures in grey)."""
        self.value.setText(text)
        self.value.setStyleSheet(f"font-size: 19px; font-weight: 600; color: {TONES[tone]};")
        self.note.setText(note)

    @staticmethod
    def tone_of(ratio: float | None) -> str:
        if ratio is None:
            return "missing"
        return "positive" if ratio > 0 else "negative" if ratio < 0 else "neutral"


class KpiGrid(QWidget):
    """Cards in one row when the width allows, else in rows of half as many (a laptop at 150 % scaling)."""

    def __init__(self, cards: list[KpiCard], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cards = cards
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.columns = 0
        self._place(len(cards))

    def _place(self, columns: int) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        for card in self.cards:
            self.grid.removeWidget(card)
        for index, card in enumerate(self.cards):
            self.grid.addWidget(card, index // columns, index % columns)

    def one_row_width(self) -> int:
        spacing = self.grid.horizontalSpacing() if self.grid.horizontalSpacing() >= 0 else 6
        return sum(card.minimumSizeHint().width() for card in self.cards) + spacing * (len(self.cards) - 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place(len(self.cards) if event.size().width() >= self.one_row_width() else (len(self.cards) + 1) // 2)

    def minimumSizeHint(self) -> QSize:
        half = self.cards[: (len(self.cards) + 1) // 2]
        return QSize(sum(card.minimumSizeHint().width() for card in half), super().minimumSizeHint().height())
