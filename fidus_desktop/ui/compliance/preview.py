"""A stored document shown inside the app: an image as it is, a PDF page by page (Qt PDF).

The document is decrypted by ``DocumentService.open`` (audited as a personal-data read) and rendered to an
image in the worker; the GUI thread only shows the image. A workstation without the data key says so."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from fidus_desktop.errors import UserError
from fidus_desktop.services.documents import StoredDocument
from fidus_desktop.services.personal_data import Locked
from fidus_desktop.ui.common.buttons import enable
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

PAGE_WIDTH = 900  # pixels a PDF page is rendered at; the label scales it to the pane


@dataclass(frozen=True)
class Rendered:
    image: QImage
    page: int
    pages: int


def render(content: bytes, media_type: str, page: int) -> Rendered:
    """``content`` as an image: page ``page`` of a PDF, or the image itself."""
    if media_type == "application/pdf":
        buffer = QBuffer()
        buffer.setData(QByteArray(content))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        pdf = QPdfDocument()
        pdf.load(buffer)
        if pdf.status() != QPdfDocument.Status.Ready or pdf.pageCount() == 0:
            raise ValueError("damaged PDF")
        page = min(max(page, 0), pdf.pageCount() - 1)
        size = pdf.pagePointSize(page)
        scale = PAGE_WIDTH / max(size.width(), 1.0)
        image = pdf.render(page, QSize(PAGE_WIDTH, int(size.height() * scale)))
        pages = pdf.pageCount()
        pdf.close()
        return Rendered(image, page, pages)
    image = QImage.fromData(content)
    if image.isNull():
        raise ValueError("unreadable image")
    return Rendered(image, 0, 1)


class DocumentPreview(QWidget):
    """The preview pane: the page or image scaled to the width, ◀ ▶ for a PDF's pages."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentPreview")
        self.session = session
        self.document: StoredDocument | None = None
        self.shown: Rendered | None = None
        self.image = QLabel("Select a document to preview it.", objectName="previewImage",
                            alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.scroll_area = QScrollArea(widgetResizable=True)
        self.scroll_area.setWidget(self.image)
        self.previous_page = QPushButton("◀", objectName="previewPrevious", enabled=False)
        self.next_page = QPushButton("▶", objectName="previewNext", enabled=False)
        self.page_label = QLabel(objectName="previewPage")
        bar = QHBoxLayout()
        bar.addWidget(self.previous_page)
        bar.addWidget(self.page_label)
        bar.addWidget(self.next_page)
        bar.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.scroll_area, 1)
        self.previous_page.clicked.connect(lambda: self.show_page(self.shown.page - 1 if self.shown else 0))
        self.next_page.clicked.connect(lambda: self.show_page(self.shown.page + 1 if self.shown else 0))

    def show_document(self, document: StoredDocument | None) -> None:
        self.document, self.shown = document, None
        self._buttons()
        if document is None:
            self.image.setPixmap(QPixmap())
            self.image.setText("Select a document to preview it.")
            return
        self.show_page(0)

    def show_page(self, page: int) -> None:
        document = self.document
        if document is None:
            return
        self.image.setText(f"Opening {document.name}…")
        documents, actor = self.session.services.documents, self.session.actor

        def job() -> Rendered | Locked:
            content = documents.open(actor, document.document_id)
            if isinstance(content, Locked):
                return content
            try:
                return render(content, document.media_type, page)
            except ValueError as exc:
                raise PreviewFailed(f"{document.name} cannot be previewed ({exc}); save a copy and open it "
                                    "in its own program.") from None

        self.session.runner.submit(job, owner=self, key="preview", on_done=self._show, on_error=self._failed)

    def _show(self, result: Rendered | Locked) -> None:
        if isinstance(result, Locked):
            self.shown = None
            self.image.setPixmap(QPixmap())
            self.image.setText(f"🔒 {result.reason} Enrol this workstation (Admin → Keys) to see documents.")
        else:
            self.shown = result
            self._fit()
        self._buttons()

    def _fit(self) -> None:
        """The page scaled to the pane's width (no horizontal scroll bar), again whenever the pane is resized."""
        if self.shown is None:
            return
        width = max(200, self.scroll_area.viewport().width() - 24)
        self.image.setPixmap(QPixmap.fromImage(self.shown.image).scaledToWidth(
            width, Qt.TransformationMode.SmoothTransformation))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.shown is not None and event.size().width() != event.oldSize().width():
            self._fit()

    def _failed(self, exc: BaseException) -> None:
        self.shown = None
        self.image.setPixmap(QPixmap())
        self.image.setText(describe_error(exc))
        self._buttons()

    def _buttons(self) -> None:
        shown = self.shown
        none = "No document is shown." if shown is None else ""
        enable(self.previous_page, none or ("" if shown is not None and shown.page > 0 else "This is the first page."))
        enable(self.next_page, none or ("" if shown is not None and shown.page < shown.pages - 1 else
                                        "This is the last page."))
        self.page_label.setText(f"Page {shown.page + 1} of {shown.pages}" if shown and shown.pages > 1 else "")


class PreviewFailed(UserError):
    """A stored file Qt cannot render (shown as written in the pane)."""
