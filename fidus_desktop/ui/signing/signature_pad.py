"""Signature capture: draw with the mouse, a pen or a finger (Qt turns pen and touch into mouse events), or
type the name, shown in a script font. The drawing is kept as strokes of points in the unit square (y down),
the vector form the envelope records; the service renders the same strokes into the signed PDF."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.services.envelopes import Capture

Stroke = list[tuple[float, float]]


class DrawingPad(QWidget):
    """A white pad; each press-move-release adds a stroke, drawn as a smooth curve through its points."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drawingPad")
        self.setMinimumSize(300, 100)
        self.setMaximumHeight(180)  # about 3:1, the shape of the image stamped into the signature box
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, False)  # touch arrives as mouse events
        self.strokes: list[Stroke] = []

    def sizeHint(self) -> QSize:
        return QSize(420, 140)

    def clear(self) -> None:
        self.strokes = []
        self.update()
        self.changed.emit()

    def _unit(self, point: QPointF) -> tuple[float, float]:
        return (min(1.0, max(0.0, point.x() / max(1, self.width()))),
                min(1.0, max(0.0, point.y() / max(1, self.height()))))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.strokes.append([self._unit(event.position())])
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.strokes and event.buttons() & Qt.MouseButton.LeftButton:
            self.strokes[-1].append(self._unit(event.position()))
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.changed.emit()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        painter.setPen(QPen(QColor("#c8d0da"), 1, Qt.PenStyle.DashLine))
        painter.drawLine(12, self.height() - 24, self.width() - 12, self.height() - 24)
        painter.setPen(QPen(QColor(16, 32, 110), 2.5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                            Qt.PenJoinStyle.RoundJoin))
        for stroke in self.strokes:
            painter.drawPath(self._path(stroke))
        if not self.strokes:
            painter.setPen(QColor("#8a94a6"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Sign here with the mouse, a pen or a finger")

    def _path(self, stroke: Stroke) -> QPainterPath:
        points = [QPointF(x * self.width(), y * self.height()) for x, y in stroke]
        path = QPainterPath(points[0])
        if len(points) == 1:
            path.addEllipse(points[0], 1.5, 1.5)
            return path
        for i in range(1, len(points) - 1):  # through the midpoints, with each point as the control point
            middle = (points[i] + points[i + 1]) / 2
            path.quadTo(points[i], middle)
        path.lineTo(points[-1])
        return path


class SignatureCapture(QWidget):
    """Draw or type; ``capture()`` is the service's ``Capture`` or None while nothing was given."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.draw_choice = QRadioButton("Draw", objectName="signatureDrawChoice", checked=True)
        self.type_choice = QRadioButton("Type the name", objectName="signatureTypeChoice")
        self.pad = DrawingPad()
        self.typed = QLineEdit(objectName="signatureTyped", placeholderText="The signer's name")
        self.preview = QLabel(objectName="signaturePreview", alignment=Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(90)
        self.preview.setStyleSheet("background: white;")
        self.clear_button = QPushButton("Clear", objectName="signatureClear")
        typed_page = QWidget()
        typed_layout = QVBoxLayout(typed_page)
        typed_layout.setContentsMargins(0, 0, 0, 0)
        typed_layout.addWidget(self.typed)
        typed_layout.addWidget(self.preview, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.pad)
        self.stack.addWidget(typed_page)
        choices = QHBoxLayout()
        choices.addWidget(self.draw_choice)
        choices.addWidget(self.type_choice)
        choices.addStretch(1)
        choices.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(choices)
        layout.addWidget(self.stack, 1)
        self.type_choice.toggled.connect(lambda typed: self.stack.setCurrentIndex(1 if typed else 0))
        self.type_choice.toggled.connect(self.changed)
        self.clear_button.clicked.connect(self.clear)
        self.pad.changed.connect(self.changed)
        self.typed.textChanged.connect(self._typed_changed)

    def set_name(self, name: str) -> None:
        self.typed.setText(name)

    def clear(self) -> None:
        self.pad.clear()
        self.typed.clear()

    def _typed_changed(self, text: str) -> None:
        if text.strip():
            image = QImage.fromData(Capture(typed=text).image())
            pixmap = QPixmap.fromImage(image)
            self.preview.setPixmap(pixmap.scaledToHeight(80, Qt.TransformationMode.SmoothTransformation))
        else:
            self.preview.clear()
        self.changed.emit()

    def capture(self) -> Capture | None:
        if self.type_choice.isChecked():
            return Capture(typed=self.typed.text()) if self.typed.text().strip() else None
        points = sum(len(s) for s in self.pad.strokes)
        if points < 2:
            return None
        return Capture(strokes=tuple(tuple(stroke) for stroke in self.pad.strokes))
