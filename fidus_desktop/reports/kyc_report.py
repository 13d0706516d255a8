"""The KYC report laid out: one table per section (for CSV, a sheet each in XLSX) and an A4 PDF with every
section. The figures are ``services.compliance.reports.ComplianceReportService``'s; nothing is computed here
but percentages of the risk distribution."""

from __future__ import annotations

from decimal import Decimal

from reportlab.platypus import Flowable

from fidus_desktop.reports.pdf import Page, figure_table, paragraph, pdf_bytes
from fidus_desktop.reports.table_file import TableData
from fidus_desktop.services.compliance.reports import KycReport

SECTIONS = ("status", "reviews", "documents", "hits", "risk")


def _share(count: int, total: int) -> Decimal:
    return (Decimal(100) * count / total).quantize(Decimal("0.1")) if total else Decimal(0)


def tables(report: KycReport) -> dict[str, TableData]:
    """Every section as a table, by section name."""
    total = sum(n for _, n in report.distribution)
    return {
        "status": TableData("KYC status", ["Investor", "Name", "Kind", "Case", "Risk band", "Ready", "Readiness",
                                           "Open alerts", "Missing", "Next review"],
                            [[r.number, r.name, r.kind, r.case_status, r.risk_band, "yes" if r.ready else "no",
                              r.readiness, r.open_alerts, r.missing, r.next_review] for r in report.status]),
        "reviews": TableData("Reviews due", ["Investor", "Name", "Risk band", "Next review", "Days overdue"],
                             [[r.number, r.name, r.risk_band, r.next_review, r.days_overdue]
                              for r in report.reviews]),
        "documents": TableData("Expiring documents", ["Investor", "Name", "Document", "Expires on", "Days left"],
                               [[r.number, r.name, r.item, r.expires_on, r.days_left] for r in report.documents]),
        "hits": TableData("Screening hits", ["Investor", "List", "Entry", "Matched name", "Score", "Status",
                                             "Disposition", "Decided by", "Raised at", "Entry removed"],
                          [[h.number, h.list_name, h.entry_id, h.matched_name, h.score, h.status, h.disposition,
                            h.decided_by, h.raised_at, h.entry_removed] for h in report.hits]),
        "risk": TableData("Risk distribution", ["Risk band", "Investors", "Share %"],
                          [[band, count, _share(count, total)] for band, count in report.distribution]),
    }


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ", timespec="minutes") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def kyc_report_pdf(report: KycReport) -> bytes:
    sections = tables(report)
    counts = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in sorted(report.case_counts.items()))
    story: list[Flowable] = [
        paragraph(f"KYC report as of {report.as_of}", "title"),
        paragraph(f"{len(report.status)} investors: {counts}. {sum(r.ready for r in report.status)} ready to invest, "
                  f"{sum(r.days_overdue > 0 for r in report.reviews)} reviews overdue, "
                  f"{sum(r.days_left <= 0 for r in report.documents)} documents lapsed, "
                  f"{sum(h.status != 'closed' for h in report.hits)} screening alerts undecided.")]
    # (first right-aligned column, columns left out of the PDF to fit A4: kind and readiness text are in the
    # CSV/XLSX)
    layout = {"risk": (1, ()), "status": (5, (2, 6)), "reviews": (4, ()), "documents": (4, ()), "hits": (4, ())}
    for name in ("risk", "status", "reviews", "documents", "hits"):
        table, (numeric_from, left_out) = sections[name], layout[name]
        story.append(paragraph(table.title, "h2"))
        if not table.rows:
            story.append(paragraph("None."))
            continue
        header = [c for i, c in enumerate(table.headers) if i not in left_out]
        rows = [[_cell(v) for i, v in enumerate(r) if i not in left_out] for r in table.rows]
        story.append(figure_table(header, rows, numeric_from=numeric_from))
    return pdf_bytes(story, Page("KYC report", f"as of {report.as_of}", "Confidential — FIDUS Desktop"),
                     f"KYC report {report.as_of}")
