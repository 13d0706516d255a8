"""PDF pages as images, rendered one at a time in the background runner (QtPdf), with fields drawn over them.

``render_page`` runs in the worker: a large PDF costs one page's rendering per page shown. ``PageView`` shows
the image and the envelope's fields as boxes (PDF points converted to pixels, y flipped); it can let the user
drag out a new box (``placed``) or click a box (``clicked``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from fidus_desktop.domain.signing.envelopes import Envelope, Field, FieldKind
from fidus_desktop.errors import UserError
from fidus_desktop.services.personal_data import Locked
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

KIND_COLOURS = {FieldKind.SIGNATURE: "#1f6feb", FieldKind.INITIALS: "#8250df", FieldKind.DATE: "#1a7f37",
                FieldKind.TEXT: "#9a6700", FieldKind.CHECKBOX: "#cf222e"}


@dataclass(frozen=True)
class PageImage:
    image: QImage
    page: int
    pages: int
    size: tuple[float, float]  # the page in points


def render_page(pdf: bytes, page: int, width: int) -> PageImage:
    """Page ``page`` (0-based) of ``pdf`` as an image ``width`` pixels wide (runs in the worker)."""
    document, buffer = QPdfDocument(), QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() == 0:
        raise UserError("The PDF cannot be shown (it is damaged or protected).")
    page = max(0, min(page, document.pageCount() - 1))
    points = document.pagePointSize(page)
    height = max(1, round(points.height() * width / points.width()))
    image, pages = document.render(page, QSize(width, height)), document.pageCount()
    document.close()
    return PageImage(image, page, pages, (points.width(), points.height()))


class PageView(QWidget):
    """One rendered page with fields over it; drag to place a box when ``placing`` is on."""

    placed = Signal(tuple)  # (x1, y1, x2, y2) in PDF points
    clicked = Signal(str)  # a field's id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pageView")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 320)
        self.page: PageImage | None = None
        self.fields: list[Field] = []
        self.highlight = ""
        self.labels: dict[str, str] = {}
        self.placing = False
        self._drag: tuple[QPoint, QPoint] | None = None

    def show_page(self, page: PageImage | None, fields: Sequence[Field] = (), labels: dict[str, str] | None = None,
                  ) -> None:
        self.page, self.fields, self.labels = page, [f for f in fields if page and f.page == page.page], labels or {}
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, 594)

    # -- geometry: PDF points <-> widget pixels --------------------------------------------------------
    def _frame(self) -> tuple[QRect, float]:
        assert self.page is not None
        width, height = self.page.size
        scale = min(self.width() / width, self.height() / height)
        shown = QRect(0, 0, round(width * scale), round(height * scale))
        shown.moveCenter(self.rect().center())
        return shown, scale

    def to_pixels(self, box: tuple[int, int, int, int]) -> QRect:
        frame, scale = self._frame()
        x1, y1, x2, y2 = box
        height = self.page.size[1] if self.page else 0
        return QRect(frame.left() + round(x1 * scale), frame.top() + round((height - y2) * scale),
                     round((x2 - x1) * scale), round((y2 - y1) * scale))

    def to_points(self, rect: QRect) -> tuple[int, int, int, int]:
        frame, scale = self._frame()
        height = self.page.size[1] if self.page else 0
        x1 = (rect.left() - frame.left()) / scale
        x2 = (rect.right() - frame.left()) / scale
        y2 = height - (rect.top() - frame.top()) / scale
        y1 = height - (rect.bottom() - frame.top()) / scale
        return round(x1), round(y1), round(x2), round(y2)

    # -- painting and mouse ----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#e9ecef"))
        if self.page is None:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No document")
            return
        frame, _ = self._frame()
        painter.drawImage(frame, self.page.image)
        for item in self.fields:
            colour = QColor(KIND_COLOURS[item.kind])
            rect = self.to_pixels(item.box)
            fill = QColor(colour)
            fill.setAlpha(90 if item.field_id == self.highlight else 40)
            painter.fillRect(rect, fill)
            painter.setPen(QPen(colour, 2 if item.field_id == self.highlight else 1))
            painter.drawRect(rect)
            painter.drawText(rect.adjusted(3, 1, -3, -1), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                             self.labels.get(item.field_id, item.kind.value))
        if self._drag is not None:
            painter.setPen(QPen(QColor("#1f6feb"), 1, Qt.PenStyle.DashLine))
            painter.drawRect(QRect(*self._drag).normalized())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.page is None:
            return
        point = event.position().toPoint()
        if self.placing:
            self._drag = (point, point)
            return
        for item in self.fields:
            if self.to_pixels(item.box).contains(point):
                self.clicked.emit(item.field_id)
                return

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            self._drag = (self._drag[0], event.position().toPoint())
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is None:
            return
        rect = QRect(self._drag[0], event.position().toPoint()).normalized()
        self._drag = None
        self.update()
        frame, _ = self._frame()
        rect = rect.intersected(frame)
        if rect.width() >= 6 and rect.height() >= 4:
            self.placed.emit(self.to_points(rect))


class DocumentPreview(QWidget):
    """An envelope's document, page by page: ‹ › buttons, the page number, the fields over the page.

    The document's current PDF is read once per version in the worker and each page rendered there when
    shown."""

    page_shown = Signal(int)

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.view = PageView()
        self.previous = QPushButton("‹", objectName="pagePrevious")
        self.next = QPushButton("›", objectName="pageNext")
        self.position = QLabel(objectName="pagePosition")
        self.envelope: Envelope | None = None
        self.document = 0
        self.page = 0
        self.labels: dict[str, str] = {}
        self._pdf: tuple[str, bytes] | None = None  # (file id, content)
        bar = QHBoxLayout()
        bar.addWidget(self.previous)
        bar.addWidget(self.position, 1, Qt.AlignmentFlag.AlignCenter)
        bar.addWidget(self.next)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)
        self.previous.clicked.connect(lambda: self.go(self.page - 1))
        self.next.clicked.connect(lambda: self.go(self.page + 1))

    def show_envelope(self, envelope: Envelope, document: int = 0, page: int | None = None) -> None:
        self.envelope, self.document = envelope, document
        self.go(self.page if page is None else page)

    def go(self, page: int) -> None:
        envelope = self.envelope
        if envelope is None or not envelope.documents:
            self.view.show_page(None)
            self.position.setText("No document yet")
            return
        document = envelope.documents[min(self.document, len(envelope.documents) - 1)]
        page = max(0, min(page, document.pages - 1))
        envelopes, actor, index = self.session.services.envelopes, self.session.actor, self.document
        cached = self._pdf if self._pdf and self._pdf[0] == document.file_id else None
        width = max(600, self.view.width())

        def load() -> tuple[tuple[str, bytes], PageImage]:
            pdf = cached[1] if cached else envelopes.document_pdf(actor, envelope.envelope_id, index)
            if isinstance(pdf, Locked):
                raise UserError(pdf.reason)
            return (document.file_id, pdf), render_page(pdf, page, width)

        self.session.runner.submit(load, owner=self, key="page", on_done=self._shown,
                                   on_error=lambda exc: self.position.setText(describe_error(exc)))

    def _shown(self, loaded: tuple[tuple[str, bytes], PageImage]) -> None:
        self._pdf, image = loaded
        self.page = image.page
        fields = [f for f in self.envelope.fields if f.document == self.document] if self.envelope else []
        self.view.show_page(image, fields, self.labels)
        self.position.setText(f"Page {image.page + 1} of {image.pages}")
        self.previous.setEnabled(image.page > 0)
        self.next.setEnabled(image.page < image.pages - 1)
        self.page_shown.emit(image.page)
