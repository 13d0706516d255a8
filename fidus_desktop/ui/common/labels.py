"""Labels that behave in tight layouts.

``ElidedLabel``: one line that ends in "…" when narrower than its text (the whole text in its tooltip), never
clipped mid-letter. Why: a status-bar slot squeezed by a narrow window showed "connectec"; a long path should
give way with an ellipsis while short, important slots keep their full width.

``WrappingLabel``: a word-wrapped label whose height follows its width without declaring height-for-width.
Why: one wrapped label declaring it makes a resizable ``QScrollArea`` size its whole page from the size hints
(944 px for the Portfolio tab), so the page scrolled and pushed the tables below the fold.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget

MIN_CHARS = 8  # what stays readable when squeezed: "SQLite C…"


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None, objectName: str = "",
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> None:
        super().__init__(parent, objectName=objectName)
        self._full, self.mode = "", mode
        self.setText(text)

    def text(self) -> str:
        return self._full

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self.updateGeometry()
        self._elide()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        margins = self.contentsMargins()
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + margins.left() + margins.right() + 20,
                     hint.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().averageCharWidth() * MIN_CHARS, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = self.contentsRect().width() - 16  # the slots' horizontal padding
        shown = self.fontMetrics().elidedText(self._full, self.mode, max(width, 0))
        super().setText(shown)


class WrappingLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None, objectName: str = "") -> None:
        super().__init__(text, parent, objectName=objectName)
        self.setWordWrap(True)
        self._height = 0

    def hasHeightForWidth(self) -> bool:
        return False

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self._needed())

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._needed())

    def _needed(self) -> int:
        return max(self.heightForWidth(self.width()) if self.width() > 0 else 0, self.fontMetrics().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._needed() != self._height:  # the text wraps to more or fewer lines at the new width
            self._height = self._needed()
            self.updateGeometry()
