"""A referral agent's commission statement: PDF (reportlab, the shared FIDUS page) and the same lines as a
CSV/XLSX table. Renders an ``AgentService`` statement and computes nothing but the per-currency sums it shows
next to the service's totals (and a test holds them equal)."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from pathlib import Path

from reportlab.platypus import Flowable, Spacer

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.reports.pdf import Page, figure_table, paragraph, write_pdf
from fidus_desktop.reports.statement import OFFICE
from fidus_desktop.reports.table_file import TableData, write_table
from fidus_desktop.security.private_files import write_private
from fidus_desktop.services.crm.agents import CommissionStatement

CSV_HEADERS = ["Due date", "Investor number", "Investor", "Product", "Investment", "Currency", "Interest", "Rate",
               "Commission"]


def rate_text(rate: Decimal) -> str:
    """``Decimal('0.125')`` → ``'12.5 %'``."""
    return f"{(rate * 100).normalize():f} %"


def statement_filename(statement: CommissionStatement, kind: str = "pdf") -> str:
    return f"commissions-{statement.agent.code}-{statement.period.label}.{kind}"


def _status(statement: CommissionStatement) -> str:
    if statement.status is None:
        return "Draft: computed now, not prepared for approval yet."
    parts = [f"Status: {statement.status.value}", f"prepared by {statement.prepared_by}"]
    if statement.approved_by:
        parts.append(f"approved by {statement.approved_by}")
    if statement.paid_by:
        parts.append(f"paid by {statement.paid_by}")
    return "; ".join(parts) + "."


def commission_story(statement: CommissionStatement) -> list[Flowable]:
    agent, period = statement.agent, statement.period
    rates = sorted({line.rate for line in statement.lines}) or [agent.rate]
    story: list[Flowable] = [
        paragraph(f"Commission statement {period.label}", "title"),
        paragraph(f"{agent.name} ({agent.code}) · rate {' / '.join(rate_text(r) for r in rates)} of the interest "
                  f"paid to the clients introduced · {period.start} to {period.end}"),
        paragraph(_status(statement), "small"),
        Spacer(1, 4),
    ]
    for currency in sorted(statement.totals):
        lines = [line for line in statement.lines if line.interest.currency == currency]
        rows = [[fmt.day(line.due_date), line.investor_number, line.investor_name, line.product_code,
                 fmt.amount(line.interest.amount, currency), rate_text(line.rate),
                 fmt.amount(line.commission.amount, currency)] for line in lines]
        interest = sum((line.interest.amount for line in lines), Decimal(0))
        rows.append([f"Total {currency}", "", "", "", fmt.amount(interest, currency), "",
                     fmt.amount(statement.totals[currency].amount, currency)])
        story += [paragraph(f"Interest payments and commission ({currency})", "h2"),
                  figure_table(["Due", "Investor", "Name", "Product", "Interest", "Rate", "Commission"], rows,
                               numeric_from=4, total_row=True)]
    if not statement.lines:
        story.append(paragraph("No interest payment to a client of this agent falls due in the period."))
    story += [Spacer(1, 8), paragraph(
        "One line per interest payment due in the period under the fixed-yield products' payment schedules; the "
        "commission on each is the interest times the agent's rate, rounded half to even to the cent. Totals are "
        "per currency and never converted. Principal returns and profit shares earn no commission.", "small")]
    return story


def render_commission_statement(statement: CommissionStatement, target: Path | BytesIO) -> None:
    page = Page(OFFICE, f"Commissions {statement.period.label} · {statement.agent.code}",
                f"{statement.agent.name} · {statement.period.start} to {statement.period.end}")
    write_pdf(commission_story(statement), page, target,
              f"Commission statement {statement.agent.code} {statement.period.label}")


def commission_csv_table(statement: CommissionStatement) -> TableData:
    """The statement's lines as a table (typed: dates, Decimals), for CSV or XLSX."""
    rows = [[line.due_date, line.investor_number, line.investor_name, line.product_code, line.investment_id,
             line.interest.currency, line.interest.amount, line.rate, line.commission.amount]
            for line in statement.lines]
    return TableData(f"Commissions {statement.agent.code} {statement.period.label}", CSV_HEADERS, rows)


def write_commission_file(statement: CommissionStatement, path: Path) -> None:
    """The statement as a PDF, CSV or XLSX file chosen by ``path``'s suffix (owner-only, written atomically)."""
    if path.suffix.lower() == ".pdf":
        buffer = BytesIO()
        render_commission_statement(statement, buffer)
        write_private(path, buffer.getvalue())
    else:
        try:
            write_table(commission_csv_table(statement), path)
        except ValueError:
            raise ValueError(f"{path.name}: choose a name ending in .pdf, .csv or .xlsx.") from None
