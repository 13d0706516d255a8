"""The look every FIDUS PDF shares: A4 page, header and "Page n of m" footer, styles, figure tables.

Statements and factsheets build a list of flowables (their *story*) and hand it to ``write_pdf``; tests
read the story's text directly, so they check figures without a PDF text extractor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

MARGIN = 18 * mm
BRAND = colors.HexColor("#1f3a5f")
RULE = colors.HexColor("#c8d0da")
ZEBRA = colors.HexColor("#f3f5f8")

_base = getSampleStyleSheet()
STYLES = {
    "title": ParagraphStyle("title", parent=_base["Title"], alignment=0, textColor=BRAND, fontSize=18, leading=22),
    "h2": ParagraphStyle("h2", parent=_base["Heading2"], textColor=BRAND, fontSize=12, spaceBefore=10, spaceAfter=4),
    "body": ParagraphStyle("body", parent=_base["BodyText"], fontSize=9, leading=12),
    "small": ParagraphStyle("small", parent=_base["BodyText"], fontSize=7.5, leading=10, textColor=colors.grey),
}


@dataclass(frozen=True)
class Page:
    """Header and footer text of a document."""

    header_left: str
    header_right: str
    footer: str


class _NumberedCanvas(Canvas):
    """Defers page output until the end so each footer can say "Page n of m"."""

    page_info: Page

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._decorate(number, len(self._pages))
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        width, height = A4
        info = self.page_info
        self.saveState()
        self.setStrokeColor(RULE)
        self.line(MARGIN, height - MARGIN + 4 * mm, width - MARGIN, height - MARGIN + 4 * mm)
        self.line(MARGIN, MARGIN - 6 * mm, width - MARGIN, MARGIN - 6 * mm)
        self.setFont("Helvetica-Bold", 8)
        self.setFillColor(BRAND)
        self.drawString(MARGIN, height - MARGIN + 6 * mm, info.header_left)
        self.setFont("Helvetica", 8)
        self.drawRightString(width - MARGIN, height - MARGIN + 6 * mm, info.header_right)
        self.setFillColor(colors.grey)
        self.drawString(MARGIN, MARGIN - 10 * mm, info.footer)
        self.drawRightString(width - MARGIN, MARGIN - 10 * mm, f"Page {number} of {total}")
        self.restoreState()


def write_pdf(story: list[Flowable], page: Page, target: Path | BytesIO, title: str) -> None:
    """Lay ``story`` out on A4 pages with ``page``'s header and footer and write it to ``target``."""
    doc = SimpleDocTemplate(str(target) if isinstance(target, Path) else target, pagesize=A4, title=title,
                            author="FIDUS Desktop", leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN)
    canvas_class = type("PageCanvas", (_NumberedCanvas,), {"page_info": page})
    doc.build(story, canvasmaker=canvas_class)


def pdf_bytes(story: list[Flowable], page: Page, title: str) -> bytes:
    buffer = BytesIO()
    write_pdf(story, page, buffer, title)
    return buffer.getvalue()


def figure_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, numeric_from: int = 1,
                 widths: Sequence[float] | None = None, total_row: bool = False) -> Table:
    """A table of figures: text columns left, columns from ``numeric_from`` on right-aligned."""
    table = Table([list(header), *[list(r) for r in rows]], colWidths=widths, repeatRows=1, hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("BACKGROUND", (0, 0), (-1, 0), BRAND),
        ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    style.extend(("BACKGROUND", (0, r), (-1, r), ZEBRA) for r in range(2, len(rows) + 1, 2))
    if total_row and rows:
        style.extend([("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8), ("LINEABOVE", (0, -1), (-1, -1), 0.8, BRAND)])
    table.setStyle(TableStyle(style))
    return table


def paragraph(text: str, style: str = "body", *, markup: bool = False) -> Paragraph:
    """A paragraph of plain text (escaped: names may hold '&' or '<'), or of reportlab ``markup``."""
    return Paragraph(text if markup else escape(text), STYLES[style])


def story_text(story: Sequence[Flowable]) -> str:
    """All text of a story (paragraphs and table cells), one item per line: what tests assert on."""
    parts: list[str] = []
    for item in story:
        if isinstance(item, Paragraph):
            parts.append(item.getPlainText())
        elif isinstance(item, Table):
            parts.extend(" | ".join(str(c) for c in row) for row in item._cellvalues)
        elif hasattr(item, "text_lines"):
            parts.extend(item.text_lines())
    return "\n".join(parts)
