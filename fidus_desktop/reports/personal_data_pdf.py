"""The PDF half of a data-protection export: every record held about a person, one table per collection,
readable by the person it concerns (the JSON half is for machines)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

_HIDDEN = ("_id", "version")
_MAX_TEXT = 500


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return f"(document, {len(value):,} bytes; included in the JSON export)"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    text = "" if value is None else str(value)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + " …"


def render_person_export(
    person_id: str, sections: Mapping[str, Sequence[Mapping[str, Any]]], generated_at: datetime
) -> bytes:
    """A4 PDF: a title, then for each collection each record as a two-column field/value table."""
    styles = getSampleStyleSheet()
    cell = styles["BodyText"]
    story: list[Any] = [
        Paragraph("Personal data held about you", styles["Title"]),
        Paragraph(escape(f"Person {person_id} — generated {generated_at.isoformat(timespec='seconds')}"), cell),
        Spacer(1, 6 * mm),
    ]
    for collection, docs in sections.items():
        story.append(Paragraph(escape(f"{collection} ({len(docs)} record(s))"), styles["Heading2"]))
        for doc in docs:
            rows = [
                [Paragraph(escape(name), cell), Paragraph(escape(_text(value)), cell)]
                for name, value in doc.items()
                if name not in _HIDDEN
            ]
            table = Table(rows or [["(no fields)", ""]], colWidths=[50 * mm, 120 * mm])
            table.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
            ]))
            story += [table, Spacer(1, 4 * mm)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"Personal data export {person_id}").build(story)
    return out.getvalue()
