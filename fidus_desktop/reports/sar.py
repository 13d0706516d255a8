"""The suspicious-activity report draft of an investigation, as PDF (to read, sign off and file) and as CSV
(one line per record, for the reporting officer's filing tool). A draft: FIDUS files nothing; the officer
completes the reporting-institution part and files it through the financial intelligence unit's channel."""

from __future__ import annotations

import csv
import io
from typing import Any

from reportlab.platypus import Flowable, Spacer

from fidus_desktop.domain.money import round_money
from fidus_desktop.reports import formatting as fmt
from fidus_desktop.reports.pdf import Page, figure_table, paragraph, pdf_bytes
from fidus_desktop.reports.table_file import _csv_cell
from fidus_desktop.services.compliance.investigations import SarDraft

CSV_COLUMNS = ["record", "reference", "date", "name", "kind", "amount", "currency", "units", "status", "detail"]


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def _outcome(draft: SarDraft) -> str:
    case = draft.case
    if case.outcome is not None:
        return f"{case.outcome.value.replace('_', ' ')} (confirmed by {case.closed_by})"
    if case.proposed_outcome is not None:
        return f"{case.proposed_outcome.value.replace('_', ' ')} (proposed by {case.proposed_by})"
    return "not decided"


def sar_story(draft: SarDraft) -> list[Flowable]:
    case = draft.case
    story: list[Flowable] = [
        paragraph(f"Suspicious activity report — draft for {case.ref}", "title"),
        paragraph("DRAFT. Confidential: do not disclose to the persons concerned (tipping off). Complete the "
                  "reporting institution's details and file it through the financial intelligence unit's channel.",
                  "small"),
        paragraph("Case", "h2"),
        figure_table(["Field", "Value"], [
            ["Reference", case.ref], ["Title", case.title], ["Status", case.status.value.replace("_", " ")],
            ["Opened", f"{case.opened_at:%Y-%m-%d} by {case.opened_by}"],
            ["Outcome", _outcome(draft)],
            ["Prepared", f"{draft.prepared_at:%Y-%m-%d %H:%M} UTC by {draft.prepared_by}"]], numeric_from=2),
        paragraph("Grounds for suspicion", "h2"), paragraph(case.summary)]
    if case.outcome_reason:
        story += [paragraph("Conclusion", "h2"), paragraph(case.outcome_reason)]
    story += [paragraph("Subjects", "h2"),
              figure_table(["Investor", "Name", "Kind", "E-mail"],
                           [[s.number, s.name, s.kind, _plain(s.email)] for s in draft.subjects] or
                           [["(none linked)", "", "", ""]], numeric_from=4)]
    story += [paragraph("Transactions", "h2"),
              figure_table(["Reference", "Trade date", "Kind", "Investor", "Amount", "Units", "Status"],
                           [[t.ref, t.trade_date.isoformat(), t.kind, t.investor_number,
                             fmt.amount(t.amount, t.currency, with_code=True) if t.amount is not None else "",
                             _plain(t.units), t.status]
                            for t in draft.transactions] or [["(none linked)", "", "", "", "", "", ""]],
                           numeric_from=4)]
    if draft.alerts:
        story += [paragraph("Screening alerts", "h2"),
                  figure_table(["List", "Entry", "Matched name", "Score", "Investor", "Disposition"],
                               [[a.list_name, a.entry_id, a.matched_name, str(a.score), a.investor_number,
                                 (a.disposition or a.status).replace("_", " ")] for a in draft.alerts],
                               numeric_from=3)]
    story.append(paragraph("Chronology of the investigation", "h2"))
    story += [paragraph(f"{n.at:%Y-%m-%d %H:%M} {n.by}: {n.text}") for n in case.notes] or \
        [paragraph("No notes recorded.")]
    story.append(Spacer(1, 12))
    return story


def sar_pdf(draft: SarDraft) -> bytes:
    page = Page(f"SAR draft {draft.case.ref}", "CONFIDENTIAL", "Prepared with FIDUS Desktop — not filed")
    return pdf_bytes(sar_story(draft), page, f"SAR draft {draft.case.ref}")


def sar_rows(draft: SarDraft) -> list[list[Any]]:
    """The CSV's rows: the case, each subject, transaction, alert and note."""
    case = draft.case
    rows: list[list[Any]] = [["case", case.ref, case.opened_at.date(), case.title, case.status.value, None, None,
                              None, _outcome(draft), case.summary]]
    rows += [["subject", s.number, None, s.name, s.kind, None, None, None, None, s.email] for s in draft.subjects]
    rows += [["transaction", t.ref, t.trade_date, t.investor_number, t.kind,
              None if t.amount is None else round_money(t.amount, t.currency), t.currency, t.units, t.status, None]
             for t in draft.transactions]
    rows += [["alert", f"{a.list_name}:{a.entry_id}", None, a.matched_name, a.investor_number, None, None, None,
              a.disposition or a.status, f"score {a.score}"] for a in draft.alerts]
    rows += [["note", case.ref, n.at, n.by, None, None, None, None, None, n.text] for n in case.notes]
    return rows


def sar_csv(draft: SarDraft) -> bytes:
    """UTF-8 with a BOM (Excel reads it), ISO dates, plain decimals, formula-like text kept as text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows([_csv_cell(v) for v in row] for row in sar_rows(draft))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
