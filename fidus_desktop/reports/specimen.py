"""Specimen documents behind the demo's KYC checklist items, so opening and previewing a file works in the demo.

Every demo item that is received or approved links a stored, encrypted document of its investor (stored by
``services.compliance.demo`` and ``demo_readiness``): a one-page PDF marked SPECIMEN, titled after the
requirement ("Identity document — SPECIMEN"). The demo holds a data key in memory (``portfolio.demo_personal``);
without one (a headless ``fidus init --demo``) nothing can be stored encrypted, so the items are recorded
without a document and the demo's ``run.made`` says why. One PDF is drawn per requirement and reused for every
investor (each investor still gets its own stored, encrypted copy): drawing one per investor would add seconds
to every demo start.
"""

from __future__ import annotations

import io
from functools import cache

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from fidus_desktop.domain.compliance.kyc import Requirement

SPECIMEN_NOTE = "Demo document of the FIDUS demo office. Not a real document; no real person."


def file_name(requirement: Requirement) -> str:
    return f"{requirement.code.replace('_', '-')}-specimen.pdf"


@cache
def specimen_pdf(label: str) -> bytes:
    """A one-page A4 PDF: the requirement's label, a form-like body and a diagonal SPECIMEN mark."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True)  # invariant: the same bytes on every run (seeded demo)
    width, height = A4
    canvas.setTitle(f"{label} — SPECIMEN")
    canvas.setFillColor(HexColor("#1f3a5f"))
    canvas.rect(0, height - 90, width, 90, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#ffffff"))
    canvas.setFont("Helvetica-Bold", 22)
    canvas.drawString(50, height - 55, f"{label} — SPECIMEN")
    canvas.setFillColor(HexColor("#222222"))
    canvas.setFont("Helvetica", 11)
    y = height - 140
    for field in ("Holder", "Reference", "Issued by", "Date of issue", "Valid until"):
        canvas.drawString(50, y, f"{field}:")
        canvas.line(160, y - 2, width - 50, y - 2)
        y -= 34
    canvas.setFont("Helvetica-Oblique", 10)
    canvas.drawString(50, 60, SPECIMEN_NOTE)
    canvas.saveState()
    canvas.translate(width / 2, height / 2 - 60)
    canvas.rotate(35)
    canvas.setFillColor(Color(0.8, 0.1, 0.1, alpha=0.25))
    canvas.setFont("Helvetica-Bold", 96)
    canvas.drawCentredString(0, 0, "SPECIMEN")
    canvas.restoreState()
    canvas.showPage()
    canvas.save()
    return out.getvalue()
