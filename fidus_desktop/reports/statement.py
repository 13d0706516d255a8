"""The investor statement PDF: holdings, the period's unit movements and transactions, performance and fees.

Renders a ``services.statements.StatementData`` and computes nothing: every figure comes from the services.
Amounts are Decimal, formatted by ``reports.formatting`` and right-aligned.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from reportlab.platypus import Flowable, Spacer

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.reports.pdf import Page, figure_table, paragraph, write_pdf
from fidus_desktop.services.statements import StatementData

OFFICE = "FIDUS Fund Management"


def statement_filename(data: StatementData) -> str:
    return f"statement-{data.investor_number}-{data.period.label}.pdf"


def _summary(data: StatementData) -> list[Flowable]:
    change = data.closing_value - data.opening_value
    rows = [
        [f"Value on {fmt.day(data.opening_date)} (opening)", fmt.amount(data.opening_value, data.currency)],
        [f"Value on {fmt.day(data.valuation_date)} (closing)", fmt.amount(data.closing_value, data.currency)],
        ["Change in value (incl. subscriptions and redemptions)", fmt.amount(change, data.currency)],
    ]
    return [paragraph(f"Summary ({data.currency})", "h2"), figure_table(["", data.currency], rows)]


def _reconciliation(data: StatementData) -> list[Flowable]:
    """Why the closing value differs from the opening value, per holding and in total."""
    if not data.reconciliation:
        return []
    rows = [[r.label, fmt.amount(r.opening_value, r.currency), fmt.amount(r.subscriptions, r.currency),
             fmt.amount(-r.redemptions, r.currency), fmt.amount(-r.fees, r.currency),
             fmt.amount(r.gain_loss, r.currency), fmt.amount(r.closing_value, r.currency), r.currency]
            for r in data.reconciliation]
    legend = paragraph("Opening value + subscriptions − redemptions − fees (performance fees paid by cancelling "
                       "units) + gain/loss = closing value. Movements are valued at units × the NAV they dealt at; "
                       f"in the total each is converted to {data.currency} at its date's rate, so gain/loss also "
                       "holds the currency effect.", "small")
    return [paragraph("From opening to closing value", "h2"),
            figure_table(["Holding", "Opening", "Subscriptions", "Redemptions", "Fees", "Gain/loss", "Closing",
                          "Ccy"], rows, numeric_from=1, total_row=True), legend]


def _holdings(data: StatementData) -> list[Flowable]:
    if not data.holdings:
        return [paragraph("Holdings", "h2"), paragraph(f"No units held on {data.valuation_date}.")]
    rows = [[h.fund_name, h.class_code, fmt.units(h.units), f"{fmt.nav(h.nav_per_unit)} {h.class_currency}",
             fmt.day(h.nav_date), fmt.amount(h.value, h.class_currency, with_code=True),
             fmt.amount(h.statement_value, data.currency)] for h in data.holdings]
    rows.append(["Total", "", "", "", "", "", fmt.amount(data.closing_value, data.currency)])
    return [paragraph(f"Holdings on {data.valuation_date}", "h2"),
            figure_table(["Fund", "Class", "Units", "NAV per unit", "NAV date", "Value", f"Value {data.currency}"],
                         rows, numeric_from=2, total_row=True)]


def _transactions(data: StatementData) -> list[Flowable]:
    title = paragraph(f"Unit movements and transactions {data.period.start} to {data.period.end}", "h2")
    if not data.transactions:
        return [title, paragraph("No transactions in this period.")]
    rows = [[fmt.day(t.dealing_date), t.ref, t.kind.replace("_", " ").capitalize(), t.class_code,
             t.status if t.status != "settled" else "", fmt.units(t.units), fmt.nav(t.nav_per_unit),
             fmt.amount(t.gross, t.currency), fmt.amount(t.fee, t.currency), fmt.amount(t.net, t.currency),
             t.currency] for t in data.transactions]
    header = ["Dealing date", "Reference", "Kind", "Class", "Status", "Units", "NAV", "Gross", "Fee", "Net", "Ccy"]
    legend = paragraph("Settled units are signed: + received, − given up (a switch shows both classes, a transfer "
                       "the side that is yours); distributions and unsettled transactions are listed by trade date.",
                       "small")
    return [title, figure_table(header, rows, numeric_from=5), legend]


def _performance(data: StatementData) -> list[Flowable]:
    if not data.performance:
        return []
    rows = [[p.class_code, f"{fmt.nav(p.opening_nav)} {p.currency}", f"{fmt.nav(p.closing_nav)} {p.currency}",
             fmt.percent(p.period_return), fmt.percent(p.ytd),
             fmt.percent(p.since_inception) + (" p.a." if p.since_inception_annualised else "")]
            for p in data.performance]
    return [paragraph("Performance of your share classes (NAV per unit, after fees)", "h2"),
            figure_table(["Class", "Opening NAV", "Closing NAV", data.period.label, "Year to date",
                          "Since inception"], rows),
            paragraph("Since inception is annualised (p.a.) only over a year or more.", "small")]


def _fees(data: StatementData) -> list[Flowable]:
    title = paragraph("Fees charged to you in the period", "h2")
    if not data.fees:
        return [title, paragraph("No fees were charged to you in this period.")]
    rows = [[fmt.day(f.on), f.class_code, f.kind.replace("_", " ").capitalize(), fmt.amount(f.amount, f.currency),
             f.currency] for f in data.fees]
    rows.extend(["Total", "", "", fmt.amount(total, ccy), ccy] for ccy, total in sorted(data.fees_by_currency.items()))
    return [title, figure_table(["Date", "Class", "Fee", "Amount", "Ccy"], rows, numeric_from=3, total_row=True)]


def statement_story(data: StatementData) -> list[Flowable]:
    story: list[Flowable] = [
        paragraph(f"Investor statement {data.period.label}", "title"),
        paragraph(f"{data.investor_name} · investor {data.investor_number} · statement currency {data.currency}"),
        Spacer(1, 4),
    ]
    for section in (_summary, _reconciliation, _holdings, _transactions, _performance, _fees):
        story.extend(section(data))
    notes = [*data.notes, "Values are units held × the NAV per unit of the valuation date; amounts in other "
             f"currencies are converted to {data.currency} at the ECB reference rate of that date. Past performance "
             "does not predict future returns."]
    story.append(Spacer(1, 8))
    story.extend(paragraph(n, "small") for n in notes)
    return story


def render_statement(data: StatementData, target: Path | BytesIO) -> None:
    """Write the statement PDF of ``data`` to ``target`` (a path or a buffer)."""
    page = Page(OFFICE, f"Statement {data.period.label} · {data.investor_number}",
                f"{data.investor_name} · {data.period.start} to {data.period.end} · valued {data.valuation_date}")
    write_pdf(statement_story(data), page, target, f"Investor statement {data.investor_number} {data.period.label}")
